//! What the snapshot says about voicemail on this device: a message being recorded,
//! and a message being played.

use restphone_media::voicemail::{PlaybackSpeed, PlayerState, PlayerStatus};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VoicemailView {
    pub recording: Option<RecordingView>,
    pub playback: Option<PlaybackView>,
}

/// A voice message (or my greeting) being recorded here, from prompt to upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordingView {
    /// Whose mailbox it goes to; `None` for my own greeting.
    pub to: Option<String>,
    /// The unanswered call it follows, when it does.
    pub call: Option<String>,
    pub stage: RecordingStage,
    pub recorded_ms: u64,
    /// Recording stops by itself here.
    pub limit_ms: u64,
    /// Why it failed, when `stage` is `failed`.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RecordingStage {
    /// The callee's greeting (or the default one) and the beep are playing.
    Prompt,
    Recording,
    /// The recording is being uploaded.
    Sending,
    Sent,
    Failed,
    /// Stopped before anything was sent.
    Cancelled,
}

impl RecordingStage {
    /// Whether the recording is over, one way or another.
    pub fn is_over(self) -> bool {
        matches!(self, Self::Sent | Self::Failed | Self::Cancelled)
    }
}

/// A message of my mailbox playing (or paused) through this device's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlaybackView {
    pub message: String,
    pub state: PlayerState,
    /// Sound is coming out now (the state is `playing`).
    pub playing: bool,
    pub speed: PlaybackSpeed,
    pub position_ms: u64,
    pub duration_ms: u64,
    pub error: Option<String>,
}

impl PlaybackView {
    pub fn new(message: &str, status: &PlayerStatus) -> Self {
        Self {
            message: message.to_owned(),
            state: status.state,
            playing: status.state == PlayerState::Playing,
            speed: status.speed,
            position_ms: status.position_ms,
            duration_ms: status.duration_ms,
            error: status.error.clone(),
        }
    }
}
