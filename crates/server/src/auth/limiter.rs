//! Slows down password guessing without locking the owner out.
//!
//! Failures are counted per (account, address) pair and per address, so guesses for
//! Alice from one place never refuse Alice's right password from another. A guess is
//! counted when it starts, before argon2 runs: a burst of parallel guesses gets at most
//! the allowed number of password checks, not one check each.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

type Pair = (String, Option<IpAddr>);

/// Failures in the current window, and checks still running (each may yet fail).
#[derive(Clone, Copy)]
struct Tally {
    failures: u32,
    running: u32,
    since: Instant,
}

impl Tally {
    fn new(now: Instant) -> Self {
        Self { failures: 0, running: 0, since: now }
    }

    fn is_empty(&self) -> bool {
        self.failures == 0 && self.running == 0
    }

    fn ends(&self) -> Instant {
        self.since + WINDOW
    }

    /// `Some(seconds to wait)` when `max` more failures could be reached already.
    fn full(&self, max: u32, now: Instant) -> Option<u64> {
        (self.failures + self.running >= max).then(|| self.ends().saturating_duration_since(now).as_secs().max(1))
    }
}

#[derive(Default)]
struct Tallies {
    pairs: HashMap<Pair, Tally>,
    addresses: HashMap<IpAddr, Tally>,
}

impl Tallies {
    fn forget_old(&mut self, now: Instant) {
        let live = |tally: &mut Tally| tally.running > 0 || tally.ends() > now;
        self.pairs.retain(|_, tally| live(tally));
        self.addresses.retain(|_, tally| live(tally));
    }

    /// Applies `change` to the pair's and the address's tallies, and forgets a tally
    /// left with nothing to count, so that successful sign-ins leave nothing behind.
    fn each(&mut self, pair: &Pair, change: impl Fn(&mut Tally)) {
        if let Some(tally) = self.pairs.get_mut(pair) {
            change(tally);
            if tally.is_empty() {
                self.pairs.remove(pair);
            }
        }
        if let Some(ip) = pair.1
            && let Some(tally) = self.addresses.get_mut(&ip)
        {
            change(tally);
            if tally.is_empty() {
                self.addresses.remove(&ip);
            }
        }
    }
}

pub struct SignInThrottle {
    /// Failures for one account from one address within the window.
    per_pair: u32,
    /// Failures from one address, over all accounts, within the window.
    per_address: u32,
    tallies: Mutex<Tallies>,
}

/// A password check under way; it counts as a failure unless it succeeds.
pub struct Attempt<'a> {
    throttle: &'a SignInThrottle,
    pair: Pair,
    failed: bool,
}

impl SignInThrottle {
    pub fn new(per_pair: u32, per_address: u32) -> Self {
        Self { per_pair, per_address, tallies: Mutex::default() }
    }

    /// Starts a password check for `email` from `address`, or says how many seconds to
    /// wait when that pair or that address has failed too often.
    pub fn begin(&self, email: &str, address: Option<IpAddr>, now: Instant) -> Result<Attempt<'_>, u64> {
        let mut tallies = self.tallies.lock().expect("throttle lock");
        tallies.forget_old(now);
        let pair = (email.to_owned(), address);
        let pair_wait = tallies.pairs.get(&pair).and_then(|tally| tally.full(self.per_pair, now));
        let address_wait = address.and_then(|ip| tallies.addresses.get(&ip)).and_then(|tally| tally.full(self.per_address, now));
        if let Some(wait) = pair_wait.max(address_wait) {
            return Err(wait);
        }
        tallies.pairs.entry(pair.clone()).or_insert_with(|| Tally::new(now)).running += 1;
        if let Some(ip) = address {
            tallies.addresses.entry(ip).or_insert_with(|| Tally::new(now)).running += 1;
        }
        Ok(Attempt { throttle: self, pair, failed: false })
    }
}

impl Attempt<'_> {
    pub fn failed(mut self) {
        self.failed = true;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let failed = u32::from(self.failed);
        let mut tallies = self.throttle.tallies.lock().expect("throttle lock");
        tallies.each(&self.pair, |tally| {
            tally.running -= 1;
            tally.failures += failed;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_PER_PAIR: u32 = 5;
    const MAX_PER_ADDRESS: u32 = 20;

    fn throttle() -> SignInThrottle {
        SignInThrottle::new(MAX_PER_PAIR, MAX_PER_ADDRESS)
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn a_pair_is_refused_after_repeated_failures_until_the_window_passes() {
        let throttle = throttle();
        let start = Instant::now();
        for _ in 0..MAX_PER_PAIR {
            throttle.begin("a@b.c", ip("10.0.0.1"), start).unwrap().failed();
        }
        assert_eq!(throttle.begin("a@b.c", ip("10.0.0.1"), start).err(), Some(60));
        // The owner elsewhere, and others from the same address, still get in.
        assert!(throttle.begin("a@b.c", ip("10.0.0.2"), start).is_ok());
        assert!(throttle.begin("other@b.c", ip("10.0.0.1"), start).is_ok());
        assert!(throttle.begin("a@b.c", ip("10.0.0.1"), start + WINDOW).is_ok());
    }

    #[test]
    fn checks_under_way_count_before_they_fail() {
        let throttle = throttle();
        let now = Instant::now();
        let running: Vec<_> = (0..MAX_PER_PAIR).map(|_| throttle.begin("a@b.c", ip("10.0.0.1"), now).unwrap()).collect();
        assert!(throttle.begin("a@b.c", ip("10.0.0.1"), now).is_err());
        // Successes free their place.
        drop(running);
        assert!(throttle.begin("a@b.c", ip("10.0.0.1"), now).is_ok());
    }

    #[test]
    fn an_address_is_refused_across_accounts() {
        let throttle = throttle();
        let now = Instant::now();
        for i in 0..MAX_PER_ADDRESS {
            throttle.begin(&format!("user{i}@b.c"), ip("127.0.0.1"), now).unwrap().failed();
        }
        assert!(throttle.begin("fresh@b.c", ip("127.0.0.1"), now).is_err());
        assert!(throttle.begin("fresh@b.c", ip("127.0.0.2"), now).is_ok());
    }
}
