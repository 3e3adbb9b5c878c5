//! The push channel (`GET /events`): Server-Sent Events, each with an `id:`, an
//! `event:` naming one of the kinds below, and JSON data.

use serde::{Deserialize, Serialize};

use crate::DateTime;
use crate::Utc;

/// The SSE `event:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Data: a `Call`, whenever it is created or changes.
    Call,
    /// Data: a `Command` for this device.
    Command,
    /// Data: the JSON object another user sent to `/invite/{email}`, plus `from`.
    Invite,
    /// Data: a `MessageNotice`.
    Message,
    /// Data: a `Presence`.
    Presence,
    /// Data: a `Reset`: events were missed; resync from `GET /call`.
    Reset,
    /// Data: a `HistoryNotice`: my call history changed.
    History,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Command => "command",
            Self::Invite => "invite",
            Self::Message => "message",
            Self::Presence => "presence",
            Self::Reset => "reset",
            Self::History => "history",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Call, Self::Command, Self::Invite, Self::Message, Self::Presence, Self::Reset, Self::History].into_iter().find(|kind| kind.as_str() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    /// Take the call's leg on this device (a push from another device).
    Take,
    /// Answer the ringing call on this device (third-party answer).
    Answer,
    /// Dial `to` from this device, on the call already created (third-party dial).
    Dial,
}

/// Data of a `command` event: the server asks this device to act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Command {
    pub command: CommandKind,
    /// `/call/{id}`.
    pub call: String,
    /// The device that asked (`/login/...`), when known.
    pub from: Option<String>,
    /// For `dial`: the callee's email.
    pub to: Option<String>,
}

/// Data of a `reset` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reset {
    pub reason: String,
}

/// Data of a `message` event: a message arrived, was marked heard or unheard, or was
/// deleted, so every device keeps the same waiting count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageNotice {
    pub id: String,
    pub url: String,
    pub from: String,
    pub kind: crate::message::MessageKind,
    pub created_at: DateTime<Utc>,
    pub heard: bool,
    pub deleted: bool,
}

/// The commands `POST /invite/{email}` accepts; the rest of the body is passed on.
pub const INVITE_COMMANDS: [&str; 4] = ["invite", "cancel", "reject", "accept"];
