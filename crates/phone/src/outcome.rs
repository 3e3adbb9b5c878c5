//! What a command did, for whoever asked: the window, a script, a test. In JSON each
//! outcome is a small object, e.g. `{"call": "c1"}` or `{"call": "c1", "device": "d2"}`.

use std::path::PathBuf;

use restphone_api::login::OnlineUser;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum Outcome {
    /// The call acted on, or the one created; with the participant URL when this
    /// device took its leg.
    Call {
        call: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        participant: Option<String>,
    },
    /// The call, and my other device that was told to act on it.
    CallOnDevice {
        call: String,
        device: String,
    },
    /// The voice message after an unanswered call.
    VoiceMessage {
        call: Option<String>,
        voicemail: VoiceMessageFate,
    },
    AutoVoicemail {
        auto_voicemail: bool,
    },
    /// Recording for `recording_for` (null: my greeting) has begun.
    Recording {
        recording_for: Option<String>,
    },
    Playing {
        playing: String,
    },
    /// A message sent (its URL), or marked heard or unheard (its id).
    Message {
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        heard: Option<bool>,
    },
    Deleted {
        deleted: String,
    },
    Saved {
        saved: PathBuf,
        bytes: usize,
    },
    Invited {
        invited: String,
    },
    MissedCallsSeen {
        seen_through: Option<u64>,
    },
    /// People found by a search.
    People {
        people: Vec<OnlineUser>,
    },
    DeviceRenamed {
        device: String,
        name: String,
    },
    /// My other device that was signed out.
    SignedOut {
        signed_out: String,
    },
    DoNotDisturb {
        do_not_disturb: bool,
    },
    DisplayName {
        display_name: String,
    },
    PasswordChanged {
        password_changed: bool,
    },
    /// Done; nothing more to say.
    Done {},
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum VoiceMessageFate {
    Sent,
    Discarded,
}

impl Outcome {
    pub fn call(call: &str) -> Self {
        Self::Call { call: call.to_owned(), participant: None }
    }

    /// The call this outcome names, if it names one.
    pub fn call_id(&self) -> Option<&str> {
        match self {
            Self::Call { call, .. } | Self::CallOnDevice { call, .. } => Some(call),
            Self::VoiceMessage { call, .. } => call.as_deref(),
            _ => None,
        }
    }
}
