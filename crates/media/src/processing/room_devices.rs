//! A virtual room as live devices, for calls in tests: what the [`RoomSpeaker`] plays
//! reaches the [`RoomMicrophone`] through an [`EchoPath`], with the near end's own voice.
//! The microphone counts as a microphone, so its audio is processed as a real one's is.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use super::EchoPath;
use crate::MediaError;
use crate::device::{AudioSink, AudioSource};
use crate::jitter::CLOCK_RATE;

/// What the microphone keeps queued before it starts handing audio out, so the speaker's
/// and the microphone's clocks (each call's frame timer) can wobble by a frame without the
/// microphone running short.
const CUSHION: usize = CLOCK_RATE as usize * 40 / 1000;

struct Shared {
    path: EchoPath,
    near: Box<dyn AudioSource>,
    /// What the microphone heard, not yet read.
    heard: VecDeque<i16>,
    /// The microphone waits for its cushion.
    filling: bool,
}

/// The speaker of a virtual room.
pub struct RoomSpeaker(Arc<Mutex<Shared>>);

/// The microphone of a virtual room.
pub struct RoomMicrophone(Arc<Mutex<Shared>>);

/// A room whose speaker reaches its microphone through `path`, where `near` talks too.
pub fn room_devices(path: EchoPath, near: Box<dyn AudioSource>) -> (RoomMicrophone, RoomSpeaker) {
    let shared = Arc::new(Mutex::new(Shared { path, near, heard: VecDeque::new(), filling: true }));
    (RoomMicrophone(Arc::clone(&shared)), RoomSpeaker(shared))
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AudioSink for RoomSpeaker {
    /// Plays `frame` into the room: the microphone hears it (and the near end) from now on.
    fn write(&mut self, frame: &[i16]) -> Result<(), MediaError> {
        let mut shared = lock(&self.0);
        let mut near = vec![0; frame.len()];
        shared.near.read(&mut near)?;
        let (microphone, _) = shared.path.pass(frame, &near);
        shared.heard.extend(microphone);
        Ok(())
    }
}

impl AudioSource for RoomMicrophone {
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError> {
        let mut shared = lock(&self.0);
        if shared.heard.len() >= CUSHION {
            shared.filling = false;
        }
        let available = if shared.filling { 0 } else { frame.len().min(shared.heard.len()) };
        shared.filling = available < frame.len();
        for (slot, sample) in frame.iter_mut().zip(shared.heard.drain(..available).chain(std::iter::repeat(0))) {
            *slot = sample;
        }
        Ok(true)
    }

    fn is_microphone(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::SilenceSource;

    #[test]
    fn the_microphone_hears_the_speaker_after_the_path_s_delay() {
        let (mut microphone, mut speaker) = room_devices(EchoPath::new(10, 0.0, 0), Box::new(SilenceSource));
        assert!(microphone.is_microphone());
        let mut frame = vec![1; 960];
        microphone.read(&mut frame).unwrap();
        assert_eq!(frame, vec![0; 960], "nothing played yet");
        speaker.write(&[1000; 960]).unwrap();
        speaker.write(&[1000; 960]).unwrap();
        microphone.read(&mut frame).unwrap();
        assert_eq!(frame[..10], [0; 10]);
        assert_eq!(frame[10..], [1000; 950]);
    }
}
