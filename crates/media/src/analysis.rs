//! Spectral checks on 48 kHz PCM: "is this tone present?".

use std::f64::consts::TAU;

use crate::jitter::CLOCK_RATE;

/// Off-frequencies (as multiples of the probed one) whose mean power is the noise reference.
const NOISE_PROBES: [f64; 3] = [0.5, 1.37, 2.1];

/// Power of `samples` at `hz` (Goertzel over a Hann window, normalised by the length so
/// windows of different lengths compare). Zero for an empty slice.
pub fn goertzel_power(samples: &[i16], hz: f64) -> f64 {
    let n = samples.len();
    if n == 0 {
        return 0.0;
    }
    let coeff = 2.0 * (TAU * hz / f64::from(CLOCK_RATE)).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for (i, &sample) in samples.iter().enumerate() {
        let window = 0.5 - 0.5 * (TAU * i as f64 / n as f64).cos();
        let s0 = f64::from(sample) * window + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n as f64 * n as f64)
}

/// Power at `hz` divided by the mean power at `hz` × 0.5, 1.37 and 2.1: well above 1
/// when the tone is present, around or below 1 when it is not.
pub fn dominant_tone_ratio(samples: &[i16], hz: f64) -> f64 {
    let noise = NOISE_PROBES.iter().map(|k| goertzel_power(samples, hz * k)).sum::<f64>() / NOISE_PROBES.len() as f64;
    goertzel_power(samples, hz) / noise.max(f64::MIN_POSITIVE)
}

/// Root mean square of `samples` (0 for an empty slice): how loud, whatever the frequency.
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / samples.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::Tone;

    #[test]
    fn finds_the_tone_and_only_it() {
        let samples = Tone::new(440.0, 8_000).next_frame(48_000);
        assert!(dominant_tone_ratio(&samples, 440.0) > 1e6);
        // A pure synthetic tone has no noise floor to compare with, so compare with the tone.
        assert!(goertzel_power(&samples, 1000.0) < 1e-6 * goertzel_power(&samples, 440.0));
    }

    #[test]
    fn silence_has_no_tone() {
        assert_eq!(goertzel_power(&[], 440.0), 0.0);
        assert_eq!(dominant_tone_ratio(&[0; 960], 440.0), 0.0);
        assert_eq!(rms(&[]), 0.0);
        assert_eq!(rms(&[0; 960]), 0.0);
        assert!((rms(&[3, -3, 3, -3]) - 3.0).abs() < 1e-9);
    }
}
