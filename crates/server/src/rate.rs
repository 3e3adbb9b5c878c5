//! How often one account or sender may do something: fixed-window counters, kept in
//! memory (a restart forgives everyone, which costs nothing worth a database write).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Limits;
use crate::error::ApiError;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

pub struct Window<K> {
    max: u32,
    length: Duration,
    counts: Mutex<Counts<K>>,
}

struct Counts<K> {
    /// Key → uses in the window that started at the instant.
    by_key: HashMap<K, (u32, Instant)>,
    last_swept: Option<Instant>,
}

impl<K: Hash + Eq> Window<K> {
    pub fn new(max: u32, length: Duration) -> Self {
        Self { max, length, counts: Mutex::new(Counts { by_key: HashMap::new(), last_swept: None }) }
    }

    /// Counts one use by `key`, or says how many seconds until the next is allowed.
    pub fn take(&self, key: K, now: Instant) -> Result<(), u64> {
        let mut counts = self.counts.lock().expect("rate lock");
        let length = self.length;
        // Forget finished windows once per window length, so memory follows the active keys.
        if counts.last_swept.is_none_or(|swept| now >= swept + length) {
            counts.by_key.retain(|_, (_, since)| now < *since + length);
            counts.last_swept = Some(now);
        }
        let (used, since) = counts.by_key.entry(key).or_insert((0, now));
        if now >= *since + length {
            *used = 0;
            *since = now;
        }
        if *used >= self.max {
            return Err((*since + length).saturating_duration_since(now).as_secs().max(1));
        }
        *used += 1;
        Ok(())
    }
}

/// The per-account and per-sender rates the handlers check.
pub struct Rates {
    /// Calls started, by the caller's account.
    pub calls: Window<i64>,
    /// Invitations sent, by the sender's account.
    pub invitations: Window<i64>,
    /// Messages left, by (sender's account, mailbox owner's account).
    pub messages: Window<(i64, i64)>,
}

impl Rates {
    pub fn new(limits: &Limits) -> Self {
        Self {
            calls: Window::new(limits.calls_per_minute, MINUTE),
            invitations: Window::new(limits.invitations_per_minute, MINUTE),
            messages: Window::new(limits.messages_per_sender_per_hour, HOUR),
        }
    }
}

/// Counts one use in `window`, or a 429 saying what was limited.
pub fn take<K: Hash + Eq>(window: &Window<K>, key: K, what: &str) -> Result<(), ApiError> {
    window.take(key, Instant::now()).map_err(|retry_after| ApiError::too_many(what, retry_after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_max_uses_per_window_and_others_are_unaffected() {
        let window = Window::new(3, MINUTE);
        let start = Instant::now();
        for _ in 0..3 {
            window.take(1, start).unwrap();
        }
        assert_eq!(window.take(1, start + Duration::from_secs(15)), Err(45));
        assert_eq!(window.take(2, start), Ok(()));
        assert_eq!(window.take(1, start + MINUTE), Ok(()));
    }
}
