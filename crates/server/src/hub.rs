//! The live part of the push channel: which SSE streams are open, and handing each
//! newly logged event to the streams of its user.
//!
//! Events are appended to the log and published while one lock is held, so every
//! stream sees ids in increasing order and can drop what it already replayed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{MutexGuard, broadcast};

use crate::store::StoredEvent;

pub type Delivery = Arc<StoredEvent>;

/// Per-user fan-out; a lagging stream re-reads the log instead of losing events.
const CHANNEL_CAPACITY: usize = 1024;

#[derive(Default)]
pub struct Hub {
    order: tokio::sync::Mutex<()>,
    users: Mutex<HashMap<i64, broadcast::Sender<Delivery>>>,
}

/// Held while events are appended to the log, until they are published.
pub struct Publisher<'a> {
    hub: &'a Hub,
    _order: MutexGuard<'a, ()>,
}

impl Hub {
    pub async fn publisher(&self) -> Publisher<'_> {
        Publisher { hub: self, _order: self.order.lock().await }
    }

    pub fn subscribe(&self, user_id: i64) -> broadcast::Receiver<Delivery> {
        let mut users = self.users.lock().expect("hub lock");
        users.entry(user_id).or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0).subscribe()
    }

    fn send(&self, user_id: i64, delivery: Delivery) {
        let mut users = self.users.lock().expect("hub lock");
        if let Some(sender) = users.get(&user_id)
            && sender.send(delivery).is_err()
        {
            users.remove(&user_id);
        }
    }
}

impl Publisher<'_> {
    pub fn publish(self, events: Vec<StoredEvent>) {
        for event in events {
            self.hub.send(event.user_id, Arc::new(event));
        }
    }
}
