//! Persistence behind one trait, on SQLite or PostgreSQL. Every change to a call is
//! one transaction that also appends its events to the event log, and events are
//! committed in the order of their ids: the log is what every instance's streams are
//! fed from (`hub`).

mod sql;

use std::sync::Arc;

use async_trait::async_trait;
use restphone_api::event::EventKind;
use restphone_api::history::HistoryFilter;
use restphone_api::message::MessageKind;
use tokio::sync::{Notify, mpsc};

pub use sql::SqlStore;

use crate::domain::call::CallRecord;
use crate::domain::history::HistoryRecord;
use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub id: String,
    pub user_id: i64,
    pub name: String,
    pub contact: String,
    pub registered_at: i64,
    pub refreshed_at: i64,
    pub expires_at: i64,
    /// The hash of the bearer token it registered with; `None` for a password.
    pub token_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: String,
    pub owner_id: i64,
    pub from_email: String,
    pub kind: MessageKind,
    pub text: Option<String>,
    /// The audio file's name inside the data directory's `messages/` folder.
    pub audio_file: Option<String>,
    pub duration_ms: Option<u64>,
    pub size: Option<u64>,
    pub created_at: i64,
    pub heard: bool,
    /// For my copy of a text I sent: whom it went to.
    pub to_email: Option<String>,
}

/// A registration refresh taken in memory, to be written behind (`registrations`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRefresh {
    pub device_id: String,
    pub expires_at: i64,
    pub refreshed_at: i64,
}

/// Credentials another instance revoked, which this one must stop honouring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    Token(String),
    /// Every token and password of the user: a new password, or a deleted account.
    User(i64),
    /// A registration removed or lapsed: its streams close, its refreshes are refused.
    Device {
        user_id: i64,
        device_id: String,
    },
    /// Listening (re)started: what was revoked before is unknown.
    Unknown,
}

/// A history record as stored, with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHistory {
    pub id: u64,
    pub record: HistoryRecord,
}

/// An event to append to the log, for all of a user's devices or just one.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub user_id: i64,
    pub device_id: Option<String>,
    pub kind: EventKind,
    pub data: String,
}

impl NewEvent {
    pub fn to_user(user_id: i64, kind: EventKind, data: &impl serde::Serialize) -> Self {
        Self { user_id, device_id: None, kind, data: to_json(data) }
    }

    pub fn to_device(user_id: i64, device_id: &str, kind: EventKind, data: &impl serde::Serialize) -> Self {
        Self { user_id, device_id: Some(device_id.to_owned()), kind, data: to_json(data) }
    }
}

fn to_json(data: &impl serde::Serialize) -> String {
    serde_json::to_string(data).expect("wire types always serialise")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub user_id: i64,
    pub device_id: Option<String>,
    pub kind: EventKind,
    pub data: String,
}

impl StoredEvent {
    pub fn is_for(&self, device_id: &str) -> bool {
        self.device_id.as_deref().is_none_or(|id| id == device_id)
    }
}

/// Decides a call's change inside the store's transaction: changes the call and
/// returns the events to log, or refuses.
pub type CallChange<'a> = &'a mut (dyn FnMut(&mut CallRecord) -> Result<Vec<NewEvent>, ApiError> + Send);

pub type StoreResult<T> = Result<T, ApiError>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // Accounts and bearer tokens.
    /// `None` when the email is taken.
    async fn create_user(&self, email: &str, display_name: &str, password_hash: &str, now: i64) -> StoreResult<Option<UserRecord>>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn email_of(&self, user_id: i64) -> StoreResult<Option<String>>;
    /// A new password also revokes every token of the account, in the same transaction.
    async fn update_user(&self, user_id: i64, display_name: Option<&str>, password_hash: Option<&str>) -> StoreResult<()>;
    /// Deletes the user and everything theirs; returns the audio files to remove.
    async fn delete_user(&self, user_id: i64) -> StoreResult<Vec<String>>;
    /// Adds a token and revokes the account's least recently used ones beyond `keep`;
    /// returns the hashes revoked.
    async fn insert_token(&self, token_hash: &str, user_id: i64, now: i64, keep: u32) -> StoreResult<Vec<String>>;
    /// The token's user, unless the token was revoked or last used before `used_since`.
    async fn user_by_token(&self, token_hash: &str, used_since: i64) -> StoreResult<Option<UserRecord>>;
    async fn touch_token(&self, token_hash: &str, now: i64) -> StoreResult<()>;
    async fn delete_token(&self, token_hash: &str) -> StoreResult<()>;
    /// Revokes the tokens last used before `before`; returns their hashes.
    async fn expire_tokens(&self, before: i64) -> StoreResult<Vec<String>>;

    // Registrations.
    /// Adds the registration unless the user already has `max` live ones; `false` then.
    async fn insert_device(&self, device: &DeviceRecord, max: u32) -> StoreResult<bool>;
    /// `None` when the device is unknown, not the user's, or lapsed.
    /// Also records `token_hash` as the token the device uses now, when it has one.
    async fn refresh_device(
        &self,
        user_id: i64,
        device_id: &str,
        expires_at: i64,
        name: Option<&str>,
        token_hash: Option<&str>,
        now: i64,
    ) -> StoreResult<Option<DeviceRecord>>;
    /// Writes refreshes taken in memory, in one transaction; returns the devices whose
    /// registration is gone.
    async fn extend_devices(&self, refreshes: &[PendingRefresh]) -> StoreResult<Vec<String>>;
    /// The registration removed; `None` when there was none.
    async fn delete_device(&self, user_id: i64, device_id: &str) -> StoreResult<Option<DeviceRecord>>;
    async fn live_devices(&self, user_id: i64, now: i64) -> StoreResult<Vec<DeviceRecord>>;
    async fn live_device(&self, device_id: &str, now: i64) -> StoreResult<Option<DeviceRecord>>;
    async fn online_users(&self, now: i64) -> StoreResult<Vec<(UserRecord, u32)>>;
    /// Removes the registrations that lapsed by `now` and returns them.
    async fn lapse_devices(&self, now: i64) -> StoreResult<Vec<DeviceRecord>>;

    // Calls.
    async fn create_call(&self, call: &CallRecord, events: Vec<NewEvent>, now: i64) -> StoreResult<()>;
    /// Loads the call, applies `change`, saves it and logs its events, atomically.
    /// `None` when the call does not exist.
    async fn update_call(&self, call_id: &str, change: CallChange<'_>, now: i64) -> StoreResult<Option<CallRecord>>;
    async fn call(&self, call_id: &str) -> StoreResult<Option<CallRecord>>;
    async fn calls_of(&self, user_id: i64) -> StoreResult<Vec<CallRecord>>;
    /// The user's history entries older than `before`, newest first, and how many
    /// missed calls they have not seen.
    async fn history(&self, user_id: i64, filter: HistoryFilter, before: Option<u64>, limit: u32) -> StoreResult<(Vec<StoredHistory>, u32)>;
    /// Marks the user's missed calls through `through` (all when `None`) seen, and
    /// logs the `history` event that tells their devices.
    async fn mark_missed_seen(&self, user_id: i64, through: Option<u64>, now: i64) -> StoreResult<()>;
    /// Ids of calls that are still ringing at `now` past their deadline.
    async fn ringing_past_deadline(&self, now: i64) -> StoreResult<Vec<String>>;
    /// Ids of calls not ended yet in which the user takes part.
    async fn unended_calls_of(&self, user_id: i64) -> StoreResult<Vec<String>>;
    /// Forgets calls that ended before `before`.
    async fn purge_calls(&self, before: i64) -> StoreResult<u64>;

    // Messages.
    /// Inserts the messages (a text's copy for its sender goes with it) and logs the events.
    async fn insert_messages(&self, messages: &[MessageRecord], events: Vec<NewEvent>, now: i64) -> StoreResult<()>;
    /// Bytes of voice messages in the owner's mailbox.
    async fn mailbox_bytes(&self, owner_id: i64) -> StoreResult<u64>;
    async fn messages_of(&self, owner_id: i64) -> StoreResult<Vec<MessageRecord>>;
    async fn message(&self, owner_id: i64, message_id: &str) -> StoreResult<Option<MessageRecord>>;
    async fn set_heard(&self, owner_id: i64, message_id: &str, heard: bool) -> StoreResult<bool>;
    async fn delete_message(&self, owner_id: i64, message_id: &str) -> StoreResult<Option<MessageRecord>>;
    /// Every audio file a message refers to, to tell stray files from kept ones.
    async fn audio_files(&self) -> StoreResult<Vec<String>>;

    // The event log.
    async fn append_events(&self, events: Vec<NewEvent>, now: i64) -> StoreResult<()>;
    /// Rung after each commit that appended events: by this instance, and on
    /// PostgreSQL by every other one (see `listen`).
    fn doorbell(&self) -> Arc<Notify>;
    /// Rings the doorbell when another instance appends, and hands over what other
    /// instances revoke, until the connection fails; never returns where no other
    /// instance can write (SQLite). Revocations are announced by the transactions that
    /// make them, so they are heard exactly when they commit.
    async fn listen(&self, revoked: &mpsc::UnboundedSender<Revocation>) -> StoreResult<()>;
    /// Every user's events after `after_id`, oldest first.
    async fn events_since(&self, after_id: i64, limit: u32) -> StoreResult<Vec<StoredEvent>>;
    /// The user's events after `after_id` meant for `device_id`, oldest first.
    async fn events_after(&self, user_id: i64, device_id: &str, after_id: i64, limit: u32) -> StoreResult<Vec<StoredEvent>>;
    /// The highest event id ever removed from the log (0 when none was).
    async fn pruned_through(&self) -> StoreResult<i64>;
    async fn last_event_id(&self) -> StoreResult<i64>;
    /// Drops events older than `before`, the oldest beyond `keep` events, and the
    /// oldest beyond `keep_bytes` of event data.
    async fn prune_events(&self, before: i64, keep: i64, keep_bytes: i64) -> StoreResult<()>;
}
