//! Recording from the microphone as the caller speaks, one 20 ms frame per tick.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::file::OggOpusRecorder;
use super::{FRAME, REPORT_EVERY_FRAMES};
use crate::MediaError;
use crate::call::AudioDevices;

/// Records `devices`' input into an Ogg Opus file until `stop` turns true, `limit`
/// is reached or the input runs out (a file played as the microphone), calling
/// `progress` with the length recorded so far every 100 ms and at the end.
pub async fn record_live(
    devices: AudioDevices,
    limit: Duration,
    mut stop: watch::Receiver<bool>,
    mut progress: impl FnMut(Duration) + Send,
) -> Result<Vec<u8>, MediaError> {
    // The microphone (and the speaker, the echo canceller's reference) run while recording.
    let _in_use = devices.use_devices_async().await?;
    let mut recorder = OggOpusRecorder::new()?;
    let mut frame = vec![0; FRAME.samples()];
    let mut ticks = tokio::time::interval(FRAME.duration());
    // Late ticks catch up, so the recording keeps pace with the microphone.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut frames: u32 = 0;
    while !*stop.borrow_and_update() && recorder.recorded() < limit {
        tokio::select! {
            _ = ticks.tick() => {}
            // A dropped sender stops the recording too.
            changed = stop.changed() => if changed.is_ok() { continue } else { break },
        }
        let more = devices.read(&mut frame)?;
        recorder.push(&frame)?;
        frames += 1;
        if frames.is_multiple_of(REPORT_EVERY_FRAMES) {
            progress(recorder.recorded());
        }
        if !more {
            break;
        }
    }
    progress(recorder.recorded());
    Ok(recorder.finish())
}
