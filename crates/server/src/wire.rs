//! Conversions from the server's records to the wire types of `restphone-api`:
//! serialisation happens at the edge only.

use restphone_api::call::{Call, Ending, Participant};
use restphone_api::history::{HistoryEntry, Peer};
use restphone_api::login::{Device, Presence};
use restphone_api::message::{Message, MessageKind};
use restphone_api::{DateTime, Utc, path};

use crate::domain::call::CallRecord;
use crate::store::{DeviceRecord, MessageRecord, StoredHistory};

pub fn time(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

pub fn call(record: &CallRecord) -> Call {
    Call {
        id: record.id.clone(),
        url: path::call(&record.id),
        subject: record.subject.clone(),
        state: record.state,
        revision: record.revision as u64,
        created_at: time(record.created_at),
        answered_at: record.answered_at.map(time),
        ended: record.ended.as_ref().map(|e| Ending { reason: e.reason, by: e.by.clone(), at: time(e.at) }),
        children: record
            .participants
            .iter()
            .map(|p| Participant {
                id: p.id.clone(),
                url: path::participant(&record.id, &p.id),
                user: path::user(&p.party.email),
                email: p.party.email.clone(),
                display_name: p.party.display_name.clone(),
                role: p.role,
                state: p.state,
                handler: p.handler.as_ref().map(|h| path::login(&p.party.email, &h.id)),
                handler_name: p.handler.as_ref().map(|h| h.name.clone()),
                session: p.session.clone(),
            })
            .collect(),
    }
}

/// A device as its owner sees it (`with_contact`) or as anyone else does.
pub fn device(email: &str, record: &DeviceRecord, with_contact: bool) -> Device {
    Device {
        id: record.id.clone(),
        url: path::login(email, &record.id),
        name: record.name.clone(),
        contact: with_contact.then(|| record.contact.clone()),
        registered_at: time(record.registered_at),
        refreshed_at: time(record.refreshed_at),
        expires_at: time(record.expires_at),
    }
}

pub fn presence(email: &str, devices: &[DeviceRecord], with_contact: bool) -> Presence {
    Presence { user: path::user(email), email: email.to_owned(), devices: devices.iter().map(|d| device(email, d, with_contact)).collect() }
}

pub fn message(owner_email: &str, record: &MessageRecord) -> Message {
    let voice = record.kind == MessageKind::Voice;
    Message {
        id: record.id.clone(),
        url: path::message(owner_email, &record.id),
        from: record.from_email.clone(),
        to: record.to_email.clone().unwrap_or_else(|| owner_email.to_owned()),
        kind: record.kind,
        text: record.text.clone(),
        duration_ms: record.duration_ms,
        audio_url: voice.then(|| path::message_audio(owner_email, &record.id)),
        size: record.size,
        created_at: time(record.created_at),
        heard: record.heard,
    }
}

pub fn history_entry(stored: &StoredHistory) -> HistoryEntry {
    let r = &stored.record;
    HistoryEntry {
        id: stored.id,
        call: r.call_id.clone(),
        direction: r.direction,
        peer: Peer { email: r.peer_email.clone(), display_name: r.peer_name.clone() },
        subject: r.subject.clone(),
        started_at: time(r.started_at),
        answered_at: r.answered_at.map(time),
        ended_at: time(r.ended_at),
        reason: r.reason,
        missed: r.missed,
        device: r.device.clone(),
    }
}
