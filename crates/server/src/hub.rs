//! The live part of the push channel: handing each event in the log to the open
//! streams of its user.
//!
//! The log is the one source, for one instance or several: `run` reads what was
//! appended since it last looked, in id order, whenever the store's doorbell rings
//! (after this instance appends, and on PostgreSQL after any instance does: see
//! `peers`). A ring that is missed loses nothing: the next read catches up, and one
//! happens at least every `CATCH_UP` anyway. Ids are committed in order (see `store`),
//! so a stream sees them increasing and can drop what it already replayed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::broadcast;

use crate::state::AppState;
use crate::store::StoredEvent;

pub type Delivery = Arc<StoredEvent>;

/// Per-user fan-out; a lagging stream re-reads the log instead of losing events.
const CHANNEL_CAPACITY: usize = 1024;

/// The log is read in pages of this many events.
const PAGE: u32 = 1000;

/// The longest the hub goes without reading the log, should a doorbell ring be lost.
const CATCH_UP: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Hub {
    users: Mutex<HashMap<i64, broadcast::Sender<Delivery>>>,
}

impl Hub {
    pub fn subscribe(&self, user_id: i64) -> broadcast::Receiver<Delivery> {
        let mut users = self.users.lock().expect("hub lock");
        users.entry(user_id).or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0).subscribe()
    }

    fn send(&self, event: StoredEvent) {
        let user_id = event.user_id;
        let mut users = self.users.lock().expect("hub lock");
        if let Some(sender) = users.get(&user_id)
            && sender.send(Arc::new(event)).is_err()
        {
            users.remove(&user_id);
        }
    }
}

/// Reads the log into the hub, from after `cursor` (the last id when the server
/// opened, before anyone could append), until the server closes.
pub async fn run(state: AppState, mut cursor: i64) {
    let mut closing = state.closing.clone();
    let doorbell = state.store.doorbell();
    loop {
        if let Err(error) = deliver_since(&state, &mut cursor).await {
            tracing::error!(%error, "reading the event log failed");
        }
        tokio::select! {
            _ = doorbell.notified() => {}
            _ = tokio::time::sleep(CATCH_UP) => {}
            _ = closing.changed() => return,
        }
    }
}

async fn deliver_since(state: &AppState, cursor: &mut i64) -> Result<(), crate::error::ApiError> {
    loop {
        let events = state.store.events_since(*cursor, PAGE).await?;
        let full = events.len() == PAGE as usize;
        for event in events {
            *cursor = event.id;
            state.hub.send(event);
        }
        if !full {
            return Ok(());
        }
    }
}
