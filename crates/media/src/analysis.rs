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

/// The RMS level of the sine at `hz` within `samples`, as [`rms`] would measure the sine
/// alone: a Hann-windowed bin holds a quarter of the amplitude, the RMS is amplitude / √2.
pub fn tone_rms(samples: &[i16], hz: f64) -> f64 {
    (goertzel_power(samples, hz) * 8.0).sqrt()
}

/// How loud `samples` are besides the sine at `hz`: the RMS of what is left after a notch
/// about 300 Hz wide at `hz`. A notch, rather than the tone's power taken from the total,
/// also removes the tone when its level varies (as a suppressor's gain makes it).
pub fn rms_besides_tone(samples: &[i16], hz: f64) -> f64 {
    // The notch's poles sit at radius R: the closer to 1, the narrower the notch.
    const R: f64 = 0.98;
    let cos = (TAU * hz / f64::from(CLOCK_RATE)).cos();
    let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
    let notched: Vec<f64> = samples
        .iter()
        .map(|&sample| {
            let x = f64::from(sample);
            let y = x - 2.0 * cos * x1 + x2 + 2.0 * R * cos * y1 - R * R * y2;
            (x2, x1, y2, y1) = (x1, x, y1, y);
            y
        })
        .collect();
    // The notch settles within a few hundred samples: measure after that.
    let settled = &notched[notched.len().min(500)..];
    if settled.is_empty() {
        return 0.0;
    }
    (settled.iter().map(|y| y * y).sum::<f64>() / settled.len() as f64).sqrt()
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
    fn measures_a_tone_apart_from_the_rest() {
        let mut samples = Tone::new(1000.0, 8_000).next_frame(48_000);
        assert!((tone_rms(&samples, 1000.0) - rms(&samples)).abs() < 0.01 * rms(&samples));
        assert!(rms_besides_tone(&samples, 1000.0) < 0.01 * rms(&samples));
        for (sample, other) in samples.iter_mut().zip(Tone::new(300.0, 800).next_frame(48_000)) {
            *sample += other;
        }
        let rest = rms_besides_tone(&samples, 1000.0);
        assert!((rest - 800.0 / 2f64.sqrt()).abs() < 10.0, "{rest}");
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
