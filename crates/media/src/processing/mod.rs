//! Microphone processing: acoustic echo cancellation (AEC3), noise suppression and
//! automatic gain control, from sonora, a maintained pure-Rust port of WebRTC's audio
//! processing module. The README says why sonora and what it measured.
//!
//! One [`AudioProcessor`] per device pair: what the speaker plays is handed to
//! [`AudioProcessor::render`] at the playout point (the canceller's reference), what the
//! microphone captured goes through [`AudioProcessor::capture`] before it is encoded.
//! Frames of 10 or 20 ms are cut into the 10 ms chunks the processor works on.

mod echo_path;
pub mod room;
mod room_devices;

pub use echo_path::EchoPath;
pub use room_devices::{RoomMicrophone, RoomSpeaker, room_devices};
use sonora::config::{AdaptiveDigital, EchoCanceller, GainController2, NoiseSuppression};
use sonora::{AudioProcessing, Config, StreamConfig};

use crate::jitter::CLOCK_RATE;

/// Samples in the 10 ms chunks the processor works on.
const CHUNK: usize = CLOCK_RATE as usize / 100;
/// The canceller's linear filter reducing the echo by this much means it has found the echo
/// path (its estimate read 23–33 dB once it had, in every test here).
const CONVERGED_ERLE_DB: f32 = 10.0;

/// Which parts of the microphone processing run. All on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessingConfig {
    pub echo_cancel: bool,
    pub noise_suppression: bool,
    pub gain_control: bool,
}

impl Default for ProcessingConfig {
    fn default() -> Self {
        Self { echo_cancel: true, noise_suppression: true, gain_control: true }
    }
}

impl ProcessingConfig {
    /// Nothing runs: the microphone is sent as captured.
    pub const OFF: Self = Self { echo_cancel: false, noise_suppression: false, gain_control: false };

    fn any(self) -> bool {
        self.echo_cancel || self.noise_suppression || self.gain_control
    }

    fn to_sonora(self) -> Config {
        Config {
            echo_canceller: self.echo_cancel.then(EchoCanceller::default),
            noise_suppression: self.noise_suppression.then(NoiseSuppression::default),
            gain_controller2: self.gain_control.then(gain_control),
            ..Config::default()
        }
    }
}

/// AGC2's adaptive digital gain, which raises a quiet talker towards a steady level. It
/// starts at 0 dB rather than sonora's 15 dB, so a microphone that is loud enough is not
/// made louder while the level is learnt. It adapts only while its voice detector hears speech.
fn gain_control() -> GainController2 {
    GainController2 { adaptive_digital: Some(AdaptiveDigital { initial_gain_db: 0.0, ..AdaptiveDigital::default() }), ..GainController2::default() }
}

/// How well the echo canceller is doing.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EchoStats {
    /// Echo return loss enhancement: how much quieter the canceller's linear filter makes
    /// the echo, in dB (the suppressor after it takes the rest away).
    pub erle_db: f32,
    /// Whether the canceller has found the echo path: an ERLE of at least 10 dB. A headset,
    /// with no echo to find, stays unconverged, which is harmless.
    pub converged: bool,
}

/// The processing of one microphone, with what its speaker plays as the echo reference.
pub struct AudioProcessor {
    config: ProcessingConfig,
    /// `None` when every part is off: nothing is computed at all.
    apm: Option<AudioProcessing>,
    /// The output of the chunk being processed (the processor does not work in place).
    scratch: Vec<i16>,
    /// Played samples short of a whole chunk, waiting for the next ones.
    render_pending: Vec<i16>,
}

impl AudioProcessor {
    pub fn new(config: ProcessingConfig) -> Self {
        let apm = config.any().then(|| {
            let stream = StreamConfig::new(CLOCK_RATE, 1);
            AudioProcessing::builder().config(config.to_sonora()).capture_config(stream).render_config(stream).build()
        });
        Self { config, apm, scratch: vec![0; CHUNK], render_pending: Vec::with_capacity(CHUNK * 4) }
    }

    pub fn config(&self) -> ProcessingConfig {
        self.config
    }

    /// Tells the echo canceller what the speaker played, any number of samples at a time.
    /// A no-op without it.
    pub fn render(&mut self, played: &[i16]) {
        let Some(apm) = self.apm.as_mut().filter(|_| self.config.echo_cancel) else { return };
        self.render_pending.extend_from_slice(played);
        let whole = self.render_pending.len() / CHUNK * CHUNK;
        for chunk in self.render_pending[..whole].chunks_exact(CHUNK) {
            if let Err(error) = apm.process_render_i16(chunk, &mut self.scratch) {
                tracing::debug!(%error, "a render chunk was not analysed");
            }
        }
        self.render_pending.drain(..whole);
    }

    /// Processes what the microphone captured, in place.
    pub fn capture(&mut self, frame: &mut [i16]) {
        let Some(apm) = self.apm.as_mut() else { return };
        for chunk in frame.chunks_exact_mut(CHUNK) {
            match apm.process_capture_i16(chunk, &mut self.scratch) {
                Ok(()) => chunk.copy_from_slice(&self.scratch),
                Err(error) => tracing::debug!(%error, "a capture chunk was sent unprocessed"),
            }
        }
    }

    /// The canceller's figures, once it has measured any.
    pub fn echo_stats(&self) -> Option<EchoStats> {
        let stats = self.apm.as_ref().filter(|_| self.config.echo_cancel)?.statistics();
        let erle_db = stats.echo_return_loss_enhancement? as f32;
        Some(EchoStats { erle_db, converged: erle_db >= CONVERGED_ERLE_DB })
    }
}

impl std::fmt::Debug for AudioProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioProcessor").field("config", &self.config).finish()
    }
}
