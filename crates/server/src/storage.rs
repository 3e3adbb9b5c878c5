//! Voice message files in the data directory, written so that a crash never leaves a
//! half-written message behind: write a hidden temporary file, flush it to disk, then
//! rename it into place; temporaries and files no message refers to are removed at start.

use std::path::Path;

use crate::error::{ApiError, ApiResult};
use crate::store::Store;

const TEMPORARY_PREFIX: &str = ".upload-";

/// Writes `bytes` as the audio of message `id`; returns the file's name.
pub async fn write_audio(dir: &Path, id: &str, bytes: &[u8]) -> ApiResult<String> {
    use tokio::io::AsyncWriteExt;
    let name = format!("{id}.opus");
    let temporary = dir.join(format!("{TEMPORARY_PREFIX}{id}"));
    let write = async {
        let mut file = tokio::fs::File::create(&temporary).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        tokio::fs::rename(&temporary, dir.join(&name)).await?;
        tokio::fs::File::open(dir).await?.sync_all().await
    };
    if let Err(error) = write.await {
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(ApiError::internal(format!("could not store the message: {error}")));
    }
    Ok(name)
}

/// Removes what an interrupted upload may have left.
pub async fn remove_strays(dir: &Path, store: &dyn Store) -> ApiResult<()> {
    let kept: std::collections::HashSet<String> = store.audio_files().await?.into_iter().collect();
    let mut entries = tokio::fs::read_dir(dir).await.map_err(ApiError::internal)?;
    while let Some(entry) = entries.next_entry().await.map_err(ApiError::internal)? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(TEMPORARY_PREFIX) || (name.ends_with(".opus") && !kept.contains(&name)) {
            tracing::info!(%name, "removing an unfinished message file");
            tokio::fs::remove_file(entry.path()).await.map_err(ApiError::internal)?;
        }
    }
    Ok(())
}
