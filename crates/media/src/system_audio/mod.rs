//! The computer's microphones and speakers, through cpal: [`SystemInput`] is an
//! [`AudioSource`], [`SystemOutput`] an [`AudioSink`], and [`list_devices`] tells which
//! there are.
//!
//! The owner reads or writes one frame at a time on its own clock; the device runs on its
//! own. Between the two sits a small bounded queue: reading or writing never blocks, a short
//! input is padded with silence, a starved output plays silence, and a backlog over its cap
//! loses its oldest samples, so latency cannot grow. Each device's cpal stream lives on a
//! thread of its own (cpal streams are not `Send` on every platform), which also reopens the
//! default device when the one in use disappears and tells the owner with a [`DeviceEvent`].
//! Audio is 48 kHz mono i16 as everywhere in this crate: a device that cannot run at 48 kHz
//! is refused, and other sample formats and channel counts are converted.

mod format;
mod ring;
mod stream;

use std::fmt;
use std::sync::mpsc::Receiver;

use cpal::traits::{DeviceTrait, HostTrait};

use crate::MediaError;
use crate::device::{AudioSink, AudioSource};
use crate::jitter::CLOCK_RATE;
pub use ring::DeviceStats;
use ring::Ring;
use stream::Device;

/// Samples in `ms` milliseconds at 48 kHz.
const fn samples_in_ms(ms: usize) -> usize {
    CLOCK_RATE as usize * ms / 1000
}

/// Most captured audio an input holds for the owner to read.
const INPUT_MAX_BACKLOG: usize = samples_in_ms(200);
/// Captured audio an input keeps queued against the bursts in which devices deliver it
/// (through PulseAudio, 25–60 ms at a time): see [`ring::Ring::take_cushioned`].
const INPUT_CUSHION: usize = samples_in_ms(80);
/// Most audio an output holds for the device to play.
const OUTPUT_MAX_BACKLOG: usize = samples_in_ms(200);
/// Most audio an output holds before its device starts pulling: devices can start late
/// (through PulseAudio about 2 s), and what was written meanwhile would be pure latency.
const OUTPUT_START_BACKLOG: usize = samples_in_ms(40);

/// Which way audio flows through a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "AudioDirection"))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A microphone: audio comes in.
    Input,
    /// A speaker: audio goes out.
    Output,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Input => "input",
            Self::Output => "output",
        })
    }
}

/// One device that can be opened at 48 kHz.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "AudioDeviceInfo"))]
pub struct DeviceInfo {
    /// What [`SystemInput::open`] or [`SystemOutput::open`] takes: the audio system's own
    /// stable identifier, such as ALSA's `default`, `pulse` or `plughw:CARD=0,DEV=0`.
    pub name: String,
    /// A name for people, such as "PulseAudio Sound Server"; several devices may share one.
    pub description: String,
    /// Whether this is the device opened when no name is given.
    pub is_default: bool,
}

/// The devices that can be opened, by direction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceList {
    /// Microphones and other sources.
    pub inputs: Vec<DeviceInfo>,
    /// Speakers and other sinks.
    pub outputs: Vec<DeviceInfo>,
}

/// Something that happened to an open device, for the owner to tell the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DeviceEvent {
    /// The device `from` disappeared, and the default device `to` took over.
    FellBack {
        /// Input or output.
        direction: Direction,
        /// The device that was lost.
        from: String,
        /// The default device now in use.
        to: String,
    },
    /// The device disappeared and the default device could not be opened either: reading
    /// gives silence, writing plays nowhere, and the default device is tried again every
    /// second ([`DeviceEvent::FellBack`] tells when it works).
    Lost {
        /// Input or output.
        direction: Direction,
        /// The device that was lost.
        name: String,
    },
}

/// The devices of the computer's audio system that can be opened at 48 kHz. Devices the
/// audio system lists but that cannot be opened (ALSA lists plugins for JACK, OSS and others
/// whether or not they work) are left out.
pub fn list_devices() -> Result<DeviceList, MediaError> {
    let host = cpal::default_host();
    Ok(DeviceList { inputs: usable_devices(&host, Direction::Input)?, outputs: usable_devices(&host, Direction::Output)? })
}

fn usable_devices(host: &cpal::Host, direction: Direction) -> Result<Vec<DeviceInfo>, MediaError> {
    let default = stream::default_device(host, direction).and_then(|device| device.id().ok());
    let devices = host.devices().map_err(|error| MediaError::Device(format!("cannot list the audio devices: {error}")))?;
    let usable = devices.filter(|device| match direction {
        Direction::Input => device.supports_input(),
        Direction::Output => device.supports_output(),
    });
    Ok(usable
        .filter_map(|device| {
            let id = device.id().ok()?;
            let description = device.description().ok()?;
            format::config_48k(&device, id.id(), direction).ok()?;
            Some(DeviceInfo { name: id.id().to_owned(), description: description.name().to_owned(), is_default: default.as_ref() == Some(&id) })
        })
        .collect())
}

/// A microphone of the computer, 48 kHz mono.
#[derive(Debug)]
pub struct SystemInput(Device);

impl SystemInput {
    /// Opens the input device `name` (a [`DeviceInfo::name`]), or the default input with
    /// `None`: it is found and checked now, and captures from [`AudioSource::resume`] on
    /// ([`crate::call::AudioDevices`] resumes it while a call needs it).
    pub fn open(name: Option<&str>) -> Result<Self, MediaError> {
        Ok(Self(Device::open(Direction::Input, name, Ring::new(INPUT_MAX_BACKLOG, INPUT_MAX_BACKLOG))?))
    }

    /// What happens to the device (lost, replaced by the default), as it happens: taken
    /// before the device is boxed as an [`AudioSource`]. A second call gets nothing.
    pub fn events_channel(&mut self) -> Receiver<DeviceEvent> {
        self.0.events_channel()
    }

    /// The counters so far.
    pub fn stats(&self) -> DeviceStats {
        Ring::lock(self.0.ring()).stats
    }
}

impl AudioSource for SystemInput {
    /// Hands out the oldest captured samples, padded with silence when fewer were captured
    /// (as before the device starts, or while it is lost). Never blocks, never ends.
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError> {
        let mut ring = Ring::lock(self.0.ring());
        ring.stats.frames += 1;
        let samples = frame.len();
        for (slot, sample) in frame.iter_mut().zip(ring.take_cushioned(samples, INPUT_CUSHION)) {
            *slot = sample;
        }
        Ok(true)
    }

    fn is_microphone(&self) -> bool {
        true
    }

    fn suspend(&mut self) {
        self.0.suspend();
    }

    fn resume(&mut self) -> Result<(), MediaError> {
        self.0.resume()
    }
}

/// A speaker of the computer, 48 kHz mono (played on every channel of the device).
#[derive(Debug)]
pub struct SystemOutput(Device);

impl SystemOutput {
    /// Opens the output device `name` (a [`DeviceInfo::name`]), or the default output with
    /// `None`: it is found and checked now, and plays from [`AudioSink::resume`] on (silence
    /// until something is written).
    pub fn open(name: Option<&str>) -> Result<Self, MediaError> {
        Ok(Self(Device::open(Direction::Output, name, Ring::new(OUTPUT_MAX_BACKLOG, OUTPUT_START_BACKLOG))?))
    }

    /// What happens to the device (lost, replaced by the default), as it happens: taken
    /// before the device is boxed as an [`AudioSink`]. A second call gets nothing.
    pub fn events_channel(&mut self) -> Receiver<DeviceEvent> {
        self.0.events_channel()
    }

    /// The counters so far.
    pub fn stats(&self) -> DeviceStats {
        Ring::lock(self.0.ring()).stats
    }
}

impl AudioSink for SystemOutput {
    /// Queues the frame for the device. Never blocks.
    fn write(&mut self, frame: &[i16]) -> Result<(), MediaError> {
        let mut ring = Ring::lock(self.0.ring());
        ring.stats.frames += 1;
        ring.push(frame.iter().copied());
        Ok(())
    }

    fn take_played(&mut self) -> Option<Vec<i16>> {
        Some(Ring::lock(self.0.ring()).take_played())
    }

    fn suspend(&mut self) {
        self.0.suspend();
    }

    fn resume(&mut self) -> Result<(), MediaError> {
        self.0.resume()
    }
}
