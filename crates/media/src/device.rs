//! Virtual audio devices for tests and headless runs: where a phone's microphone samples come
//! from ([`AudioSource`]) and where its speaker samples go ([`AudioSink`]).
//!
//! All audio here is 48 kHz mono signed 16-bit PCM, moved one frame at a time. Sources:
//! [`ToneSource`], [`SilenceSource`], [`WavSource`]. Sinks: [`CaptureSink`], [`WavSink`], [`NullSink`].
//! Nothing here resamples: a WAV file at another rate or sample format is refused.
//! The computer's own microphones and speakers are in [`crate::system_audio`].

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use hound::{SampleFormat, WavReader, WavSpec, WavWriter};

use crate::MediaError;
use crate::jitter::CLOCK_RATE;
use crate::tone::Tone;

/// Where microphone audio comes from.
pub trait AudioSource: Send {
    /// Fills `frame` with the next samples. Returns `Ok(false)` once the source is exhausted:
    /// the frame then holds whatever samples were left followed by silence (zeros), and every
    /// later call yields a frame of silence.
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError>;

    /// Whether this is a microphone in a room, which hears the speaker and the room's noise:
    /// only its audio goes through echo cancellation, noise suppression and gain control.
    /// Virtual sources (a tone, a file) are sent as they are.
    fn is_microphone(&self) -> bool {
        false
    }

    /// Nothing needs the source for now: a device closes its stream (and the system's
    /// microphone indicator goes off). Reading meanwhile gives silence.
    fn suspend(&mut self) {}

    /// Something needs the source again: a device reopens its stream.
    fn resume(&mut self) -> Result<(), MediaError> {
        Ok(())
    }
}

/// Where speaker audio goes.
pub trait AudioSink: Send {
    /// Consumes one frame of samples.
    fn write(&mut self, frame: &[i16]) -> Result<(), MediaError>;

    /// What the device played since the last call, as it played it (silence it had to play
    /// for want of samples included): the echo canceller's reference. `None` for sinks that
    /// play what is written the moment it is written, whose reference is the written frame.
    fn take_played(&mut self) -> Option<Vec<i16>> {
        None
    }

    /// Nothing needs the sink for now: a device closes its stream.
    fn suspend(&mut self) {}

    /// Something needs the sink again: a device reopens its stream.
    fn resume(&mut self) -> Result<(), MediaError> {
        Ok(())
    }
}

/// An endless sine tone.
#[derive(Debug, Clone)]
pub struct ToneSource(Tone);

impl ToneSource {
    /// A source playing `tone` forever.
    pub fn new(tone: Tone) -> Self {
        Self(tone)
    }
}

impl AudioSource for ToneSource {
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError> {
        frame.copy_from_slice(&self.0.next_frame(frame.len()));
        Ok(true)
    }
}

/// Endless silence.
#[derive(Debug, Clone, Copy, Default)]
pub struct SilenceSource;

impl AudioSource for SilenceSource {
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError> {
        frame.fill(0);
        Ok(true)
    }
}

/// The samples of a WAV file: 16-bit integer PCM at 48 kHz, mono or stereo (averaged to mono).
///
/// The whole file is decoded when opened, so a truncated or corrupt file fails there rather
/// than mid-call.
#[derive(Debug, Clone)]
pub struct WavSource {
    samples: Vec<i16>,
    position: usize,
}

impl WavSource {
    /// Opens and decodes the WAV file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, MediaError> {
        Self::from_reader(File::open(path).map_err(hound::Error::IoError)?)
    }

    /// Decodes a WAV file held in memory.
    pub fn from_bytes(bytes: impl AsRef<[u8]>) -> Result<Self, MediaError> {
        Self::from_reader(bytes.as_ref())
    }

    /// Decodes a WAV stream.
    pub fn from_reader(reader: impl Read) -> Result<Self, MediaError> {
        let mut reader = WavReader::new(reader)?;
        let spec = reader.spec();
        check_spec(spec)?;
        let interleaved = reader.samples::<i16>().collect::<Result<Vec<_>, _>>()?;
        let samples = match spec.channels {
            1 => interleaved,
            // The mean of two i16 always fits in an i16.
            _ => interleaved.chunks_exact(2).map(|lr| ((i32::from(lr[0]) + i32::from(lr[1])) / 2) as i16).collect(),
        };
        Ok(Self { samples, position: 0 })
    }

    /// The number of (mono) samples not yet read.
    pub fn remaining(&self) -> usize {
        self.samples.len() - self.position
    }
}

/// Refuses anything but 16-bit integer PCM, 1 or 2 channels, at 48 kHz.
fn check_spec(spec: WavSpec) -> Result<(), MediaError> {
    let format = match spec.sample_format {
        SampleFormat::Int => "integer",
        SampleFormat::Float => "float",
    };
    if spec.sample_format != SampleFormat::Int || spec.bits_per_sample != 16 {
        return Err(MediaError::UnsupportedWav(format!("{}-bit {format} samples; need 16-bit integer PCM", spec.bits_per_sample)));
    }
    if spec.sample_rate != CLOCK_RATE {
        return Err(MediaError::UnsupportedWav(format!("sample rate {} Hz; need {CLOCK_RATE} Hz (no resampling)", spec.sample_rate)));
    }
    if !(1..=2).contains(&spec.channels) {
        return Err(MediaError::UnsupportedWav(format!("{} channels; need mono or stereo", spec.channels)));
    }
    Ok(())
}

impl AudioSource for WavSource {
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError> {
        let n = frame.len().min(self.remaining());
        frame[..n].copy_from_slice(&self.samples[self.position..self.position + n]);
        frame[n..].fill(0);
        self.position += n;
        Ok(n == frame.len())
    }
}

/// Keeps everything written to it. Clones share the same buffer, so a test can keep a clone
/// and read what a phone played through the other.
#[derive(Debug, Clone, Default)]
pub struct CaptureSink(Arc<Mutex<Vec<i16>>>);

impl CaptureSink {
    /// An empty capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every sample written so far.
    pub fn samples(&self) -> Vec<i16> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl AudioSink for CaptureSink {
    fn write(&mut self, frame: &[i16]) -> Result<(), MediaError> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(frame);
        Ok(())
    }
}

/// Writes a 48 kHz mono 16-bit WAV file. Call [`WavSink::finish`] to complete the header and
/// see any error; dropping the sink finishes it too, ignoring errors.
pub struct WavSink {
    /// `None` only once finished.
    writer: Option<WavWriter<BufWriter<File>>>,
}

impl WavSink {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, MediaError> {
        let spec = WavSpec { channels: 1, sample_rate: CLOCK_RATE, bits_per_sample: 16, sample_format: SampleFormat::Int };
        Ok(Self { writer: Some(WavWriter::create(path, spec)?) })
    }

    /// Writes the final header and flushes the file.
    pub fn finish(mut self) -> Result<(), MediaError> {
        match self.writer.take() {
            Some(writer) => Ok(writer.finalize()?),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for WavSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSink").field("finished", &self.writer.is_none()).finish()
    }
}

impl AudioSink for WavSink {
    fn write(&mut self, frame: &[i16]) -> Result<(), MediaError> {
        let writer = self.writer.as_mut().expect("a WavSink is only finished by finish(self) or drop");
        for &sample in frame {
            writer.write_sample(sample)?;
        }
        Ok(())
    }
}

impl Drop for WavSink {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            let _ = writer.finalize();
        }
    }
}

/// Discards everything written to it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullSink;

impl AudioSink for NullSink {
    fn write(&mut self, _frame: &[i16]) -> Result<(), MediaError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
