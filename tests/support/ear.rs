//! What a phone plays out, captured by a virtual output device, and checked by
//! frequency: a phone hears a tone when it stands well above everything else.

use std::time::Duration;

use restphone_media::analysis::{dominant_tone_ratio, rms};
use restphone_media::device::CaptureSink;

/// How long audio may take to arrive after a change (connecting, or a handover).
const AUDIO_DEADLINE: Duration = Duration::from_secs(10);
/// How much audio one check analyses.
const WINDOW: Duration = Duration::from_millis(400);
const SAMPLES_PER_MS: usize = 48;
/// Below this, what is played is silence (or concealment fading out); the tones play at rms ~5,700.
const QUIET_RMS: f64 = 50.0;

/// What one phone plays out, captured.
#[derive(Clone)]
pub struct Ear(pub CaptureSink);

impl Ear {
    /// How many samples it has heard so far.
    pub fn samples_heard(&self) -> usize {
        self.0.samples().len()
    }

    /// Waits until the last `WINDOW` played holds `hz` well above the noise (and
    /// none of `absent`), or fails after the deadline.
    pub async fn hears(&self, who: &str, hz: f64, absent: &[f64]) {
        let deadline = tokio::time::Instant::now() + AUDIO_DEADLINE;
        let window = WINDOW.as_millis() as usize * SAMPLES_PER_MS;
        loop {
            let samples = self.0.samples();
            let recent = &samples[samples.len().saturating_sub(window)..];
            let found = recent.len() == window && dominant_tone_ratio(recent, hz) > 100.0 && rms(recent) > 500.0;
            if found && absent.iter().all(|&other| dominant_tone_ratio(recent, other) < 10.0) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let ratios: Vec<String> = [hz].iter().chain(absent).map(|f| format!("{f} Hz: {:.1}", dominant_tone_ratio(recent, *f))).collect();
                panic!("{who} does not hear {hz} Hz within {AUDIO_DEADLINE:?} (rms {:.0}; {})", rms(recent), ratios.join(", "));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until this phone goes quiet (frames in flight when the change was made may
    /// still play): it plays silence, or plays nothing at all. Then listens for `span` and
    /// fails if anything audible plays meanwhile.
    pub async fn hears_nothing(&self, who: &str, span: Duration) {
        let deadline = tokio::time::Instant::now() + AUDIO_DEADLINE;
        let quiet_window = 100 * SAMPLES_PER_MS;
        let mut seen = self.samples_heard();
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let samples = self.0.samples();
            let stopped = samples.len() == seen;
            let fresh = &samples[seen..];
            if stopped || (fresh.len() >= quiet_window && rms(&fresh[fresh.len() - quiet_window..]) < QUIET_RMS) {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{who} does not go quiet within {AUDIO_DEADLINE:?}");
            seen = samples.len();
        }
        let start = self.samples_heard();
        tokio::time::sleep(span).await;
        let heard = &self.0.samples()[start..];
        assert!(rms(heard) < QUIET_RMS, "{who} should hear nothing, but plays audio at rms {:.0}", rms(heard));
    }
}
