//! Calls (`/call`) and their participants, following the RIPT model: the server keeps
//! the call's state, every device of every participant renders it, and a device takes
//! a leg by posting its handler URL and session description.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /call`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCall {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::optional_subject))]
    pub subject: Option<String>,
    /// The callee's email: every registered device of theirs rings. Required; an
    /// `Option` only so that its absence gets a clear message.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::email, required = true))]
    pub to: Option<String>,
    /// Third-party dial: this device of mine (id or `/login/...` URL) is told to dial.
    pub device: Option<String>,
}

/// The lifecycle of a call. `ended` is final; `Call::ended` says who and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// Created; the callee's devices are being told.
    Proceeding,
    /// At least one of the callee's devices rings.
    Alerting,
    Answered,
    Held,
    Ended,
}

impl CallState {
    pub fn is_ringing(self) -> bool {
        matches!(self, Self::Proceeding | Self::Alerting)
    }

    pub fn is_live(self) -> bool {
        matches!(self, Self::Answered | Self::Held)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// A participant hung up an answered call.
    Hangup,
    /// The caller gave up before an answer.
    Cancelled,
    Declined,
    /// Nobody answered within the ring timeout.
    Noanswer,
    /// The callee had no registered device.
    Unavailable,
    Failed,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ending {
    pub reason: EndReason,
    /// The device (`/login/...`) or user (`/user/...`) that ended it; null for the server.
    pub by: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Caller,
    Callee,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParticipantState {
    /// The caller, before the callee answers.
    Dialing,
    /// The callee, before answering.
    Ringing,
    Connected,
    Held,
    Left,
}

/// One participant ("child") of a call: one user, handled by at most one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participant {
    pub id: String,
    pub url: String,
    /// `/user/{email}`.
    pub user: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub state: ParticipantState,
    /// The device handling this leg (`/login/{email}/{id}`), or null.
    pub handler: Option<String>,
    /// The handler's name ("Laptop"), so others can show "remote in use on Laptop".
    pub handler_name: Option<String>,
    /// The handler's session description (SDP); the server never reads it.
    pub session: Option<String>,
}

/// `GET /call/{id}`, and the data of every `call` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Call {
    pub id: String,
    pub url: String,
    pub subject: Option<String>,
    pub state: CallState,
    /// Raised by every change: of two copies of a call, the higher revision is newer.
    pub revision: u64,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended: Option<Ending>,
    pub children: Vec<Participant>,
}

impl Call {
    pub fn participant_of(&self, email: &str) -> Option<&Participant> {
        self.children.iter().find(|p| p.email == email)
    }
}

/// `POST /call/{id}`: join, or take my side of the call on this device (a pull when
/// another of my devices held it), or update the session of the device that has it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Take {
    /// The device taking the leg: `/login/{email}/{id}`.
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::optional_session))]
    pub session: Option<String>,
}

/// What a device reports with `POST /call/{id}/events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallEvent {
    Proceeding,
    Alerting,
    Answered,
    Declined,
    Failed,
    Noanswer,
    End,
    Hold,
    Resume,
}

/// `POST /call/{id}/events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub event: CallEvent,
    /// The reporting device (id or `/login/...` URL).
    pub device: String,
}

/// `POST /call/{id}/push` and `POST /call/{id}/answer`: which of my devices to tap.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    pub device: String,
}
