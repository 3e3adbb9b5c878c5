//! What the engine publishes: the snapshot a UI renders as it is, and the notices
//! that arrive besides call state.

use chrono::{DateTime, Utc};
use restphone_api::event::MessageNotice;
use restphone_api::history::HistoryEntry;
use restphone_api::login::OnlineUser;
use restphone_api::message::Message;
use serde::Serialize;

use crate::core::appearance::Appearance;
use crate::media::QualityByCall;
use crate::voicemail::VoicemailView;

/// Everything a UI renders, as it is now.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Snapshot {
    pub email: String,
    /// The name others see me by.
    pub display_name: String,
    pub device_id: String,
    pub device_name: String,
    /// Whether the push channel is open.
    pub connected: bool,
    /// My registered devices, this one included.
    pub devices: Vec<DeviceView>,
    pub calls: Vec<Appearance>,
    /// Who is logged in now, and on how many devices (refreshed on every resync and
    /// every `CONTACTS_REFRESH`).
    pub online: Vec<OnlineUser>,
    /// Messages in my mailbox not marked heard (the message waiting indicator).
    pub unheard_messages: usize,
    /// My mailbox, voice and text, as the server lists it.
    pub messages: Vec<Message>,
    /// My latest ended calls, newest first, as every device of mine sees them.
    pub history: Vec<HistoryEntry>,
    /// Missed calls not yet seen on any device of mine (`SeeMissedCalls` clears it).
    pub missed_calls: u32,
    /// What is being recorded or played here.
    pub voicemail: VoicemailView,
    /// Whether an unanswered call from here goes on to voicemail.
    pub auto_voicemail: bool,
    /// Whether incoming calls are declined at once, so callers go to voicemail.
    pub do_not_disturb: bool,
    /// This device was signed out (from another device, or the password changed): the
    /// phone has stopped; sign in again.
    pub signed_out: bool,
    /// Quality of the calls whose audio is here, by call id (measured every few seconds).
    pub quality: QualityByCall,
}

/// What arrives for the user besides call state: shown, not kept.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// What another user sent with `POST /invite/{email}`, with `from`.
    Invite(serde_json::Value),
    /// A message arrived, or was marked heard, or was deleted.
    Message(MessageNotice),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceView {
    pub id: String,
    pub name: String,
    pub here: bool,
    /// When it last registered or refreshed its registration.
    pub last_seen: DateTime<Utc>,
}
