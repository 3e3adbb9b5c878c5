//! A stand-in for a talker: syllable-length bursts of noise shaped like speech (most energy
//! below 1 kHz, falling off above), with pauses between them. An echo canceller cannot
//! tell one period of a pure tone from the next, so its tests need a broadband signal.

use crate::MediaError;
use crate::device::AudioSource;
use crate::jitter::CLOCK_RATE;

/// Burst and pause lengths, in samples: 120–300 ms syllables, 60–180 ms gaps.
const BURST: (usize, usize) = (CLOCK_RATE as usize * 12 / 100, CLOCK_RATE as usize * 30 / 100);
const PAUSE: (usize, usize) = (CLOCK_RATE as usize * 6 / 100, CLOCK_RATE as usize * 18 / 100);

/// Deterministic for a given seed, so a test sees the same "speech" every run.
#[derive(Debug, Clone)]
pub struct SpeechLike {
    rng: u64,
    amplitude: f64,
    /// Samples left in the current burst (`talking`) or pause.
    left: usize,
    length: usize,
    talking: bool,
    /// Two one-pole low-pass stages: a gentle speech-like tilt.
    low1: f64,
    low2: f64,
}

impl SpeechLike {
    /// A talker whose bursts peak at about `amplitude`.
    pub fn new(seed: u64, amplitude: i16) -> Self {
        Self { rng: seed | 1, amplitude: f64::from(amplitude), left: 0, length: 1, talking: false, low1: 0.0, low2: 0.0 }
    }

    /// The next `samples` samples.
    pub fn next_frame(&mut self, samples: usize) -> Vec<i16> {
        (0..samples).map(|_| self.next_sample()).collect()
    }

    /// Whether the sample last returned was part of a burst.
    pub fn talking(&self) -> bool {
        self.talking
    }

    fn next_sample(&mut self) -> i16 {
        if self.left == 0 {
            self.talking = !self.talking;
            let (least, most) = if self.talking { BURST } else { PAUSE };
            self.length = least + (self.random() as usize % (most - least));
            self.left = self.length;
        }
        self.left -= 1;
        let white = (self.random() as f64 / u64::MAX as f64) * 2.0 - 1.0;
        self.low1 += 0.3 * (white - self.low1);
        self.low2 += 0.3 * (self.low1 - self.low2);
        if !self.talking {
            return 0;
        }
        // A raised-sine envelope over the burst: syllables swell and fade.
        let progress = 1.0 - self.left as f64 / self.length as f64;
        let envelope = (std::f64::consts::PI * progress).sin();
        // The filters leave about a third of the white noise's level: make it up.
        (self.low2 * 3.0 * self.amplitude * envelope).clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
    }

    /// xorshift64: enough randomness for noise, without a dependency.
    fn random(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }
}

/// A talker that never stops: a virtual source, sent as it is.
impl AudioSource for SpeechLike {
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError> {
        for slot in frame {
            *slot = self.next_sample();
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{goertzel_power, rms};

    #[test]
    fn talks_in_bursts_with_pauses() {
        let samples = SpeechLike::new(7, 8_000).next_frame(CLOCK_RATE as usize * 3);
        let frames: Vec<f64> = samples.chunks(480).map(rms).collect();
        let silent = frames.iter().filter(|&&level| level == 0.0).count();
        assert!(silent > frames.len() / 8 && silent < frames.len() / 2, "{silent} of {} frames silent", frames.len());
        let loud = frames.iter().cloned().fold(0.0, f64::max);
        assert!(loud > 2_000.0, "bursts reach {loud}");
    }

    #[test]
    fn is_broadband_with_more_energy_low() {
        let samples = SpeechLike::new(7, 8_000).next_frame(CLOCK_RATE as usize * 2);
        let (low, mid, high) = (goertzel_power(&samples, 300.0), goertzel_power(&samples, 2_000.0), goertzel_power(&samples, 6_000.0));
        assert!(low > mid && mid > high && high > 0.0, "300 Hz {low}, 2 kHz {mid}, 6 kHz {high}");
    }
}
