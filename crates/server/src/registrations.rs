//! Registrations this instance has seen, so that the hot path of every device, a
//! refresh that only extends its registration, is answered from memory, and the new
//! expiries are written behind in batches (`run`), like a SIP registrar's location
//! cache.
//!
//! Why nobody notices: a refresh is taken in memory only while the expiry the store
//! holds is more than `STORED_MARGIN` away, and a batch is written every
//! `WRITE_BEHIND`, far sooner; so no reader of the store (forking a call, presence,
//! any instance's lapse timer) sees a refreshed registration lapse. A refresh lost in
//! a crash costs nothing: the stored expiry is still far off, and the device refreshes
//! again before it. A registration removed or lapsed by another instance is forgotten
//! here when its notice arrives (`peers`), or at the latest when a batch finds its row
//! gone.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::state::{AppState, now};
use crate::store::{DeviceRecord, PendingRefresh};

/// How often refreshes taken in memory are written.
const WRITE_BEHIND: Duration = Duration::from_secs(1);

/// A refresh goes to the store when the stored expiry is closer than this.
const STORED_MARGIN: i64 = 30_000;

struct Known {
    device: DeviceRecord,
    /// The expiry the store holds.
    stored_expires_at: i64,
    pending: bool,
}

#[derive(Default)]
pub struct Registrations {
    known: Mutex<HashMap<String, Known>>,
}

impl Registrations {
    /// A registration as the store holds it now (just registered or refreshed there).
    pub fn remember(&self, device: &DeviceRecord) {
        let known = Known { device: device.clone(), stored_expires_at: device.expires_at, pending: false };
        self.known.lock().expect("registrations lock").insert(device.id.clone(), known);
    }

    pub fn forget(&self, device_id: &str) {
        self.known.lock().expect("registrations lock").remove(device_id);
    }

    /// Extends the user's registration in memory, when this instance knows it and its
    /// stored expiry is far enough; `None` sends the refresh to the store. A device that
    /// refreshes with another token than the one stored goes to the store too.
    pub fn extend(&self, user_id: i64, device_id: &str, expires_at: i64, token_hash: Option<&str>, now: i64) -> Option<DeviceRecord> {
        let mut known = self.known.lock().expect("registrations lock");
        let entry = known.get_mut(device_id)?;
        let same_token = token_hash.is_none() || entry.device.token_hash.as_deref() == token_hash;
        if entry.device.user_id != user_id || !same_token || entry.stored_expires_at - now < STORED_MARGIN {
            return None;
        }
        entry.device.expires_at = expires_at;
        entry.device.refreshed_at = now;
        entry.pending = true;
        Some(entry.device.clone())
    }

    /// The refreshes not written yet (a newer one may follow before they are); forgets
    /// what lapsed.
    fn take_pending(&self, now: i64) -> Vec<PendingRefresh> {
        let mut known = self.known.lock().expect("registrations lock");
        known.retain(|_, entry| entry.device.expires_at > now);
        let pending = known.values_mut().filter(|entry| entry.pending);
        pending
            .map(|entry| {
                entry.pending = false;
                PendingRefresh { device_id: entry.device.id.clone(), expires_at: entry.device.expires_at, refreshed_at: entry.device.refreshed_at }
            })
            .collect()
    }

    /// After a batch was written: the store holds its expiries, except for the rows it
    /// found gone (removed or lapsed on another instance), which are forgotten.
    fn written(&self, batch: &[PendingRefresh], gone: &[String]) {
        let mut known = self.known.lock().expect("registrations lock");
        for refresh in batch {
            if let Some(entry) = known.get_mut(&refresh.device_id) {
                entry.stored_expires_at = refresh.expires_at;
            }
        }
        for device_id in gone {
            known.remove(device_id);
        }
    }

    /// After a batch failed: it goes with the next one (or a newer refresh does).
    fn retry(&self, failed: &[PendingRefresh]) {
        let mut known = self.known.lock().expect("registrations lock");
        for refresh in failed {
            if let Some(entry) = known.get_mut(&refresh.device_id) {
                entry.pending = true;
            }
        }
    }
}

/// Writes refreshes behind until the server closes, then writes the last ones.
pub async fn run(state: AppState) {
    let mut closing = state.closing.clone();
    let mut ticks = tokio::time::interval(WRITE_BEHIND);
    loop {
        let closed = tokio::select! {
            _ = ticks.tick() => false,
            _ = closing.changed() => true,
        };
        write_behind(&state).await;
        if closed {
            return;
        }
    }
}

async fn write_behind(state: &AppState) {
    let pending = state.registrations.take_pending(now());
    if pending.is_empty() {
        return;
    }
    match state.store.extend_devices(&pending).await {
        Ok(gone) => state.registrations.written(&pending, &gone),
        Err(error) => {
            tracing::error!(%error, refreshes = pending.len(), "writing refreshes failed; retrying");
            state.registrations.retry(&pending);
        }
    }
}

#[cfg(test)]
mod tests;
