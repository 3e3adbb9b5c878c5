//! A sine tone source at 48 kHz, for tests and diagnostics.

use std::f64::consts::TAU;

use crate::jitter::CLOCK_RATE;

/// Sine generator with continuous phase across frames.
#[derive(Debug, Clone)]
pub struct Tone {
    /// Phase advance per sample, in radians.
    step: f64,
    amplitude: f64,
    /// Current phase in `[0, TAU)`.
    phase: f64,
}

impl Tone {
    /// A tone of `hz` with peak `amplitude`.
    pub fn new(hz: f64, amplitude: i16) -> Self {
        Self { step: TAU * hz / f64::from(CLOCK_RATE), amplitude: f64::from(amplitude), phase: 0.0 }
    }

    /// The next `samples` samples.
    pub fn next_frame(&mut self, samples: usize) -> Vec<i16> {
        (0..samples)
            .map(|_| {
                // |amplitude * sin| <= |i16| so the cast cannot overflow.
                let sample = (self.amplitude * self.phase.sin()).round() as i16;
                self.phase = (self.phase + self.step) % TAU;
                sample
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_is_continuous_across_frames() {
        let mut split = Tone::new(440.0, 10_000);
        let mut joined = split.next_frame(100);
        joined.extend(split.next_frame(100));
        assert_eq!(joined, Tone::new(440.0, 10_000).next_frame(200));
        assert_eq!(joined.iter().map(|s| s.unsigned_abs()).max(), Some(10_000));
    }
}
