//! A device in a virtual room, run faster than real time: a far-end talker is played, its
//! echo comes back into the microphone through an [`EchoPath`], and the microphone's audio
//! goes through an [`AudioProcessor`], a frame at a time as in a call. Tests and the media
//! benchmark measure echo cancellation with it.

use super::{AudioProcessor, EchoPath, ProcessingConfig};
use crate::analysis::rms;
use crate::jitter::CLOCK_RATE;
use crate::speech_like::SpeechLike;

/// Figures are taken over windows of this many samples (half a second).
pub const WINDOW: usize = CLOCK_RATE as usize / 2;
/// The echo reduction the canceller must reach.
pub const TARGET_ERLE_DB: f64 = 30.0;

/// Samples in `ms` milliseconds.
pub const fn samples_in_ms(ms: usize) -> usize {
    CLOCK_RATE as usize * ms / 1000
}

/// One device in the room: its processor, the echo path, and the far end's talker.
pub struct Room {
    pub processor: AudioProcessor,
    pub path: EchoPath,
    far: SpeechLike,
    /// While false the far end is silent: nothing is played.
    pub far_end_talks: bool,
    frame: usize,
}

/// Half a second of the room: the echo that reached the microphone, and what was sent.
pub struct Window {
    pub echo: Vec<i16>,
    pub sent: Vec<i16>,
}

impl Window {
    /// How far the echo was brought down, in dB (meaningful while the near end is silent).
    pub fn erle_db(&self) -> f64 {
        20.0 * (rms(&self.echo) / rms(&self.sent).max(1e-3)).log10()
    }
}

/// How a run of far-end talk went.
#[derive(Debug, Clone, Copy)]
pub struct Convergence {
    /// When the echo fell [`TARGET_ERLE_DB`] and stayed there, in seconds; `None` if it never did.
    pub converged_after: Option<f64>,
    /// The echo reduction over the last window.
    pub final_erle_db: f64,
}

impl Room {
    /// A room whose echo path has `delay_ms` and `gain_db`, with a little noise (about
    /// -70 dBFS), processed as `config` says, in frames of `frame_ms`.
    pub fn new(config: ProcessingConfig, delay_ms: usize, gain_db: f64, frame_ms: usize) -> Self {
        Self {
            processor: AudioProcessor::new(config),
            path: EchoPath::new(samples_in_ms(delay_ms), gain_db, 10),
            far: SpeechLike::new(11, 9_000),
            far_end_talks: true,
            frame: samples_in_ms(frame_ms),
        }
    }

    /// Half a second with the near end saying what `near` gives (a frame at a time): each
    /// frame is played, then the microphone's frame is processed.
    pub fn window(&mut self, near: &mut dyn FnMut(usize) -> Vec<i16>) -> Window {
        let mut window = Window { echo: Vec::with_capacity(WINDOW), sent: Vec::with_capacity(WINDOW) };
        for _ in 0..WINDOW / self.frame {
            let mut played = self.far.next_frame(self.frame);
            if !self.far_end_talks {
                played.fill(0);
            }
            self.processor.render(&played);
            let (mut microphone, echo) = self.path.pass(&played, &near(self.frame));
            self.processor.capture(&mut microphone);
            window.echo.extend(echo);
            window.sent.extend(microphone);
        }
        window
    }

    /// Half a second of the far end talking alone.
    pub fn far_end_alone(&mut self) -> Window {
        self.window(&mut |samples| vec![0; samples])
    }

    /// Runs `seconds` of far-end talk alone.
    pub fn converge(&mut self, seconds: usize) -> Convergence {
        let erle: Vec<f64> = (0..seconds * 2).map(|_| self.far_end_alone().erle_db()).collect();
        let settled = erle.iter().rposition(|&db| db < TARGET_ERLE_DB).map_or(0, |last_short| last_short + 1);
        let converged_after = (settled < erle.len()).then(|| settled as f64 * WINDOW as f64 / f64::from(CLOCK_RATE));
        Convergence { converged_after, final_erle_db: erle.last().copied().unwrap_or(0.0) }
    }
}
