//! The phone's microphone and speaker as its calls share them: every call reads the same
//! input and writes the same output, and either can be swapped while a call is live.

use std::sync::{Arc, Mutex, PoisonError};

use crate::MediaError;
use crate::device::{AudioSink, AudioSource, NullSink, SilenceSource};

/// Cheap to clone: clones share the devices.
#[derive(Clone)]
pub struct AudioDevices {
    input: Arc<Mutex<Box<dyn AudioSource>>>,
    output: Arc<Mutex<Box<dyn AudioSink>>>,
}

impl AudioDevices {
    pub fn new(input: Box<dyn AudioSource>, output: Box<dyn AudioSink>) -> Self {
        Self { input: Arc::new(Mutex::new(input)), output: Arc::new(Mutex::new(output)) }
    }

    /// Silence in, nothing out: a phone without audio devices.
    pub fn silent() -> Self {
        Self::new(Box::new(SilenceSource), Box::new(NullSink))
    }

    /// Uses `input` from the next frame on.
    pub fn set_input(&self, input: Box<dyn AudioSource>) {
        *self.input.lock().unwrap_or_else(PoisonError::into_inner) = input;
    }

    /// Uses `output` from the next frame on.
    pub fn set_output(&self, output: Box<dyn AudioSink>) {
        *self.output.lock().unwrap_or_else(PoisonError::into_inner) = output;
    }

    pub(crate) fn read(&self, frame: &mut [i16]) -> Result<bool, MediaError> {
        self.input.lock().unwrap_or_else(PoisonError::into_inner).read(frame)
    }

    pub(crate) fn write(&self, frame: &[i16]) -> Result<(), MediaError> {
        self.output.lock().unwrap_or_else(PoisonError::into_inner).write(frame)
    }
}

impl std::fmt::Debug for AudioDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AudioDevices")
    }
}
