//! A call and its participants as rows, and the event log's appends: the parts of a
//! call change that run inside one transaction.

use restphone_api::call::{CallState, EndReason, ParticipantState, Role};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::rows::{name_of, parse};
use super::{Backend, notices};
use crate::domain::call::{CallRecord, DeviceRef, EndingRecord, ParticipantRecord, Party};
use crate::store::NewEvent;

/// Locks the call's row until the transaction ends (`Backend::lock_call`).
pub(super) async fn lock_call(conn: &mut AnyConnection, backend: Backend, call_id: &str) -> Result<(), sqlx::Error> {
    if let Some(lock) = backend.lock_call() {
        sqlx::query(lock).bind(call_id).execute(&mut *conn).await?;
    }
    Ok(())
}

pub(super) async fn load_call(conn: &mut AnyConnection, call_id: &str) -> Result<Option<CallRecord>, sqlx::Error> {
    let Some(row) = sqlx::query("SELECT * FROM calls WHERE id = $1").bind(call_id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let participants = sqlx::query(
        "SELECT p.*, u.email, u.display_name FROM participants p JOIN users u ON u.id = p.user_id
         WHERE p.call_id = $1 ORDER BY p.position",
    )
    .bind(call_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(participant)
    .collect::<Result<_, _>>()?;
    let end_reason: Option<String> = row.try_get("end_reason")?;
    let ended = match end_reason {
        Some(reason) => Some(EndingRecord { reason: parse::<EndReason>(reason)?, by: row.try_get("ended_by")?, at: row.try_get("ended_at")? }),
        None => None,
    };
    Ok(Some(CallRecord {
        id: row.try_get("id")?,
        subject: row.try_get("subject")?,
        state: parse::<CallState>(row.try_get("state")?)?,
        revision: row.try_get("revision")?,
        created_at: row.try_get("created_at")?,
        answered_at: row.try_get("answered_at")?,
        ring_deadline: row.try_get("ring_deadline")?,
        ended,
        participants,
    }))
}

pub(super) fn participant(row: &AnyRow) -> Result<ParticipantRecord, sqlx::Error> {
    let handler_id: Option<String> = row.try_get("handler_id")?;
    let handler_name: Option<String> = row.try_get("handler_name")?;
    Ok(ParticipantRecord {
        id: row.try_get("id")?,
        party: Party { user_id: row.try_get("user_id")?, email: row.try_get("email")?, display_name: row.try_get("display_name")? },
        role: parse::<Role>(row.try_get("role")?)?,
        state: parse::<ParticipantState>(row.try_get("state")?)?,
        handler: handler_id.map(|id| DeviceRef { id, name: handler_name.unwrap_or_default() }),
        session: row.try_get("session")?,
        handled_by: row.try_get("handled_by")?,
    })
}

/// Writes the whole call: the row, and every participant in order.
pub(super) async fn save_call(conn: &mut AnyConnection, call: &CallRecord) -> Result<(), sqlx::Error> {
    let ended = call.ended.as_ref();
    sqlx::query(
        "INSERT INTO calls (id, subject, state, revision, created_at, answered_at, ring_deadline, end_reason, ended_by, ended_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, revision = excluded.revision, answered_at = excluded.answered_at,
           end_reason = excluded.end_reason, ended_by = excluded.ended_by, ended_at = excluded.ended_at",
    )
    .bind(&call.id)
    .bind(&call.subject)
    .bind(name_of(call.state))
    .bind(call.revision)
    .bind(call.created_at)
    .bind(call.answered_at)
    .bind(call.ring_deadline)
    .bind(ended.map(|e| name_of(e.reason)))
    .bind(ended.and_then(|e| e.by.clone()))
    .bind(ended.map(|e| e.at))
    .execute(&mut *conn)
    .await?;
    for (position, p) in call.participants.iter().enumerate() {
        sqlx::query(
            "INSERT INTO participants (id, call_id, position, user_id, role, state, handler_id, handler_name, session, handled_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT(id) DO UPDATE SET state = excluded.state, handler_id = excluded.handler_id,
               handler_name = excluded.handler_name, session = excluded.session, handled_by = excluded.handled_by",
        )
        .bind(&p.id)
        .bind(&call.id)
        .bind(position as i64)
        .bind(p.party.user_id)
        .bind(name_of(p.role))
        .bind(name_of(p.state))
        .bind(p.handler.as_ref().map(|h| &h.id))
        .bind(p.handler.as_ref().map(|h| &h.name))
        .bind(&p.session)
        .bind(&p.handled_by)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Appends the events to the log, in the order given. On PostgreSQL, the transaction
/// first takes the log's lock (`Backend::order_appends`) and rings the doorbell of
/// every instance on commit (`notices`).
pub(super) async fn append(conn: &mut AnyConnection, backend: Backend, events: Vec<NewEvent>, now: i64) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    if let Some(lock) = backend.order_appends() {
        sqlx::query(lock).execute(&mut *conn).await?;
    }
    let mut last_id = 0;
    for e in events {
        last_id = sqlx::query_scalar("INSERT INTO events (user_id, device_id, kind, data, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(e.user_id)
            .bind(&e.device_id)
            .bind(e.kind.as_str())
            .bind(&e.data)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
    }
    notices::appended(conn, backend, last_id).await
}
