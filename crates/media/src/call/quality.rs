//! Call quality as a user sees it: a few figures from the last measuring window and a
//! grade for the indicator.

use std::time::Duration;

use serde::Serialize;

use crate::jitter::JitterStats;
use crate::processing::EchoStats;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallQuality {
    /// Whether audio from the peer arrived in the window ("no audio" when false).
    pub receiving: bool,
    /// ICE round trip to the peer, when one has been measured.
    pub round_trip_ms: Option<u32>,
    /// Share of expected packets that never arrived in time, over the window.
    pub loss_percent: f32,
    /// Interarrival jitter estimate.
    pub jitter_ms: f32,
    /// Share of played frames that were concealed or rebuilt from FEC, over the window.
    pub concealed_percent: f32,
    pub grade: Grade,
    /// The echo canceller's figures, while it runs on this device's microphone.
    pub echo: Option<EchoStats>,
}

/// Good: nobody notices. Fair: audible now and then. Poor: hard to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Good,
    Fair,
    Poor,
}

impl CallQuality {
    /// The quality over the window between two readings of the receive path's counters.
    pub fn between(before: &JitterStats, after: &JitterStats, round_trip: Option<Duration>) -> Self {
        let received = after.received.saturating_sub(before.received);
        let lost = after.lost.saturating_sub(before.lost);
        let repaired = (after.concealed + after.fec_recovered).saturating_sub(before.concealed + before.fec_recovered);
        let loss_percent = percent(lost, received + lost);
        let concealed_percent = percent(repaired, received + lost);
        let jitter_ms = after.jitter.as_secs_f32() * 1000.0;
        let round_trip_ms = round_trip.map(|rtt| u32::try_from(rtt.as_millis()).unwrap_or(u32::MAX));
        let grade = grade(loss_percent, jitter_ms, round_trip_ms.unwrap_or(0));
        Self { receiving: received > 0, round_trip_ms, loss_percent, jitter_ms, concealed_percent, grade, echo: None }
    }
}

fn percent(part: u64, whole: u64) -> f32 {
    if whole == 0 { 0.0 } else { (part as f64 * 100.0 / whole as f64) as f32 }
}

/// Thresholds after ITU-T G.114 (one-way delay) and the loss Opus with FEC hides well.
fn grade(loss_percent: f32, jitter_ms: f32, round_trip_ms: u32) -> Grade {
    if loss_percent > 10.0 || jitter_ms > 60.0 || round_trip_ms > 600 {
        Grade::Poor
    } else if loss_percent > 2.0 || jitter_ms > 30.0 || round_trip_ms > 300 {
        Grade::Fair
    } else {
        Grade::Good
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(received: u64, lost: u64, concealed: u64, jitter_ms: u64) -> JitterStats {
        JitterStats { received, lost, concealed, jitter: Duration::from_millis(jitter_ms), ..JitterStats::default() }
    }

    #[test]
    fn a_clean_window_is_good() {
        let quality = CallQuality::between(&stats(100, 0, 0, 0), &stats(200, 0, 0, 2), Some(Duration::from_millis(3)));
        assert_eq!(quality.grade, Grade::Good);
        assert_eq!(quality.loss_percent, 0.0);
        assert_eq!(quality.round_trip_ms, Some(3));
        assert!(quality.receiving);
    }

    #[test]
    fn loss_counts_only_within_the_window() {
        let quality = CallQuality::between(&stats(100, 50, 50, 0), &stats(190, 60, 60, 0), None);
        assert_eq!(quality.loss_percent, 10.0);
        assert_eq!(quality.concealed_percent, 10.0);
        assert_eq!(quality.grade, Grade::Fair);
    }

    #[test]
    fn heavy_loss_or_long_delay_is_poor() {
        assert_eq!(CallQuality::between(&stats(0, 0, 0, 0), &stats(80, 20, 20, 0), None).grade, Grade::Poor);
        assert_eq!(CallQuality::between(&stats(0, 0, 0, 0), &stats(100, 0, 0, 0), Some(Duration::from_millis(700))).grade, Grade::Poor);
    }

    #[test]
    fn a_window_with_nothing_received_is_not_a_division_by_zero() {
        let silent = CallQuality::between(&stats(5, 0, 0, 0), &stats(5, 0, 0, 0), None);
        assert_eq!(silent.loss_percent, 0.0);
        assert!(!silent.receiving);
    }
}
