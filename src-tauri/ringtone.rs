//! The ringtone: while a call rings here (and do not disturb is off), a double ring
//! plays through the ringtone device, at the volume chosen; it stops the moment nothing
//! rings. Its own output stream, so it can ring on a loudspeaker while calls use a
//! headset.

use restphone_media::device::AudioSink;
use restphone_media::tone::Tone;
use restphone_phone::Snapshot;
use restphone_phone::core::appearance::AppearanceState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::audio::{self, FRAME, FramePace};

/// The double ring of many phones: ring 0.4 s, pause 0.2 s, ring 0.4 s, pause 2 s.
const CADENCE_MS: [(u64, bool); 4] = [(400, true), (200, false), (400, true), (2_000, false)];
/// The two tones of the ring, mixed.
const RING_HZ: [f64; 2] = [440.0, 480.0];
/// The peak of each tone at full volume.
const FULL_VOLUME_PEAK: f64 = 8_000.0;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RingtoneSettings {
    pub enabled: bool,
    /// 0 to 100.
    pub volume: u8,
    /// The output it rings on; `None`: the computer's default.
    pub device: Option<String>,
}

impl Default for RingtoneSettings {
    fn default() -> Self {
        Self { enabled: true, volume: 80, device: None }
    }
}

/// Whether the ring sounds `ms` into the cadence.
fn ringing_at(ms: u64) -> bool {
    let cycle: u64 = CADENCE_MS.iter().map(|(length, _)| length).sum();
    let mut at = ms % cycle;
    for (length, on) in CADENCE_MS {
        if at < length {
            return on;
        }
        at -= length;
    }
    false
}

/// Whether something rings on this device now.
fn rings_here(snapshot: &Snapshot) -> bool {
    !snapshot.do_not_disturb && snapshot.calls.iter().any(|call| call.state == AppearanceState::Ringing)
}

/// Follows the snapshots: rings while a call rings, with the settings as they are when it
/// starts. Ends when the phone stops.
pub fn follow(mut snapshots: watch::Receiver<Snapshot>, settings: watch::Receiver<RingtoneSettings>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut bell: Option<Bell> = None;
        loop {
            let rings = rings_here(&snapshots.borrow_and_update());
            let wanted = settings.borrow().clone();
            match (rings && wanted.enabled, &bell) {
                (true, None) => bell = Some(Bell::ring(wanted)),
                (false, Some(_)) => bell = None,
                _ => {}
            }
            if snapshots.changed().await.is_err() {
                return;
            }
        }
    })
}

/// A ring playing on a thread of its own (a device is written in real time); dropping
/// it stops the ring.
struct Bell {
    stop: Arc<AtomicBool>,
}

impl Bell {
    fn ring(settings: RingtoneSettings) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || match audio::open_output(settings.device.as_deref()) {
            Ok(mut output) => play_until(output.as_mut(), &settings, &stopped),
            Err(error) => tracing::warn!(%error, "the ringtone cannot ring"),
        });
        Self { stop }
    }
}

impl Drop for Bell {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn play_until(output: &mut dyn AudioSink, settings: &RingtoneSettings, stop: &AtomicBool) {
    let peak = FULL_VOLUME_PEAK * f64::from(settings.volume.min(100)) / 100.0;
    let mut tones = RING_HZ.map(|hz| Tone::new(hz, peak as i16));
    write_in_real_time(output, |frame| {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        if !ringing_at(u64::from(frame) * 20) {
            return Some(vec![0; FRAME]);
        }
        let [low, high] = tones.each_mut().map(|tone| tone.next_frame(FRAME));
        Some(low.iter().zip(&high).map(|(a, b)| a.saturating_add(*b)).collect())
    });
}

/// Writes what `next` gives for frame 0, 1, ... at the pace the device plays, until it
/// gives nothing (so stopping takes effect within a frame).
fn write_in_real_time(output: &mut dyn AudioSink, mut next: impl FnMut(u32) -> Option<Vec<i16>>) {
    if let Err(error) = output.resume() {
        tracing::warn!(%error, "the output device did not start");
    }
    let mut pace = FramePace::start();
    while let Some(frame) = next(pace.frames()) {
        if let Err(error) = output.write(&frame) {
            tracing::warn!(%error, "the output device stopped");
            return;
        }
        pace.next();
    }
}

/// A second of a 660 Hz tone through `device` (the speaker chosen), so the user hears
/// whether it is the right one. Blocks while it plays.
pub fn play_test_sound(device: Option<&str>) -> Result<(), crate::error::AppError> {
    let mut output = audio::open_output(device)?;
    let mut tone = Tone::new(660.0, (FULL_VOLUME_PEAK * 0.8) as i16);
    write_in_real_time(output.as_mut(), |frame| (frame < 50).then(|| tone.next_frame(FRAME)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_is_a_double_ring_every_three_seconds() {
        let on: Vec<bool> = [0, 399, 400, 599, 600, 999, 1_000, 2_999, 3_000].into_iter().map(ringing_at).collect();
        assert_eq!(on, [true, true, false, false, true, true, false, false, true]);
    }
}
