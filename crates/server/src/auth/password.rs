//! argon2id password hashes, computed off the async threads, a few at a time.
//!
//! Each hash takes about 19 MiB and tens of milliseconds by design; without a bound,
//! a burst of sign-ins would run one per blocking thread and leave the process with
//! hundreds of megabytes the allocator keeps.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::ApiError;

/// At most one hash per core at a time.
fn permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    let _permit = permits().acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

pub async fn verify(password: String, stored_hash: String) -> Result<bool, ApiError> {
    let _permit = permits().acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored_hash).map_err(ApiError::internal)?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(ApiError::internal)?
}

/// A hash to verify against when the account does not exist, so that a wrong email
/// takes as long as a wrong password and does not reveal which accounts exist.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::encode_b64(b"restphone-decoy!").expect("a 16-byte salt encodes");
        Argon2::default().hash_password(b"no such account", &salt).expect("argon2 hashes").to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse".to_owned()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse".to_owned(), stored.clone()).await.unwrap());
        assert!(!verify("wrong horse".to_owned(), stored).await.unwrap());
    }
}
