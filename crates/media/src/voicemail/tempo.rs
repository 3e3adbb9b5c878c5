//! Voicemail played faster with the pitch kept, as podcast players do: the `wsola`
//! crate's time stretch (waveform-similarity overlap-add, good on speech) between the
//! message reader and the output device. At 1× frames pass through untouched.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use wsola::TimeStretch;

use super::reader::MessageReader;
use super::source::RangeSource;
use crate::MediaError;
use crate::jitter::CLOCK_RATE;

/// How fast a message plays: 1×, 1.5× or 2×. In JSON, the number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "1 | 1.5 | 2"))]
#[serde(try_from = "f32", into = "f32")]
pub enum PlaybackSpeed {
    #[default]
    Normal,
    OneAndAHalf,
    Double,
}

impl TryFrom<f32> for PlaybackSpeed {
    type Error = String;

    fn try_from(speed: f32) -> Result<Self, String> {
        [Self::Normal, Self::OneAndAHalf, Self::Double]
            .into_iter()
            .find(|known| f32::from(*known) == speed)
            .ok_or_else(|| format!("{speed} is not a playback speed: 1, 1.5 or 2"))
    }
}

impl From<PlaybackSpeed> for f32 {
    fn from(speed: PlaybackSpeed) -> Self {
        match speed {
            PlaybackSpeed::Normal => 1.0,
            PlaybackSpeed::OneAndAHalf => 1.5,
            PlaybackSpeed::Double => 2.0,
        }
    }
}

/// Reads a message at a speed.
pub(super) struct Tempo {
    speed: PlaybackSpeed,
    stretch: TimeStretch,
    /// Stretched samples not played yet.
    output: VecDeque<f32>,
    /// The reader ended and the stretch gave up what it held.
    drained: bool,
    input: Vec<i16>,
}

impl Tempo {
    pub(super) fn new(frame_samples: usize) -> Self {
        let stretch = TimeStretch::new(CLOCK_RATE, 1).expect("48 kHz mono is a valid stretch");
        Self { speed: PlaybackSpeed::Normal, stretch, output: VecDeque::new(), drained: false, input: vec![0; frame_samples] }
    }

    pub(super) fn speed(&self) -> PlaybackSpeed {
        self.speed
    }

    /// Changes the speed from the next frame on.
    pub(super) fn set_speed(&mut self, speed: PlaybackSpeed) {
        self.speed = speed;
        self.stretch.set_tempo(speed.into());
        if speed == PlaybackSpeed::Normal {
            // What the stretch still holds (tens of milliseconds) is dropped rather than
            // played out of order with the frames that now pass through.
            self.reset();
        }
    }

    /// Forgets what was read before a seek.
    pub(super) fn reset(&mut self) {
        self.stretch.reset();
        self.output.clear();
        self.drained = false;
    }

    /// Samples read from the message but not played yet: the reader's position is
    /// this far ahead of what the listener hears.
    pub(super) fn lag(&self) -> u64 {
        let queued = self.output.len() as f32 * f32::from(self.speed);
        (self.stretch.buffered() as u64).saturating_add(queued as u64)
    }

    /// Fills `frame` with the next samples at the speed and says how many are real:
    /// fewer at the end (the rest is silence), 0 once the message is over.
    pub(super) async fn read<S: RangeSource>(&mut self, reader: &mut MessageReader<S>, frame: &mut [i16]) -> Result<usize, MediaError> {
        if self.speed == PlaybackSpeed::Normal {
            return reader.read(frame).await;
        }
        while self.output.len() < frame.len() && !self.drained {
            let read = reader.read(&mut self.input).await?;
            if read == 0 {
                self.output.extend(self.stretch.flush());
                self.drained = true;
            } else {
                let samples: Vec<f32> = self.input[..read].iter().map(|s| f32::from(*s) / 32_768.0).collect();
                self.stretch.push(&samples);
                self.output.extend(self.stretch.pull(usize::MAX));
            }
        }
        let real = frame.len().min(self.output.len());
        for (slot, sample) in frame.iter_mut().zip(self.output.drain(..real).chain(std::iter::repeat(0.0))) {
            *slot = (sample * 32_768.0).clamp(-32_768.0, 32_767.0) as i16;
        }
        Ok(real)
    }
}
