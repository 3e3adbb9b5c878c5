//! The microphone level meter in Settings: while the window keeps asking for the level
//! (every few hundred milliseconds), a thread reads the chosen microphone and keeps the
//! level of its last 100 ms; a second without a question and it closes the microphone.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use restphone_media::analysis::rms;

use crate::audio::{self, FRAME, FramePace};
use crate::error::AppError;

/// The level is that of this many frames: 100 ms.
const FRAMES_PER_LEVEL: usize = 5;
/// The microphone closes when nobody asked for the level for this long.
const IDLE: Duration = Duration::from_secs(1);
/// What silence reads as, in dBFS.
pub const SILENCE_DBFS: f32 = -96.0;

#[derive(Default)]
pub struct Meter {
    running: Mutex<Option<Arc<Reading>>>,
}

/// What the thread shares with the questions.
struct Reading {
    /// The last level, as f32 bits (dBFS).
    level: AtomicU32,
    asked_at: Mutex<Instant>,
    stopped: AtomicBool,
}

impl Meter {
    /// The level of the chosen microphone (`input`, `None`: the default) over the last
    /// 100 ms, in dBFS; opens the microphone on the first question.
    pub fn level(&self, input: Option<String>) -> Result<f32, AppError> {
        let mut running = self.running.lock().expect("meter lock");
        if let Some(reading) = running.as_ref().filter(|reading| !reading.stopped.load(Ordering::Relaxed)) {
            *reading.asked_at.lock().expect("meter lock") = Instant::now();
            return Ok(f32::from_bits(reading.level.load(Ordering::Relaxed)));
        }
        let mut microphone = audio::open_input(input.as_deref())?;
        let reading =
            Arc::new(Reading { level: AtomicU32::new(SILENCE_DBFS.to_bits()), asked_at: Mutex::new(Instant::now()), stopped: AtomicBool::new(false) });
        let shared = reading.clone();
        std::thread::spawn(move || {
            if let Err(error) = microphone.resume() {
                tracing::warn!(%error, "the microphone did not start for the level meter");
            }
            let mut pace = FramePace::start();
            let mut recent = Vec::with_capacity(FRAME * FRAMES_PER_LEVEL);
            let mut frame = vec![0; FRAME];
            loop {
                if shared.asked_at.lock().expect("meter lock").elapsed() > IDLE || microphone.read(&mut frame).is_err() {
                    break;
                }
                recent.extend_from_slice(&frame);
                if recent.len() >= FRAME * FRAMES_PER_LEVEL {
                    shared.level.store(dbfs(&recent).to_bits(), Ordering::Relaxed);
                    recent.clear();
                }
                pace.next();
            }
            shared.stopped.store(true, Ordering::Relaxed);
        });
        *running = Some(reading);
        Ok(SILENCE_DBFS)
    }
}

/// RMS relative to full scale, in dB; silence reads as `SILENCE_DBFS`.
fn dbfs(samples: &[i16]) -> f32 {
    let level = rms(samples) / f64::from(i16::MAX);
    if level <= 0.0 { SILENCE_DBFS } else { (20.0 * level.log10()).max(f64::from(SILENCE_DBFS)) as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_in_dbfs() {
        assert_eq!(dbfs(&[0; 480]), SILENCE_DBFS);
        let full: Vec<i16> = (0..480).map(|i| if i % 2 == 0 { i16::MAX } else { -i16::MAX }).collect();
        assert!(dbfs(&full).abs() < 0.01);
        let tenth: Vec<i16> = full.iter().map(|s| s / 10).collect();
        assert!((dbfs(&tenth) + 20.0).abs() < 0.1);
    }
}
