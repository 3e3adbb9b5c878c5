//! The phone's microphone and speaker as its calls share them: every call reads the same
//! input and writes the same output, and either can be swapped while a call is live.
//!
//! One [`AudioProcessor`] sits between them and the calls: what is written to the speaker
//! is its echo reference, what a microphone captured is cleaned before a call sends it.
//! The devices run only while something holds [`DevicesInUse`]: with nothing to do, no
//! stream is open on the microphone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::MediaError;
use crate::device::{AudioSink, AudioSource, NullSink, SilenceSource};
use crate::processing::{AudioProcessor, EchoStats, ProcessingConfig};

/// Cheap to clone: clones share the devices.
#[derive(Clone)]
pub struct AudioDevices {
    input: Arc<Mutex<Box<dyn AudioSource>>>,
    output: Arc<Mutex<Box<dyn AudioSink>>>,
    processor: Arc<Mutex<AudioProcessor>>,
    /// Whether the input is a microphone, whose audio is processed.
    input_is_microphone: Arc<AtomicBool>,
    /// How many things use the devices now.
    users: Arc<Mutex<usize>>,
}

impl AudioDevices {
    /// The devices, with every part of the microphone processing on. They are suspended
    /// until something uses them.
    pub fn new(input: Box<dyn AudioSource>, output: Box<dyn AudioSink>) -> Self {
        let devices = Self {
            input_is_microphone: Arc::new(AtomicBool::new(input.is_microphone())),
            input: Arc::new(Mutex::new(input)),
            output: Arc::new(Mutex::new(output)),
            processor: Arc::new(Mutex::new(AudioProcessor::new(ProcessingConfig::default()))),
            users: Arc::new(Mutex::new(0)),
        };
        lock(&devices.input).suspend();
        lock(&devices.output).suspend();
        devices
    }

    /// The same devices with only the parts of `processing` that are on.
    pub fn with_processing(self, processing: ProcessingConfig) -> Self {
        *lock(&self.processor) = AudioProcessor::new(processing);
        self
    }

    /// Silence in, nothing out: a phone without audio devices.
    pub fn silent() -> Self {
        Self::new(Box::new(SilenceSource), Box::new(NullSink))
    }

    /// Uses `input` from the next frame on.
    pub fn set_input(&self, mut input: Box<dyn AudioSource>) {
        let users = lock(&self.users);
        self.input_is_microphone.store(input.is_microphone(), Ordering::Relaxed);
        if *users == 0 {
            input.suspend();
        } else if let Err(error) = input.resume() {
            tracing::warn!(%error, "the new input device did not start");
        }
        *lock(&self.input) = input;
    }

    /// Uses `output` from the next frame on.
    pub fn set_output(&self, mut output: Box<dyn AudioSink>) {
        let users = lock(&self.users);
        if *users == 0 {
            output.suspend();
        } else if let Err(error) = output.resume() {
            tracing::warn!(%error, "the new output device did not start");
        }
        *lock(&self.output) = output;
    }

    /// Starts the devices if nothing used them yet; they stop when the last user is dropped.
    pub fn use_devices(&self) -> DevicesInUse {
        let mut users = lock(&self.users);
        *users += 1;
        if *users == 1 {
            if let Err(error) = lock(&self.input).resume() {
                tracing::warn!(%error, "the input device did not start: sending silence");
            }
            if let Err(error) = lock(&self.output).resume() {
                tracing::warn!(%error, "the output device did not start: playing nowhere");
            }
        }
        DevicesInUse { devices: self.clone() }
    }

    /// [`AudioDevices::use_devices`] from async code: opening a device waits for its stream
    /// to start, which is not for the async workers.
    pub async fn use_devices_async(&self) -> Result<DevicesInUse, MediaError> {
        let devices = self.clone();
        tokio::task::spawn_blocking(move || devices.use_devices()).await.map_err(|error| MediaError::Device(error.to_string()))
    }

    /// The echo canceller's figures, while it runs on a microphone.
    pub fn echo_stats(&self) -> Option<EchoStats> {
        if !self.input_is_microphone.load(Ordering::Relaxed) {
            return None;
        }
        lock(&self.processor).echo_stats()
    }

    /// The next frame from the input; a microphone's is processed, after the echo
    /// canceller has been told what the speaker played up to now.
    pub(crate) fn read(&self, frame: &mut [i16]) -> Result<bool, MediaError> {
        let more = lock(&self.input).read(frame)?;
        if self.input_is_microphone.load(Ordering::Relaxed) {
            let played = lock(&self.output).take_played();
            let mut processor = lock(&self.processor);
            if let Some(played) = played {
                processor.render(&played);
            }
            processor.capture(frame);
        }
        Ok(more)
    }

    /// Plays `frame`. When a microphone listens, the echo canceller's reference is what the
    /// speaker played (taken where the device plays it), or, for a sink that does not say,
    /// the frame itself.
    pub(crate) fn write(&self, frame: &[i16]) -> Result<(), MediaError> {
        let played = {
            let mut output = lock(&self.output);
            output.write(frame)?;
            output.take_played()
        };
        if self.input_is_microphone.load(Ordering::Relaxed) {
            lock(&self.processor).render(played.as_deref().unwrap_or(frame));
        }
        Ok(())
    }
}

impl std::fmt::Debug for AudioDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AudioDevices")
    }
}

/// Keeps the devices running; the last one dropped suspends them.
#[derive(Debug)]
pub struct DevicesInUse {
    devices: AudioDevices,
}

impl Drop for DevicesInUse {
    fn drop(&mut self) {
        let mut users = lock(&self.devices.users);
        *users -= 1;
        if *users == 0 {
            lock(&self.devices.input).suspend();
            lock(&self.devices.output).suspend();
        }
    }
}

/// A panic elsewhere while a device was locked leaves it usable: lock it anyway.
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
