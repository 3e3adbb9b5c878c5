//! `restphone-cli voicemail ...` and `greeting ...`: my voice mailbox and greeting
//! without running a phone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Subcommand;
use restphone_api::message::{Message, MessageKind};
use restphone_media::call::AudioDevices;
use restphone_media::device::WavSource;
use restphone_media::voicemail::{Player, PlayerState, PlayerStatus, record_ogg_opus};
use restphone_phone::PhoneError;
use restphone_phone::client::ServerClient;
use restphone_phone::voicemail::{GREETING_LIMIT, HttpRanges};
use serde_json::json;

use crate::audio;

#[derive(Subcommand)]
pub enum Voicemail {
    /// List my voice messages (text messages left out).
    List,
    /// Play message ID through the output device (or `--record FILE`) to its end; it becomes heard.
    Play {
        id: String,
        /// Start this many seconds in.
        #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = seconds)]
        at: f64,
        #[command(flatten)]
        audio: audio::AudioArgs,
    },
    /// Write message ID's Ogg Opus file, as stored, to FILE.
    Save { id: String, file: PathBuf },
    /// Delete message ID.
    Delete { id: String },
}

#[derive(Subcommand)]
pub enum Greeting {
    /// Make FILE (48 kHz 16-bit WAV, at most 60 s used) my greeting.
    Set { file: PathBuf },
    /// Remove my greeting: callers hear the default one.
    Clear,
}

pub async fn greeting(client: &ServerClient, action: &Greeting) -> Result<serde_json::Value, PhoneError> {
    match action {
        Greeting::Set { file } => {
            let ogg = encode_wav(file, GREETING_LIMIT)?;
            let duration_ms = duration_ms(&ogg)?;
            client.set_greeting(ogg).await?;
            Ok(json!({ "ok": true, "duration_ms": duration_ms }))
        }
        Greeting::Clear => client.delete_greeting().await.map(|()| json!({ "ok": true })),
    }
}

/// Encodes the WAV file at `path`, its first `limit` at most, as Ogg Opus.
pub fn encode_wav(path: &Path, limit: Duration) -> Result<Vec<u8>, PhoneError> {
    let cannot = |error: restphone_media::MediaError| PhoneError::NotPossible(format!("cannot use {}: {error}", path.display()));
    let mut source = WavSource::open(path).map_err(cannot)?;
    record_ogg_opus(&mut source, limit).map_err(cannot)
}

pub fn duration_ms(ogg: &[u8]) -> Result<u64, PhoneError> {
    oggopus::inspect(ogg).map(|info| info.duration_ms).map_err(|e| PhoneError::NotPossible(format!("the recording is not valid Ogg Opus: {e}")))
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
        Voicemail::Play { id, at, audio } => {
            let message =
                client.messages().await?.into_iter().find(|m| m.id == *id).ok_or_else(|| PhoneError::NotPossible(format!("there is no message {id}")))?;
            let media = audio.open()?;
            let played = play_to_end(client, &message, Duration::from_secs_f64(*at), media.devices.clone()).await;
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

/// A number of seconds, not negative.
pub fn seconds(text: &str) -> Result<f64, String> {
    text.parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0).ok_or_else(|| format!("'{text}' is not a number of seconds"))
}

/// Streams `message` from the server through `devices`, from `at`, until it has played to the end.
async fn play_to_end(client: &ServerClient, message: &Message, at: Duration, devices: AudioDevices) -> Result<PlayerStatus, PhoneError> {
    let (Some(url), Some(size)) = (&message.audio_url, message.size) else {
        return Err(PhoneError::NotPossible(format!("message {} is not a voice message", message.id)));
    };
    let player = Player::start(HttpRanges::new(client.clone(), url.clone(), size), devices);
    if !at.is_zero() {
        player.seek(at);
    }
    let mut status = player.status();
    let last = status.wait_for(|s| matches!(s.state, PlayerState::Finished | PlayerState::Failed)).await.map(|s| s.clone());
    player.stop().await;
    match last {
        Ok(status) if status.state == PlayerState::Finished => Ok(status),
        Ok(status) => Err(PhoneError::NotPossible(format!("message {} cannot be played: {}", message.id, status.error.unwrap_or_default()))),
        Err(_) => Err(PhoneError::NotPossible("the player stopped".to_owned())),
    }
}
