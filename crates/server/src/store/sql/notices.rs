//! What instances on one PostgreSQL database tell each other through LISTEN/NOTIFY,
//! always from inside the transaction that made the change, so it is heard exactly
//! when that commits: that events were appended (the last id only: the hub reads the
//! events from the log, so the 8 kB payload limit never matters and a lost notice only
//! delays them), and which credentials or registrations were revoked (a token's hash, a
//! user's id, a device of a user).
//! SQLite serves one instance, which needs neither.

use sqlx::AnyConnection;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, mpsc};

use super::Backend;
use crate::store::Revocation;

const EVENTS_CHANNEL: &str = "restphone_events";
const REVOKED_CHANNEL: &str = "restphone_revoked";

/// A revoked token's notice.
pub fn token(token_hash: &str) -> String {
    format!("token:{token_hash}")
}

/// The notice that all of a user's credentials were revoked.
pub fn user(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// The notice that a registration was removed or lapsed.
pub fn device(user_id: i64, device_id: &str) -> String {
    format!("device:{user_id}:{device_id}")
}

fn parse(payload: &str) -> Option<Revocation> {
    match payload.split_once(':')? {
        ("token", hash) => Some(Revocation::Token(hash.to_owned())),
        ("user", id) => id.parse().ok().map(Revocation::User),
        ("device", device) => {
            let (user_id, device_id) = device.split_once(':')?;
            Some(Revocation::Device { user_id: user_id.parse().ok()?, device_id: device_id.to_owned() })
        }
        _ => None,
    }
}

/// Announces appends, up to `last_id`, made by the transaction `conn` is in.
pub async fn appended(conn: &mut AnyConnection, backend: Backend, last_id: i64) -> Result<(), sqlx::Error> {
    notify(conn, backend, EVENTS_CHANNEL, &last_id.to_string()).await
}

/// Announces revocations made by the transaction `conn` is in (`token`, `user`).
pub async fn revoked(conn: &mut AnyConnection, backend: Backend, notices: &[String]) -> Result<(), sqlx::Error> {
    for notice in notices {
        notify(conn, backend, REVOKED_CHANNEL, notice).await?;
    }
    Ok(())
}

async fn notify(conn: &mut AnyConnection, backend: Backend, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)").bind(channel).bind(payload).execute(conn).await?;
    }
    Ok(())
}

/// Rings `doorbell` for appends and hands over revocations until the connection fails.
pub async fn listen(url: &str, doorbell: &Notify, revoked: &mpsc::UnboundedSender<Revocation>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen_all([EVENTS_CHANNEL, REVOKED_CHANNEL]).await?;
    // What was appended or revoked while not listening is caught up on now.
    doorbell.notify_one();
    let _ = revoked.send(Revocation::Unknown);
    loop {
        let notice = listener.recv().await?;
        if notice.channel() == EVENTS_CHANNEL {
            doorbell.notify_one();
        } else if let Some(revocation) = parse(notice.payload()) {
            let _ = revoked.send(revocation);
        } else {
            tracing::warn!(payload = notice.payload(), "ignoring an unknown notice");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_read_back_as_what_was_revoked() {
        assert_eq!(parse(&token("ab12")), Some(Revocation::Token("ab12".to_owned())));
        assert_eq!(parse(&user(42)), Some(Revocation::User(42)));
        assert_eq!(parse(&device(42, "d1")), Some(Revocation::Device { user_id: 42, device_id: "d1".to_owned() }));
        for unknown in ["", "token", "user:x", "device:1", "device:x:d1", "user:", "call:1"] {
            assert_eq!(parse(unknown), None, "{unknown}");
        }
    }
}
