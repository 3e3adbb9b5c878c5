//! A virtual room: what a speaker plays reaches the microphone after a delay, at a gain,
//! with the room's noise and the near-end talker added. Echo cancellation is tested and
//! measured through it faster than real time.

use std::collections::VecDeque;

/// The acoustic path from a speaker to a microphone.
#[derive(Debug, Clone)]
pub struct EchoPath {
    /// Played samples on their way to the microphone.
    line: VecDeque<i16>,
    gain: f64,
    noise_amplitude: f64,
    rng: u64,
}

impl EchoPath {
    /// A path of `delay_samples`, `gain_db` (0 dB: the echo as loud as what was played), with
    /// white noise of peak `noise_amplitude` added at the microphone.
    pub fn new(delay_samples: usize, gain_db: f64, noise_amplitude: i16) -> Self {
        Self { line: VecDeque::from(vec![0; delay_samples]), gain: 10f64.powf(gain_db / 20.0), noise_amplitude: f64::from(noise_amplitude), rng: 0x9e37_79b9 }
    }

    /// Lengthens or shortens the delay from now on, as when a device is switched.
    pub fn set_delay(&mut self, delay_samples: usize) {
        self.line.resize(delay_samples, 0);
    }

    /// What the microphone hears while the speaker plays `played` and the near end says
    /// `near` (as many samples as `played`): the echo alone is returned second.
    pub fn pass(&mut self, played: &[i16], near: &[i16]) -> (Vec<i16>, Vec<i16>) {
        let mut microphone = Vec::with_capacity(played.len());
        let mut echo = Vec::with_capacity(played.len());
        for (&sample, &voice) in played.iter().zip(near) {
            self.line.push_back(sample);
            let delayed = f64::from(self.line.pop_front().unwrap_or(0)) * self.gain;
            let noise = self.noise();
            echo.push(clamp(delayed));
            microphone.push(clamp(delayed + noise + f64::from(voice)));
        }
        (microphone, echo)
    }

    fn noise(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng as f64 / u64::MAX as f64 * 2.0 - 1.0) * self.noise_amplitude
    }
}

fn clamp(sample: f64) -> i16 {
    sample.round().clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_and_scales_what_was_played() {
        let mut path = EchoPath::new(3, -6.0206, 0);
        let (microphone, echo) = path.pass(&[1000, 2000, 3000, 4000, 5000], &[0, 0, 0, 0, 1]);
        assert_eq!(echo, vec![0, 0, 0, 500, 1000]);
        assert_eq!(microphone, vec![0, 0, 0, 500, 1001]);
    }
}
