//! Call history rows: written in the transaction that ends a call, with a `history`
//! event for each participant so every device of theirs refreshes its count.

use restphone_api::event::EventKind;
use restphone_api::history::{HistoryFilter, HistoryNotice};
use sqlx::AnyConnection;

use super::rows::{history, name_of};
use crate::domain::call::CallRecord;
use crate::domain::history::records_of;
use crate::store::{NewEvent, StoredHistory};

/// Records the call in its participants' history if it has just ended, and returns
/// the `history` events to log (none for a call going on, or one already recorded).
pub(super) async fn record_if_ended(conn: &mut AnyConnection, call: &CallRecord) -> Result<Vec<NewEvent>, sqlx::Error> {
    let mut events = Vec::new();
    for r in records_of(call) {
        let inserted = sqlx::query(
            "INSERT INTO history (user_id, call_id, direction, peer_email, peer_name, subject, started_at, answered_at, ended_at, reason, missed, device)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (user_id, call_id) DO NOTHING",
        )
        .bind(r.user_id)
        .bind(&r.call_id)
        .bind(name_of(r.direction))
        .bind(&r.peer_email)
        .bind(&r.peer_name)
        .bind(&r.subject)
        .bind(r.started_at)
        .bind(r.answered_at)
        .bind(r.ended_at)
        .bind(name_of(r.reason))
        .bind(i64::from(r.missed))
        .bind(&r.device)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted > 0 {
            events.push(notice(conn, r.user_id).await?);
        }
    }
    Ok(events)
}

/// The `history` event for the user's devices, with their count now.
pub(super) async fn notice(conn: &mut AnyConnection, user_id: i64) -> Result<NewEvent, sqlx::Error> {
    let missed_unseen = missed_unseen(conn, user_id).await?;
    Ok(NewEvent::to_user(user_id, EventKind::History, &HistoryNotice { missed_unseen }))
}

pub(super) async fn missed_unseen(conn: &mut AnyConnection, user_id: i64) -> Result<u32, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM history h JOIN users u ON u.id = h.user_id WHERE h.user_id = $1 AND h.missed = 1 AND h.id > u.missed_seen_through",
    )
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(count as u32)
}

/// An entry id as the table holds it; none is past every row.
fn as_row_id(id: Option<u64>) -> i64 {
    id.map_or(i64::MAX, |id| i64::try_from(id).unwrap_or(i64::MAX))
}

/// The user's entries older than `before`, newest first.
pub(super) async fn page(
    conn: &mut AnyConnection,
    user_id: i64,
    filter: HistoryFilter,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<StoredHistory>, sqlx::Error> {
    let only_missed = filter == HistoryFilter::Missed;
    let before = as_row_id(before);
    let rows = sqlx::query("SELECT * FROM history WHERE user_id = $1 AND id < $2 AND (missed = 1 OR $3 = 0) ORDER BY id DESC LIMIT $4")
        .bind(user_id)
        .bind(before)
        .bind(i64::from(only_missed))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(history).collect()
}

/// Marks the user's missed calls through `through` (all when `None`) seen; never
/// moves the mark back.
pub(super) async fn mark_seen(conn: &mut AnyConnection, user_id: i64, through: Option<u64>) -> Result<(), sqlx::Error> {
    let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM history WHERE user_id = $1").bind(user_id).fetch_one(&mut *conn).await?;
    let through = as_row_id(through).min(newest);
    sqlx::query("UPDATE users SET missed_seen_through = $1 WHERE id = $2 AND missed_seen_through < $1").bind(through).bind(user_id).execute(&mut *conn).await?;
    Ok(())
}
