//! Latency percentiles.

use std::time::Duration;

use serde::Serialize;

/// p50, p99 and the maximum of a set of latencies, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// Nearest-rank percentiles; all zero when there are no samples.
    pub fn of(samples: &[Duration]) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        Self {
            count: sorted.len(),
            p50_ms: ms(percentile(&sorted, 50.0)),
            p99_ms: ms(percentile(&sorted, 99.0)),
            max_ms: ms(sorted.last().copied().unwrap_or_default()),
        }
    }
}

fn percentile(sorted: &[Duration], percent: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds with microsecond precision.
pub fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let latency = Latency::of(&samples);
        assert_eq!((latency.count, latency.p50_ms, latency.p99_ms, latency.max_ms), (100, 50.0, 99.0, 100.0));
        assert_eq!(Latency::of(&[]).max_ms, 0.0);
        assert_eq!(Latency::of(&[Duration::from_millis(7)]).p99_ms, 7.0);
    }
}
