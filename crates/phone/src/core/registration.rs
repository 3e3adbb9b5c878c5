//! When to refresh the registration, and how long to wait before reconnecting.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// Refresh no later than this long before the registration lapses.
const REFRESH_MARGIN: TimeDelta = TimeDelta::seconds(5);
pub const FIRST_BACKOFF: Duration = Duration::from_millis(250);
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// When to refresh a registration granted for `granted_expires_secs` at `registered_at`:
/// halfway through its lifetime, but at least 5 s before it lapses; never sooner than a
/// third of the way, so a very short lifetime is refreshed often but not in a loop.
pub fn next_refresh_at(granted_expires_secs: u32, registered_at: DateTime<Utc>) -> DateTime<Utc> {
    let lifetime = TimeDelta::seconds(i64::from(granted_expires_secs.max(1)));
    let halfway = lifetime / 2;
    let before_margin = lifetime - REFRESH_MARGIN;
    registered_at + halfway.min(before_margin).max(lifetime / 3)
}

/// How long to wait before reconnect attempt `attempt` (0 for the first retry): 250 ms,
/// doubling each time, at most 30 s. No jitter, so it is predictable.
pub fn backoff(attempt: u32) -> Duration {
    let factor = 2u32.checked_pow(attempt).unwrap_or(u32::MAX);
    FIRST_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::at;

    #[test]
    fn refresh_comes_halfway_through_the_lifetime() {
        assert_eq!(next_refresh_at(60, at(0)), at(30));
        assert_eq!(next_refresh_at(3600, at(100)), at(1900));
    }

    #[test]
    fn refresh_comes_at_least_five_seconds_before_expiry_but_never_in_a_loop() {
        assert_eq!(next_refresh_at(8, at(0)), at(3));
        assert_eq!(next_refresh_at(3, at(0)), at(1));
        assert!(next_refresh_at(0, at(0)) > at(0), "a zero lifetime still waits");
    }

    #[test]
    fn backoff_doubles_from_a_quarter_second_up_to_thirty_seconds() {
        let waits: Vec<Duration> = (0..9).map(backoff).collect();
        let millis = [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000].map(Duration::from_millis);
        assert_eq!(waits, millis);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }
}
