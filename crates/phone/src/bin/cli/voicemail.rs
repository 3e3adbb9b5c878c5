//! `restphone-cli voicemail ...`: my voice mailbox without running a phone.

use std::path::PathBuf;

use clap::Subcommand;
use restphone_api::message::{Message, MessageKind};
use restphone_media::call::AudioDevices;
use restphone_media::voicemail::{Player, PlayerState, PlayerStatus};
use restphone_phone::PhoneError;
use restphone_phone::client::ServerClient;
use restphone_phone::voicemail::HttpRanges;
use serde_json::json;

use crate::audio;

#[derive(Subcommand)]
pub enum Voicemail {
    /// List my voice messages (text messages left out).
    List,
    /// Play message ID through the output device (or `--record FILE`) to its end; it becomes heard.
    Play {
        id: String,
        #[command(flatten)]
        audio: audio::AudioArgs,
    },
    /// Write message ID's Ogg Opus file, as stored, to FILE.
    Save { id: String, file: PathBuf },
    /// Delete message ID.
    Delete { id: String },
}

pub async fn run(client: &ServerClient, action: &Voicemail) -> Result<serde_json::Value, PhoneError> {
    match action {
        Voicemail::List => {
            let messages = client.messages().await?;
            let listed: Vec<_> = messages
                .iter()
                .filter(|m| m.kind == MessageKind::Voice)
                .map(|m| json!({ "id": m.id, "from": m.from, "created_at": m.created_at, "duration_ms": m.duration_ms, "heard": m.heard }))
                .collect();
            Ok(json!(listed))
        }
        Voicemail::Play { id, audio } => {
            let message =
                client.messages().await?.into_iter().find(|m| m.id == *id).ok_or_else(|| PhoneError::NotPossible(format!("there is no message {id}")))?;
            let media = audio.open()?;
            let played = play_to_end(client, &message, media.devices.clone()).await;
            audio::finish(&media);
            let status = played?;
            client.mark_heard(id, true).await?;
            Ok(json!({ "ok": true, "played": id, "duration_ms": status.duration_ms }))
        }
        Voicemail::Save { id, file } => {
            let ogg = client.message_audio(id).await?;
            std::fs::write(file, &ogg).map_err(|e| PhoneError::NotPossible(format!("cannot write {}: {e}", file.display())))?;
            Ok(json!({ "ok": true, "saved": file, "bytes": ogg.len() }))
        }
        Voicemail::Delete { id } => client.delete_message(id).await.map(|()| json!({ "ok": true, "deleted": id })),
    }
}

/// Streams `message` from the server through `devices` until it has played to the end.
async fn play_to_end(client: &ServerClient, message: &Message, devices: AudioDevices) -> Result<PlayerStatus, PhoneError> {
    let (Some(url), Some(size)) = (&message.audio_url, message.size) else {
        return Err(PhoneError::NotPossible(format!("message {} is not a voice message", message.id)));
    };
    let player = Player::start(HttpRanges::new(client.clone(), url.clone(), size), devices);
    let mut status = player.status();
    let last = status.wait_for(|s| matches!(s.state, PlayerState::Finished | PlayerState::Failed)).await.map(|s| s.clone());
    player.stop().await;
    match last {
        Ok(status) if status.state == PlayerState::Finished => Ok(status),
        Ok(status) => Err(PhoneError::NotPossible(format!("message {} cannot be played: {}", message.id, status.error.unwrap_or_default()))),
        Err(_) => Err(PhoneError::NotPossible("the player stopped".to_owned())),
    }
}
