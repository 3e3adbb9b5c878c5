//! Messages (`/user/{email}/message`): voice (Ogg Opus) and text.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Voice,
    Text,
}

/// `POST /user/{email}/message` with `Content-Type: application/json`. A voice
/// message is the Ogg Opus file itself, sent as `audio/ogg`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextMessage {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::text_message))]
    pub text: String,
}

/// One message, as its owner lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: String,
    pub url: String,
    /// The sender's email.
    pub from: String,
    /// Whose mailbox it was left in: the owner's, or for my copy of a text I sent, the
    /// recipient's.
    pub to: String,
    pub kind: MessageKind,
    pub text: Option<String>,
    /// For voice: the playable length, and where to fetch it (supports Range).
    pub duration_ms: Option<u64>,
    pub audio_url: Option<String>,
    pub size: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub heard: bool,
}

/// `PATCH /user/{email}/message/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageChange {
    pub heard: bool,
}
