//! Rows to records: how each table's columns become the server's records.

use restphone_api::event::EventKind;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::domain::history::HistoryRecord;
use crate::store::{DeviceRecord, MessageRecord, StoredEvent, StoredHistory, UserRecord};

/// Enums travel as their wire names, so the database reads like the API.
pub(super) fn name_of<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => unreachable!("unit enums serialise as strings"),
    }
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(name: String) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(name)).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub(super) fn user(row: &AnyRow) -> Result<UserRecord, sqlx::Error> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn device(row: &AnyRow) -> Result<DeviceRecord, sqlx::Error> {
    Ok(DeviceRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        contact: row.try_get("contact")?,
        registered_at: row.try_get("registered_at")?,
        refreshed_at: row.try_get("refreshed_at")?,
        expires_at: row.try_get("expires_at")?,
        token_hash: row.try_get("token_hash")?,
    })
}

pub(super) fn message(row: &AnyRow) -> Result<MessageRecord, sqlx::Error> {
    Ok(MessageRecord {
        id: row.try_get("id")?,
        owner_id: row.try_get("owner_id")?,
        from_email: row.try_get("from_email")?,
        kind: parse(row.try_get("kind")?)?,
        text: row.try_get("text")?,
        audio_file: row.try_get("audio_file")?,
        duration_ms: row.try_get::<Option<i64>, _>("duration_ms")?.map(|v| v as u64),
        size: row.try_get::<Option<i64>, _>("size")?.map(|v| v as u64),
        created_at: row.try_get("created_at")?,
        heard: flag(row, "heard")?,
        to_email: row.try_get("to_email")?,
    })
}

pub(super) fn event(row: &AnyRow) -> Result<StoredEvent, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(StoredEvent {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        device_id: row.try_get("device_id")?,
        kind: EventKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("unknown event kind {kind}").into()))?,
        data: row.try_get("data")?,
    })
}

/// A flag column: 0 or 1 in both databases.
fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

pub(super) const DEVICE_COLUMNS: &str = "id, user_id, name, contact, registered_at, refreshed_at, expires_at, token_hash";

pub(super) fn history(row: &AnyRow) -> Result<StoredHistory, sqlx::Error> {
    let id: i64 = row.try_get("id")?;
    Ok(StoredHistory {
        id: id as u64,
        record: HistoryRecord {
            user_id: row.try_get("user_id")?,
            call_id: row.try_get("call_id")?,
            direction: parse(row.try_get("direction")?)?,
            peer_email: row.try_get("peer_email")?,
            peer_name: row.try_get("peer_name")?,
            subject: row.try_get("subject")?,
            started_at: row.try_get("started_at")?,
            answered_at: row.try_get("answered_at")?,
            ended_at: row.try_get("ended_at")?,
            reason: parse(row.try_get("reason")?)?,
            missed: flag(row, "missed")?,
            device: row.try_get("device")?,
        },
    })
}
