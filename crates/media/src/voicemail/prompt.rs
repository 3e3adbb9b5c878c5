//! What a caller hears before recording a message: the callee's greeting (or the
//! default one) and a beep.

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::FRAME;
use super::file::decode_ogg_opus;
use crate::MediaError;
use crate::call::AudioDevices;
use crate::tone::Tone;

/// The greeting of someone who has not recorded their own (spoken by espeak-ng:
/// scripts/make-greeting.sh).
pub const DEFAULT_GREETING: &[u8] = include_bytes!("../../assets/default-greeting.opus");
/// The beep that says recording starts: 1 kHz for 400 ms.
const BEEP_HZ: f64 = 1000.0;
const BEEP_MS: usize = 400;
const BEEP_AMPLITUDE: i16 = 8_000;

/// Plays `greeting` (an Ogg Opus file; the default greeting when `None` or when it
/// cannot be decoded) and the beep through `devices`' output, in real time, until
/// done or `stop` turns true.
pub async fn play_prompt(devices: AudioDevices, greeting: Option<Vec<u8>>, mut stop: watch::Receiver<bool>) -> Result<(), MediaError> {
    let _in_use = devices.use_devices_async().await?;
    let mut pcm = match greeting.as_deref().map(decode_ogg_opus) {
        Some(Ok(pcm)) => pcm,
        Some(Err(error)) => {
            tracing::warn!(%error, "the greeting cannot be decoded; playing the default");
            decode_ogg_opus(DEFAULT_GREETING)?
        }
        None => decode_ogg_opus(DEFAULT_GREETING)?,
    };
    pcm.extend(Tone::new(BEEP_HZ, BEEP_AMPLITUDE).next_frame(BEEP_MS * 48));
    let mut ticks = tokio::time::interval(FRAME.duration());
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut frame = vec![0; FRAME.samples()];
    for chunk in pcm.chunks(FRAME.samples()) {
        tokio::select! {
            _ = ticks.tick() => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
        if *stop.borrow() {
            break;
        }
        frame[..chunk.len()].copy_from_slice(chunk);
        frame[chunk.len()..].fill(0);
        devices.write(&frame)?;
    }
    Ok(())
}
