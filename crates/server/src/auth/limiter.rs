//! Slows down password guessing: after too many failures for one account or one
//! address within a window, sign-ins are refused with 429 until the window passes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
const MAX_PER_ACCOUNT: u32 = 5;
const MAX_PER_ADDRESS: u32 = 20;

#[derive(Default)]
pub struct FailureLimiter {
    accounts: Mutex<HashMap<String, (u32, Instant)>>,
    addresses: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl FailureLimiter {
    /// `Some(seconds to wait)` while the account or the address is locked out.
    pub fn check(&self, email: &str, address: Option<IpAddr>, now: Instant) -> Option<u64> {
        let account = blocked(&self.accounts, email, MAX_PER_ACCOUNT, now);
        let address = address.and_then(|ip| blocked(&self.addresses, &ip, MAX_PER_ADDRESS, now));
        account.max(address)
    }

    pub fn failed(&self, email: &str, address: Option<IpAddr>, now: Instant) {
        count(&self.accounts, email.to_owned(), now);
        if let Some(ip) = address {
            count(&self.addresses, ip, now);
        }
    }
}

fn blocked<K: std::hash::Hash + Eq + ?Sized, Q: std::borrow::Borrow<K> + std::hash::Hash + Eq>(
    map: &Mutex<HashMap<Q, (u32, Instant)>>,
    key: &K,
    max: u32,
    now: Instant,
) -> Option<u64> {
    let map = map.lock().expect("limiter lock");
    let (failures, since) = map.get(key)?;
    let ends = *since + WINDOW;
    (*failures >= max && ends > now).then(|| (ends - now).as_secs().max(1))
}

fn count<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, (u32, Instant)>>, key: K, now: Instant) {
    let mut map = map.lock().expect("limiter lock");
    map.retain(|_, (_, since)| *since + WINDOW > now);
    let entry = map.entry(key).or_insert((0, now));
    entry.0 += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_locked_after_repeated_failures_until_the_window_passes() {
        let limiter = FailureLimiter::default();
        let start = Instant::now();
        for _ in 0..MAX_PER_ACCOUNT {
            assert_eq!(limiter.check("a@b.c", None, start), None);
            limiter.failed("a@b.c", None, start);
        }
        assert_eq!(limiter.check("a@b.c", None, start), Some(60));
        assert_eq!(limiter.check("other@b.c", None, start), None);
        assert_eq!(limiter.check("a@b.c", None, start + WINDOW), None);
    }

    #[test]
    fn an_address_is_locked_across_accounts() {
        let limiter = FailureLimiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let now = Instant::now();
        for i in 0..MAX_PER_ADDRESS {
            limiter.failed(&format!("user{i}@b.c"), Some(ip), now);
        }
        assert!(limiter.check("fresh@b.c", Some(ip), now).is_some());
        assert!(limiter.check("fresh@b.c", None, now).is_none());
    }
}
