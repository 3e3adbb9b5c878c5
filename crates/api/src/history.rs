//! Call history (`GET /call?history=all|missed`): every ended call, kept for each
//! participant, and the missed calls not yet seen on any of my devices.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::call::EndReason;

/// Which of my ended calls a history page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HistoryFilter {
    All,
    Missed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Incoming,
    Outgoing,
}

/// The other party of a call in my history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Peer {
    pub email: String,
    pub display_name: String,
}

/// One ended call, as one participant keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// Grows with every entry: pages go back with `before={id}`.
    pub id: u64,
    /// The call's id (`/call/{id}` is gone once the call is forgotten).
    pub call: String,
    pub direction: Direction,
    pub peer: Peer,
    pub subject: Option<String>,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: DateTime<Utc>,
    pub reason: EndReason,
    /// An incoming call nobody here answered or declined.
    pub missed: bool,
    /// The name of my device that had the call last, if one did.
    pub device: Option<String>,
}

/// `GET /call?history=...`: the newest entries first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// Missed calls after the last one marked seen (`POST /call/history/seen`).
    pub missed_unseen: u32,
    /// The next (older) page, when there may be one.
    pub next: Option<String>,
}

/// The largest entry id: the largest integer JSON numbers hold exactly (2^53 - 1).
pub const MAX_ENTRY_ID: u64 = (1 << 53) - 1;

/// `POST /call/history/seen`: my missed calls up to `through` (an entry id; all of
/// them when absent) are seen, on every device of mine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistorySeen {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>, maximum = 9007199254740991.0))]
    pub through: Option<EntryId>,
}

/// A history entry's id as JSON Schema reads an integer: `7`, and also `7.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct EntryId(pub u64);

impl<'de> Deserialize<'de> for EntryId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match f64::deserialize(deserializer)? {
            whole if whole.fract() == 0.0 && (0.0..=MAX_ENTRY_ID as f64).contains(&whole) => Ok(Self(whole as u64)),
            _ => Err(serde::de::Error::custom(format!("a history entry id is a whole number from 0 to {MAX_ENTRY_ID}"))),
        }
    }
}

/// Data of a `history` event: my history changed (a call of mine ended, or missed
/// calls were seen); fetch its first page again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryNotice {
    pub missed_unseen: u32,
}

/// `GET /call`: my calls going on, or with `history`, a page of my history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum CallList {
    Calls(Vec<crate::call::Call>),
    History(HistoryPage),
}
