//! The app's audio: the microphone and speaker the user chose (or the computer's
//! defaults), or silence where there is none, so a machine without a sound card still
//! makes calls. One set of devices serves every call; choosing another device swaps it
//! under a live call.

use std::time::{Duration, Instant};

use restphone_media::call::{AudioDevices, MediaConfig};
use restphone_media::device::{AudioSink, AudioSource, NullSink, SilenceSource};
use restphone_media::jitter::CLOCK_RATE;
use restphone_media::system_audio::{DeviceEvent, DeviceInfo, Direction, SystemInput, SystemOutput, list_devices};
use restphone_phone::MediaSetup;
use serde::Serialize;

use crate::error::{AppError, ErrorCode};
use crate::ringtone::RingtoneSettings;

/// 20 ms of audio: what the ringtone, the test sound and the level meter move at a time.
pub const FRAME: usize = CLOCK_RATE as usize / 50;

/// Keeps a loop that writes to or reads from a device at the device's pace: one frame
/// per turn, measured from the start so sleeps never add up to drift.
pub struct FramePace {
    started: Instant,
    frames: u32,
}

impl FramePace {
    pub fn start() -> Self {
        Self { started: Instant::now(), frames: 0 }
    }

    /// How many frames went by.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// Waits until the next frame is due.
    pub fn next(&mut self) {
        self.frames += 1;
        std::thread::sleep((self.started + Duration::from_millis(20) * self.frames).saturating_duration_since(Instant::now()));
    }
}

/// What Settings shows: the devices there are, and the ones chosen (`None`: the default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AudioChoices {
    pub inputs: Vec<DeviceInfo>,
    pub outputs: Vec<DeviceInfo>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub ringtone: RingtoneSettings,
}

pub fn media(devices: AudioDevices) -> MediaSetup {
    MediaSetup { config: MediaConfig::default(), devices }
}

/// The chosen devices, each falling back to the default, then to silence.
pub fn open(input: Option<&str>, output: Option<&str>) -> AudioDevices {
    AudioDevices::new(open_input(input).unwrap_or_else(|_| fallback_input()), open_output(output).unwrap_or_else(|_| fallback_output()))
}

pub fn open_input(name: Option<&str>) -> Result<Box<dyn AudioSource>, AppError> {
    let mut input = SystemInput::open(name).map_err(|error| cannot_open(Direction::Input, name, error))?;
    log_events(input.events_channel());
    Ok(Box::new(input))
}

pub fn open_output(name: Option<&str>) -> Result<Box<dyn AudioSink>, AppError> {
    let mut output = SystemOutput::open(name).map_err(|error| cannot_open(Direction::Output, name, error))?;
    log_events(output.events_channel());
    Ok(Box::new(output))
}

fn fallback_input() -> Box<dyn AudioSource> {
    match SystemInput::open(None) {
        Ok(input) => Box::new(input),
        Err(error) => {
            tracing::warn!(%error, "no microphone: calls send silence");
            Box::new(SilenceSource)
        }
    }
}

fn fallback_output() -> Box<dyn AudioSink> {
    match SystemOutput::open(None) {
        Ok(output) => Box::new(output),
        Err(error) => {
            tracing::warn!(%error, "no speaker: calls play nowhere");
            Box::new(NullSink)
        }
    }
}

fn cannot_open(direction: Direction, name: Option<&str>, error: impl std::fmt::Display) -> AppError {
    let what = name.map_or_else(|| format!("the default {direction} device"), |name| format!("the {direction} device {name}"));
    tracing::warn!(%error, "cannot open {what}");
    AppError::new(ErrorCode::NotPossible, format!("cannot open {what}: {error}"))
}

/// The devices there are, with the chosen ones (the ringtone's is the caller's to fill in).
pub fn choices(input: Option<String>, output: Option<String>) -> Result<AudioChoices, AppError> {
    let list = list_devices().map_err(|error| AppError::new(ErrorCode::NotPossible, error.to_string()))?;
    Ok(AudioChoices { inputs: list.inputs, outputs: list.outputs, input, output, ringtone: RingtoneSettings::default() })
}

/// A lost device and the default that took over go to the log.
fn log_events(events: std::sync::mpsc::Receiver<DeviceEvent>) {
    std::thread::spawn(move || {
        for event in events {
            tracing::warn!(?event, "audio device changed");
        }
    });
}
