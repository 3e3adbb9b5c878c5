//! The event streams open now, and who opened them with which credential: so that
//! their number per device and per account stays bounded, and removing a device,
//! revoking a token or changing the password closes what they opened.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::config::Limits;
use crate::error::ApiError;

/// Who opened a stream.
#[derive(Debug, Clone)]
pub struct Opener {
    pub user_id: i64,
    /// The device whose push channel this is; `None` for a watched resource.
    pub device_id: Option<String>,
    /// The bearer token it was opened with; `None` for a password.
    pub token_hash: Option<String>,
}

struct Entry {
    id: u64,
    opener: Opener,
    close: oneshot::Sender<()>,
}

type Entries = Arc<Mutex<HashMap<i64, Vec<Entry>>>>;

#[derive(Default)]
pub struct OpenStreams {
    next_id: AtomicU64,
    /// By the opening user's id, oldest first.
    entries: Entries,
}

/// Held by an open stream: `closed` completes when the stream must end, and dropping
/// the ticket takes the stream off the list.
pub struct Ticket {
    id: u64,
    user_id: i64,
    entries: Entries,
    pub closed: oneshot::Receiver<()>,
}

impl OpenStreams {
    /// Admits a new stream. A device's new push channel closes its oldest beyond the
    /// per-device limit (a reconnecting device always gets in); an account at its
    /// limit is refused.
    pub fn open(&self, opener: Opener, limits: &Limits) -> Result<Ticket, ApiError> {
        let mut entries = self.entries.lock().expect("stream list lock");
        let mine = entries.entry(opener.user_id).or_default();
        if let Some(device) = &opener.device_id {
            let of_device = |entry: &Entry| entry.opener.device_id.as_ref() == Some(device);
            let excess = (mine.iter().filter(|entry| of_device(entry)).count() + 1).saturating_sub(limits.streams_per_device.max(1) as usize);
            let oldest: Vec<u64> = mine.iter().filter(|entry| of_device(entry)).take(excess).map(|entry| entry.id).collect();
            close(mine, |entry| oldest.contains(&entry.id));
        }
        if mine.len() >= limits.streams_per_account as usize {
            return Err(ApiError::too_many(format!("this account has {} event streams open, the most this server allows", mine.len()), 10));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        let user_id = opener.user_id;
        mine.push(Entry { id, opener, close });
        Ok(Ticket { id, user_id, entries: self.entries.clone(), closed })
    }

    /// Closes the streams of `user_id` that `which` picks.
    pub fn close_where(&self, user_id: i64, which: impl Fn(&Opener) -> bool) {
        if let Some(mine) = self.entries.lock().expect("stream list lock").get_mut(&user_id) {
            close(mine, |entry| which(&entry.opener));
        }
    }

    pub fn close_device(&self, user_id: i64, device_id: &str) {
        self.close_where(user_id, |opener| opener.device_id.as_deref() == Some(device_id));
    }

    /// Closes the streams opened with any of these (revoked) tokens, whoever's they are.
    pub fn close_tokens(&self, token_hashes: &[String]) {
        if token_hashes.is_empty() {
            return;
        }
        for mine in self.entries.lock().expect("stream list lock").values_mut() {
            close(mine, |entry| entry.opener.token_hash.as_ref().is_some_and(|hash| token_hashes.contains(hash)));
        }
    }

    /// How many streams `user_id` has open.
    #[cfg(test)]
    fn count(&self, user_id: i64) -> usize {
        self.entries.lock().expect("stream list lock").get(&user_id).map_or(0, Vec::len)
    }
}

fn close(entries: &mut Vec<Entry>, which: impl Fn(&Entry) -> bool) {
    let (closing, kept) = std::mem::take(entries).into_iter().partition(which);
    *entries = kept;
    for entry in closing {
        let _ = entry.close.send(());
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut entries = self.entries.lock().expect("stream list lock");
        if let Some(mine) = entries.get_mut(&self.user_id) {
            mine.retain(|entry| entry.id != self.id);
            if mine.is_empty() {
                entries.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opener(device: Option<&str>, token: Option<&str>) -> Opener {
        Opener { user_id: 1, device_id: device.map(str::to_owned), token_hash: token.map(str::to_owned) }
    }

    #[test]
    fn a_device_reconnecting_closes_its_oldest_stream() {
        let streams = OpenStreams::default();
        let limits = Limits { streams_per_device: 2, ..Limits::default() };
        let mut first = streams.open(opener(Some("d"), None), &limits).unwrap();
        let mut second = streams.open(opener(Some("d"), None), &limits).unwrap();
        let _third = streams.open(opener(Some("d"), None), &limits).unwrap();
        assert!(first.closed.try_recv().is_ok());
        assert!(second.closed.try_recv().is_err());
        assert_eq!(streams.count(1), 2);
        drop(second);
        assert_eq!(streams.count(1), 1);
    }

    #[test]
    fn an_account_at_its_limit_is_refused_and_revoked_tokens_close_their_streams() {
        let streams = OpenStreams::default();
        let limits = Limits { streams_per_account: 2, ..Limits::default() };
        let mut by_token = streams.open(opener(None, Some("t")), &limits).unwrap();
        let mut by_password = streams.open(opener(None, None), &limits).unwrap();
        assert!(matches!(streams.open(opener(Some("d"), None), &limits), Err(ApiError::TooManyRequests { .. })));
        streams.close_tokens(&["t".to_owned()]);
        assert!(by_token.closed.try_recv().is_ok());
        assert!(by_password.closed.try_recv().is_err());
        assert!(streams.open(opener(Some("d"), None), &limits).is_ok());
    }
}
