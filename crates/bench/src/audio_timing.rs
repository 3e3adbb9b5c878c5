//! Virtual audio devices that keep time, for measuring audio paths: a source that sends a
//! short tone burst now and then and notes when each would have entered a microphone, and
//! a sink that notes when each frame it is given starts playing.
//!
//! Times are those of a real device without extra buffering: a frame read at `t` was
//! captured over the frame before `t`; a frame written at `t` plays from `t` on.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use restphone_media::MediaError;
use restphone_media::device::{AudioSink, AudioSource};

const RATE: f64 = 48_000.0;
/// The burst: 5 ms of 2 kHz under a Hann window, easy to find by correlation.
const BURST_SAMPLES: usize = 240;
const BURST_HZ: f64 = 2_000.0;

fn burst() -> Vec<f64> {
    (0..BURST_SAMPLES)
        .map(|i| {
            let window = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / BURST_SAMPLES as f64).cos();
            window * (std::f64::consts::TAU * BURST_HZ * i as f64 / RATE).sin()
        })
        .collect()
}

fn sample_time(samples: usize) -> Duration {
    Duration::from_secs_f64(samples as f64 / RATE)
}

/// Sends a burst every `period_samples` (pick a period that is not a multiple of the frame,
/// so bursts fall at every position within a frame), silence between them.
#[derive(Clone)]
pub struct BurstSource {
    burst: Vec<f64>,
    period_samples: usize,
    read: usize,
    sent_at: Arc<Mutex<Vec<Instant>>>,
}

impl BurstSource {
    pub fn new(period_samples: usize) -> Self {
        Self { burst: burst(), period_samples, read: 0, sent_at: Arc::default() }
    }

    /// When each burst so far entered the microphone.
    pub fn sent_at(&self) -> Vec<Instant> {
        self.sent_at.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl AudioSource for BurstSource {
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError> {
        let now = Instant::now();
        let len = frame.len();
        for (offset, slot) in frame.iter_mut().enumerate() {
            let position = (self.read + offset) % self.period_samples;
            *slot = self.burst.get(position).map_or(0, |value| (value * 16_000.0) as i16);
            if position == 0 {
                let captured = now - sample_time(len - offset);
                self.sent_at.lock().unwrap_or_else(PoisonError::into_inner).push(captured);
            }
        }
        self.read += len;
        Ok(true)
    }
}

/// A frame and the moment it started playing.
type TimedFrame = (Instant, Vec<i16>);

/// Keeps every frame played with the moment it started playing.
#[derive(Clone, Default)]
pub struct TimedSink(Arc<Mutex<Vec<TimedFrame>>>);

impl AudioSink for TimedSink {
    fn write(&mut self, frame: &[i16]) -> Result<(), MediaError> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push((Instant::now(), frame.to_vec()));
        Ok(())
    }
}

impl TimedSink {
    fn frames(&self) -> Vec<TimedFrame> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// When the first frame louder than `rms` started playing, at or after `from`.
    pub fn first_sound(&self, from: Instant, rms: f64) -> Option<Instant> {
        self.frames().into_iter().find(|(at, frame)| *at >= from && loudness(frame) > rms).map(|(at, _)| at)
    }

    /// When the last frame louder than `rms` finished playing.
    pub fn last_sound(&self, rms: f64) -> Option<Instant> {
        self.frames().into_iter().rev().find(|(_, frame)| loudness(frame) > rms).map(|(at, frame)| at + sample_time(frame.len()))
    }

    /// For each burst sent at `sent_at`, how long until it played here: the best match of
    /// the burst (by cross-correlation) within `search` after it was sent. Bursts not
    /// found (played after the recording ended, or lost) are left out.
    pub fn burst_delays(&self, sent_at: &[Instant], search: Duration) -> Vec<Duration> {
        let frames = self.frames();
        let Some(&(start, _)) = frames.first() else { return Vec::new() };
        // One timeline: each frame's samples at the moment its frame started, plus their offset.
        let mut samples = Vec::new();
        let mut times = Vec::new();
        for (at, frame) in &frames {
            times.extend((0..frame.len()).map(|i| *at + sample_time(i)));
            samples.extend(frame.iter().map(|&s| f64::from(s)));
        }
        let template = burst();
        let energy: f64 = template.iter().map(|v| v * v).sum();
        sent_at
            .iter()
            .filter(|&&sent| sent >= start)
            .filter_map(|&sent| {
                let first = times.partition_point(|&t| t < sent);
                let last = times.partition_point(|&t| t < sent + search).min(samples.len().saturating_sub(template.len()));
                let (best, score) =
                    (first..last).map(|i| (i, template.iter().zip(&samples[i..]).map(|(a, b)| a * b).sum::<f64>())).max_by(|a, b| a.1.total_cmp(&b.1))?;
                // A match must carry at least a tenth of the burst's amplitude.
                (score > 0.1 * 16_000.0 * energy).then(|| times[best] - sent)
            })
            .collect()
    }
}

fn loudness(frame: &[i16]) -> f64 {
    (frame.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / frame.len().max(1) as f64).sqrt()
}
