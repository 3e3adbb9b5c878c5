//! The SQL store: SQLite (one file, write-ahead logging) or PostgreSQL (several
//! instances on one database), through sqlx's `Any` driver so that both run the same
//! statements; `backend` holds where they differ. Migrations run at start.

mod backend;
mod calls;
mod history;
mod notices;
mod rows;

use std::sync::Arc;

use async_trait::async_trait;
use restphone_api::history::HistoryFilter;
use sqlx::{AnyPool, Row};
use tokio::sync::{Notify, mpsc};

pub use self::backend::Backend;
use self::calls::{append, load_call, lock_call, save_call};
use self::rows::{DEVICE_COLUMNS, device, event, message, name_of, user};
use super::{CallChange, DeviceRecord, MessageRecord, NewEvent, PendingRefresh, Revocation, Store, StoreResult, StoredEvent, StoredHistory, UserRecord};
use crate::domain::call::CallRecord;

/// Refreshes written behind per statement (three parameters each).
const EXTEND_BATCH: usize = 500;

pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    url: String,
    doorbell: Arc<Notify>,
}

impl SqlStore {
    /// Opens (creating if needed) the database at `url`: `postgres://...`, or
    /// `sqlite://path` or a path.
    pub async fn open(url: &str) -> Result<Self, sqlx::Error> {
        let backend = Backend::of(url);
        Ok(Self { pool: backend.open(url).await?, backend, url: url.to_owned(), doorbell: Arc::default() })
    }

    /// A transaction that reads before it writes (`Backend::begin_write`). Transactions
    /// that only write use the plain `begin()`: taking a lock earlier only makes writers
    /// wait longer. Either rolls back when dropped, so a request abandoned half way
    /// leaves nothing.
    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        self.pool.begin_with(self.backend.begin_write()).await
    }

    /// Commits a transaction that revoked what `notices` name (`notices::token`,
    /// `user`, `device`), announcing it to the other instances.
    async fn commit_revoked(&self, mut tx: sqlx::Transaction<'static, sqlx::Any>, notices: Vec<String>) -> StoreResult<()> {
        notices::revoked(&mut tx, self.backend, &notices).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Commits a transaction that appended events, and rings the doorbell.
    async fn commit_appended(&self, tx: sqlx::Transaction<'static, sqlx::Any>) -> StoreResult<()> {
        tx.commit().await?;
        self.doorbell.notify_one();
        Ok(())
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn create_user(&self, email: &str, display_name: &str, password_hash: &str, now: i64) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(
            "INSERT INTO users (email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT(email) DO NOTHING RETURNING *",
        )
        .bind(email)
        .bind(display_name)
        .bind(password_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user).transpose()?)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1").bind(email).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(user).transpose()?)
    }

    async fn email_of(&self, user_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(user_id).fetch_optional(&self.pool).await?)
    }

    async fn update_user(&self, user_id: i64, display_name: Option<&str>, password_hash: Option<&str>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET display_name = COALESCE($1, display_name), password_hash = COALESCE($2, password_hash) WHERE id = $3")
            .bind(display_name)
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if password_hash.is_some() {
            sqlx::query("DELETE FROM tokens WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            return self.commit_revoked(tx, vec![notices::user(user_id)]).await;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_user(&self, user_id: i64) -> StoreResult<Vec<String>> {
        let mut tx = self.write().await?;
        let files =
            sqlx::query_scalar("SELECT audio_file FROM messages WHERE owner_id = $1 AND audio_file IS NOT NULL").bind(user_id).fetch_all(&mut *tx).await?;
        sqlx::query("DELETE FROM events WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM users WHERE id = $1").bind(user_id).execute(&mut *tx).await?;
        self.commit_revoked(tx, vec![notices::user(user_id)]).await?;
        Ok(files)
    }

    async fn insert_token(&self, token_hash: &str, user_id: i64, now: i64, keep: u32) -> StoreResult<Vec<String>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO tokens (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let revoked: Vec<String> = sqlx::query_scalar(
            "DELETE FROM tokens WHERE user_id = $1 AND token_hash NOT IN
               (SELECT token_hash FROM tokens WHERE user_id = $2 ORDER BY last_used_at DESC, created_at DESC LIMIT $3)
             RETURNING token_hash",
        )
        .bind(user_id)
        .bind(user_id)
        .bind(i64::from(keep))
        .fetch_all(&mut *tx)
        .await?;
        self.commit_revoked(tx, revoked.iter().map(|hash| notices::token(hash)).collect()).await?;
        Ok(revoked)
    }

    async fn user_by_token(&self, token_hash: &str, used_since: i64) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query("SELECT u.* FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.last_used_at > $2")
            .bind(token_hash)
            .bind(used_since)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user).transpose()?)
    }

    async fn touch_token(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE token_hash = $2 AND last_used_at < $1").bind(now).bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    async fn delete_token(&self, token_hash: &str) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let revoked: Vec<String> =
            sqlx::query_scalar("DELETE FROM tokens WHERE token_hash = $1 RETURNING token_hash").bind(token_hash).fetch_all(&mut *tx).await?;
        self.commit_revoked(tx, revoked.iter().map(|hash| notices::token(hash)).collect()).await
    }

    async fn expire_tokens(&self, before: i64) -> StoreResult<Vec<String>> {
        let mut tx = self.pool.begin().await?;
        let revoked: Vec<String> =
            sqlx::query_scalar("DELETE FROM tokens WHERE last_used_at <= $1 RETURNING token_hash").bind(before).fetch_all(&mut *tx).await?;
        self.commit_revoked(tx, revoked.iter().map(|hash| notices::token(hash)).collect()).await?;
        Ok(revoked)
    }

    async fn insert_device(&self, d: &DeviceRecord, max: u32) -> StoreResult<bool> {
        // One statement, so the count and the insert are atomic without a transaction's
        // extra round trips on this hot path.
        let done = sqlx::query(&format!(
            "INSERT INTO devices ({DEVICE_COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8
             WHERE (SELECT COUNT(*) FROM devices WHERE user_id = $9 AND expires_at > $10) < $11"
        ))
        .bind(&d.id)
        .bind(d.user_id)
        .bind(&d.name)
        .bind(&d.contact)
        .bind(d.registered_at)
        .bind(d.refreshed_at)
        .bind(d.expires_at)
        .bind(&d.token_hash)
        .bind(d.user_id)
        .bind(d.registered_at)
        .bind(i64::from(max))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn refresh_device(
        &self,
        user_id: i64,
        device_id: &str,
        expires_at: i64,
        name: Option<&str>,
        token_hash: Option<&str>,
        now: i64,
    ) -> StoreResult<Option<DeviceRecord>> {
        let row = sqlx::query(&format!(
            "UPDATE devices SET expires_at = $1, refreshed_at = $2, name = COALESCE($3, name), token_hash = COALESCE($4, token_hash)
             WHERE id = $5 AND user_id = $6 AND expires_at > $7 RETURNING {DEVICE_COLUMNS}"
        ))
        .bind(expires_at)
        .bind(now)
        .bind(name)
        .bind(token_hash)
        .bind(device_id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(device).transpose()?)
    }

    async fn extend_devices(&self, refreshes: &[PendingRefresh]) -> StoreResult<Vec<String>> {
        let mut tx = self.pool.begin().await?;
        let mut found = std::collections::HashSet::new();
        for batch in refreshes.chunks(EXTEND_BATCH) {
            let rows: Vec<String> = (0..batch.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
            // VALUES names its columns column1..3 in both databases.
            let sql = format!(
                "UPDATE devices SET expires_at = v.column2, refreshed_at = v.column3 FROM (VALUES {}) AS v
                 WHERE devices.id = v.column1 RETURNING devices.id",
                rows.join(", ")
            );
            let mut update = sqlx::query_scalar::<_, String>(&sql);
            for refresh in batch {
                update = update.bind(&refresh.device_id).bind(refresh.expires_at).bind(refresh.refreshed_at);
            }
            found.extend(update.fetch_all(&mut *tx).await?);
        }
        tx.commit().await?;
        Ok(refreshes.iter().filter(|refresh| !found.contains(&refresh.device_id)).map(|refresh| refresh.device_id.clone()).collect())
    }

    async fn delete_device(&self, user_id: i64, device_id: &str) -> StoreResult<Option<DeviceRecord>> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!("DELETE FROM devices WHERE id = $1 AND user_id = $2 RETURNING {DEVICE_COLUMNS}"))
            .bind(device_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
        let removed: Option<DeviceRecord> = row.as_ref().map(device).transpose()?;
        self.commit_revoked(tx, removed.iter().map(|d| notices::device(d.user_id, &d.id)).collect()).await?;
        Ok(removed)
    }

    async fn live_devices(&self, user_id: i64, now: i64) -> StoreResult<Vec<DeviceRecord>> {
        let rows = sqlx::query(&format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = $1 AND expires_at > $2 ORDER BY registered_at"))
            .bind(user_id)
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(device).collect::<Result<_, _>>()?)
    }

    async fn live_device(&self, device_id: &str, now: i64) -> StoreResult<Option<DeviceRecord>> {
        let row = sqlx::query(&format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1 AND expires_at > $2"))
            .bind(device_id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(device).transpose()?)
    }

    async fn online_users(&self, now: i64) -> StoreResult<Vec<(UserRecord, u32)>> {
        let rows = sqlx::query(
            "SELECT u.*, COUNT(d.id) AS n_devices FROM users u JOIN devices d ON d.user_id = u.id
             WHERE d.expires_at > $1 GROUP BY u.id ORDER BY u.email",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|row| Ok((user(row)?, row.try_get::<i64, _>("n_devices")? as u32))).collect::<Result<_, sqlx::Error>>()?)
    }

    async fn lapse_devices(&self, now: i64) -> StoreResult<Vec<DeviceRecord>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(&format!("DELETE FROM devices WHERE expires_at <= $1 RETURNING {DEVICE_COLUMNS}")).bind(now).fetch_all(&mut *tx).await?;
        let lapsed: Vec<DeviceRecord> = rows.iter().map(device).collect::<Result<_, _>>()?;
        self.commit_revoked(tx, lapsed.iter().map(|d| notices::device(d.user_id, &d.id)).collect()).await?;
        Ok(lapsed)
    }

    async fn create_call(&self, call: &CallRecord, events: Vec<NewEvent>, now: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        save_call(&mut tx, call).await?;
        let mut events = events;
        events.extend(history::record_if_ended(&mut tx, call).await?);
        append(&mut tx, self.backend, events, now).await?;
        self.commit_appended(tx).await
    }

    async fn update_call(&self, call_id: &str, change: CallChange<'_>, now: i64) -> StoreResult<Option<CallRecord>> {
        // The write lock (SQLite) or the call's row lock (PostgreSQL) is taken first,
        // so two changes to one call cannot both read the old state; a refusal rolls back.
        let mut tx = self.write().await?;
        lock_call(&mut tx, self.backend, call_id).await?;
        let Some(mut call) = load_call(&mut tx, call_id).await? else {
            return Ok(None);
        };
        let mut events = change(&mut call)?;
        if events.is_empty() {
            return Ok(Some(call));
        }
        save_call(&mut tx, &call).await?;
        events.extend(history::record_if_ended(&mut tx, &call).await?);
        append(&mut tx, self.backend, events, now).await?;
        self.commit_appended(tx).await?;
        Ok(Some(call))
    }

    async fn call(&self, call_id: &str) -> StoreResult<Option<CallRecord>> {
        let mut conn = self.pool.acquire().await?;
        Ok(load_call(&mut conn, call_id).await?)
    }

    async fn calls_of(&self, user_id: i64) -> StoreResult<Vec<CallRecord>> {
        let mut conn = self.pool.acquire().await?;
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT c.id FROM calls c JOIN participants p ON p.call_id = c.id WHERE p.user_id = $1 ORDER BY c.created_at")
                .bind(user_id)
                .fetch_all(&mut *conn)
                .await?;
        let mut calls = Vec::with_capacity(ids.len());
        for id in ids {
            calls.extend(load_call(&mut conn, &id).await?);
        }
        Ok(calls)
    }

    async fn history(&self, user_id: i64, filter: HistoryFilter, before: Option<u64>, limit: u32) -> StoreResult<(Vec<StoredHistory>, u32)> {
        let mut conn = self.pool.acquire().await?;
        let entries = history::page(&mut conn, user_id, filter, before, limit).await?;
        Ok((entries, history::missed_unseen(&mut conn, user_id).await?))
    }

    async fn mark_missed_seen(&self, user_id: i64, through: Option<u64>, now: i64) -> StoreResult<()> {
        let mut tx = self.write().await?;
        history::mark_seen(&mut tx, user_id, through).await?;
        let event = history::notice(&mut tx, user_id).await?;
        append(&mut tx, self.backend, vec![event], now).await?;
        self.commit_appended(tx).await
    }

    async fn ringing_past_deadline(&self, now: i64) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT id FROM calls WHERE state IN ('proceeding', 'alerting') AND ring_deadline <= $1").bind(now).fetch_all(&self.pool).await?)
    }

    async fn unended_calls_of(&self, user_id: i64) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT c.id FROM calls c JOIN participants p ON p.call_id = c.id WHERE p.user_id = $1 AND c.state != 'ended'")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn purge_calls(&self, before: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM calls WHERE ended_at IS NOT NULL AND ended_at < $1").bind(before).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    async fn insert_messages(&self, messages: &[MessageRecord], events: Vec<NewEvent>, now: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for m in messages {
            sqlx::query(
                "INSERT INTO messages (id, owner_id, from_email, kind, text, audio_file, duration_ms, size, created_at, heard, to_email)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&m.id)
            .bind(m.owner_id)
            .bind(&m.from_email)
            .bind(name_of(m.kind))
            .bind(&m.text)
            .bind(&m.audio_file)
            .bind(m.duration_ms.map(|v| v as i64))
            .bind(m.size.map(|v| v as i64))
            .bind(m.created_at)
            .bind(i64::from(m.heard))
            .bind(&m.to_email)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, self.backend, events, now).await?;
        self.commit_appended(tx).await
    }

    async fn mailbox_bytes(&self, owner_id: i64) -> StoreResult<u64> {
        let bytes: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM messages WHERE owner_id = $1").bind(owner_id).fetch_one(&self.pool).await?;
        Ok(bytes as u64)
    }

    async fn messages_of(&self, owner_id: i64) -> StoreResult<Vec<MessageRecord>> {
        let rows = sqlx::query("SELECT * FROM messages WHERE owner_id = $1 ORDER BY created_at, id").bind(owner_id).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(message).collect::<Result<_, _>>()?)
    }

    async fn message(&self, owner_id: i64, message_id: &str) -> StoreResult<Option<MessageRecord>> {
        let row = sqlx::query("SELECT * FROM messages WHERE owner_id = $1 AND id = $2").bind(owner_id).bind(message_id).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(message).transpose()?)
    }

    async fn set_heard(&self, owner_id: i64, message_id: &str, heard: bool) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE messages SET heard = $1 WHERE owner_id = $2 AND id = $3")
            .bind(i64::from(heard))
            .bind(owner_id)
            .bind(message_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_message(&self, owner_id: i64, message_id: &str) -> StoreResult<Option<MessageRecord>> {
        let row =
            sqlx::query("DELETE FROM messages WHERE owner_id = $1 AND id = $2 RETURNING *").bind(owner_id).bind(message_id).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(message).transpose()?)
    }

    async fn audio_files(&self) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT audio_file FROM messages WHERE audio_file IS NOT NULL").fetch_all(&self.pool).await?)
    }

    async fn append_events(&self, events: Vec<NewEvent>, now: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        append(&mut tx, self.backend, events, now).await?;
        self.commit_appended(tx).await
    }

    fn doorbell(&self) -> Arc<Notify> {
        self.doorbell.clone()
    }

    async fn listen(&self, revoked: &mpsc::UnboundedSender<Revocation>) -> StoreResult<()> {
        if self.backend == Backend::Sqlite {
            return std::future::pending().await;
        }
        Ok(notices::listen(&self.url, &self.doorbell, revoked).await?)
    }

    async fn events_since(&self, after_id: i64, limit: u32) -> StoreResult<Vec<StoredEvent>> {
        let rows = sqlx::query("SELECT * FROM events WHERE id > $1 ORDER BY id LIMIT $2").bind(after_id).bind(i64::from(limit)).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(event).collect::<Result<_, _>>()?)
    }

    async fn events_after(&self, user_id: i64, device_id: &str, after_id: i64, limit: u32) -> StoreResult<Vec<StoredEvent>> {
        let rows = sqlx::query("SELECT * FROM events WHERE user_id = $1 AND id > $2 AND (device_id IS NULL OR device_id = $3) ORDER BY id LIMIT $4")
            .bind(user_id)
            .bind(after_id)
            .bind(device_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(event).collect::<Result<_, _>>()?)
    }

    async fn pruned_through(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'events_pruned_through'").fetch_optional(&self.pool).await?.unwrap_or(0))
    }

    async fn last_event_id(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events").fetch_one(&self.pool).await?)
    }

    async fn prune_events(&self, before: i64, keep: i64, keep_bytes: i64) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let too_old_or_many: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events WHERE created_at < $1 OR id <= (SELECT COALESCE(MAX(id), 0) - $2 FROM events)")
                .bind(before)
                .bind(keep)
                .fetch_one(&mut *tx)
                .await?;
        let too_big: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(id), 0) FROM (SELECT id, SUM(length(data)) OVER (ORDER BY id DESC) AS newer_bytes FROM events) AS sized WHERE newer_bytes > $1",
        )
        .bind(keep_bytes)
        .fetch_one(&mut *tx)
        .await?;
        let cut = too_old_or_many.max(too_big);
        if cut > 0 {
            sqlx::query("DELETE FROM events WHERE id <= $1").bind(cut).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES ('events_pruned_through', $1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE meta.value < excluded.value",
            )
            .bind(cut)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
