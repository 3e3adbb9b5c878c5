//! One device: while it runs, a thread that owns its cpal stream and replaces a lost
//! device by the default one; while nothing needs it, no stream at all.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use cpal::ErrorKind;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use super::format::{build_input, build_output, config_48k};
use super::{DeviceEvent, Direction, Ring};
use crate::MediaError;

/// How long opening a device may take before `open` gives up.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a lost device's thread tries the default device again.
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// What wakes a device's thread.
enum Control {
    /// The error callback of the stream opened as `generation` reported `error`.
    StreamError { generation: u64, error: cpal::Error },
    /// The owner is gone.
    Stop,
}

/// A device the owner can close while nothing needs it and open again: its queue and its
/// event channel outlive the streams.
#[derive(Debug)]
pub(super) struct Device {
    direction: Direction,
    name: Option<String>,
    ring: Arc<Mutex<Ring>>,
    events_sender: Sender<DeviceEvent>,
    events: Receiver<DeviceEvent>,
    /// `None` while suspended.
    thread: Option<DeviceThread>,
}

impl Device {
    /// Finds the device `name` (or the default one) and checks that it can run at 48 kHz,
    /// without starting a stream: [`Device::resume`] does.
    pub(super) fn open(direction: Direction, name: Option<&str>, ring: Mutex<Ring>) -> Result<Self, MediaError> {
        let device = find_device(&cpal::default_host(), direction, name)?;
        let id = device.id().map_err(|error| MediaError::Device(format!("the {direction} device has no id: {error}")))?;
        config_48k(&device, id.id(), direction)?;
        let (events_sender, events) = mpsc::channel();
        Ok(Self { direction, name: name.map(str::to_owned), ring: Arc::new(ring), events_sender, events, thread: None })
    }

    /// Stops the stream and its thread.
    pub(super) fn suspend(&mut self) {
        if self.thread.take().is_some() {
            tracing::info!(direction = %self.direction, "audio device closed: nothing needs it");
        }
    }

    /// Starts the stream again, if it is not running.
    pub(super) fn resume(&mut self) -> Result<(), MediaError> {
        if self.thread.is_none() {
            self.thread = Some(DeviceThread::start(self.direction, self.name.as_deref(), self.ring.clone(), self.events_sender.clone())?);
        }
        Ok(())
    }

    pub(super) fn ring(&self) -> &Mutex<Ring> {
        &self.ring
    }

    /// Hands the events over, leaving a channel that stays empty.
    pub(super) fn events_channel(&mut self) -> Receiver<DeviceEvent> {
        std::mem::replace(&mut self.events, mpsc::channel().1)
    }
}

/// The handle of one running stream: dropping it stops the stream and waits for the thread.
#[derive(Debug)]
struct DeviceThread {
    control: Sender<Control>,
    thread: Option<JoinHandle<()>>,
}

impl DeviceThread {
    /// Opens the device on a new thread and returns once it plays, or with why it cannot.
    fn start(direction: Direction, name: Option<&str>, ring: Arc<Mutex<Ring>>, events: Sender<DeviceEvent>) -> Result<Self, MediaError> {
        let (control, control_rx) = mpsc::channel();
        let (ready_tx, ready) = mpsc::sync_channel(1);
        let worker = Worker { direction, host: cpal::default_host(), ring, control: control.clone(), events, generation: 0 };
        let name = name.map(str::to_owned);
        let thread = thread::Builder::new()
            .name(format!("restphone-audio-{direction}"))
            .spawn(move || worker.run(name.as_deref(), &control_rx, ready_tx))
            .map_err(|error| MediaError::Device(format!("cannot start the audio {direction} thread: {error}")))?;
        match ready.recv_timeout(OPEN_TIMEOUT) {
            Ok(Ok(())) => Ok(Self { control, thread: Some(thread) }),
            Ok(Err(error)) => Err(error),
            // The thread gives up by itself when it sees nobody waits any more.
            Err(RecvTimeoutError::Timeout) => Err(MediaError::Device(format!("opening the {direction} device took over {OPEN_TIMEOUT:?}"))),
            Err(RecvTimeoutError::Disconnected) => Err(MediaError::Device(format!("the audio {direction} thread died while opening the device"))),
        }
    }
}

impl Drop for DeviceThread {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The device a thread has, or has lost.
enum State {
    Open { name: String, _stream: cpal::Stream },
    Lost { name: String },
}

impl State {
    fn name(&self) -> &str {
        let (Self::Open { name, .. } | Self::Lost { name }) = self;
        name
    }

    /// The device's name; the stream, if any, stops here.
    fn into_name(self) -> String {
        let (Self::Open { name, .. } | Self::Lost { name }) = self;
        name
    }
}

/// What a device's thread owns.
struct Worker {
    direction: Direction,
    host: cpal::Host,
    ring: Arc<Mutex<Ring>>,
    /// Cloned into each stream's error callback.
    control: Sender<Control>,
    events: Sender<DeviceEvent>,
    /// Counts the streams opened, so that errors from a replaced one are ignored.
    generation: u64,
}

impl Worker {
    /// Opens the device, tells `ready` how that went, then keeps it going until told to stop.
    fn run(mut self, name: Option<&str>, control: &Receiver<Control>, ready: SyncSender<Result<(), MediaError>>) {
        let mut state = match self.open(name) {
            Ok(state) => state,
            Err(error) => {
                let _ = ready.send(Err(error));
                return;
            }
        };
        if ready.send(Ok(())).is_err() {
            return;
        }
        loop {
            let message = match state {
                State::Open { .. } => control.recv().map_err(|_| RecvTimeoutError::Disconnected),
                State::Lost { .. } => control.recv_timeout(RETRY_EVERY),
            };
            match message {
                Ok(Control::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                // From a stream already replaced.
                Ok(Control::StreamError { generation, .. }) if generation != self.generation => {}
                Ok(Control::StreamError { error, .. }) if error.kind() == ErrorKind::DeviceNotAvailable => {
                    let name = state.into_name();
                    tracing::warn!(direction = %self.direction, device = %name, "audio device lost; opening the default device");
                    state = self.fall_back(name, true);
                }
                Ok(Control::StreamError { error, .. }) => self.survived(state.name(), &error),
                Err(RecvTimeoutError::Timeout) => {
                    if let State::Lost { name } = state {
                        state = self.fall_back(name, false);
                    }
                }
            }
        }
    }

    /// Opens the default device in place of the lost `from`; `first` when it was just lost.
    fn fall_back(&mut self, from: String, first: bool) -> State {
        let direction = self.direction;
        match self.open(None) {
            Ok(state) => {
                let _ = self.events.send(DeviceEvent::FellBack { direction, from, to: state.name().to_owned() });
                state
            }
            Err(error) => {
                if first {
                    tracing::warn!(%direction, device = %from, %error, "no default audio device either; retrying every {RETRY_EVERY:?}");
                    let _ = self.events.send(DeviceEvent::Lost { direction, name: from.clone() });
                }
                State::Lost { name: from }
            }
        }
    }

    /// Counts and logs an error the stream carries on after (through PulseAudio, ALSA
    /// sometimes reports an I/O error while audio keeps flowing).
    fn survived(&self, name: &str, error: &cpal::Error) {
        let mut ring = Ring::lock(&self.ring);
        ring.stats.stream_errors += 1;
        if ring.stats.stream_errors == 1 {
            tracing::warn!(direction = %self.direction, device = %name, %error, "audio stream error; carrying on (later ones are logged at debug)");
        } else {
            tracing::debug!(direction = %self.direction, device = %name, %error, "audio stream error; carrying on");
        }
    }

    /// Opens and starts the device `name`, or the default one: always [`State::Open`].
    fn open(&mut self, name: Option<&str>) -> Result<State, MediaError> {
        let direction = self.direction;
        let device = find_device(&self.host, direction, name)?;
        let name = device.id().map_err(|error| MediaError::Device(format!("the {direction} device has no id: {error}")))?.id().to_owned();
        let config = config_48k(&device, &name, direction)?;
        self.generation += 1;
        let (generation, control) = (self.generation, self.control.clone());
        let on_error = move |error| {
            let _ = control.send(Control::StreamError { generation, error });
        };
        Ring::lock(&self.ring).restart();
        let ring = self.ring.clone();
        let stream = match direction {
            Direction::Input => build_input(&device, config, ring, on_error),
            Direction::Output => build_output(&device, config, ring, on_error),
        };
        let stream = stream.and_then(|stream| stream.play().map(|()| stream)).map_err(|error| {
            MediaError::Device(format!("{name}: cannot start a {direction} stream ({} channels, {}): {error}", config.channels(), config.sample_format()))
        })?;
        let (channels, format, buffer) = (config.channels(), config.sample_format(), stream.buffer_size().ok());
        tracing::info!(%direction, device = %name, channels, %format, ?buffer, "audio device open");
        Ok(State::Open { name, _stream: stream })
    }
}

/// The default device of `direction`.
pub(super) fn default_device(host: &cpal::Host, direction: Direction) -> Option<cpal::Device> {
    match direction {
        Direction::Input => host.default_input_device(),
        Direction::Output => host.default_output_device(),
    }
}

/// The device called `name`, or the default one.
fn find_device(host: &cpal::Host, direction: Direction, name: Option<&str>) -> Result<cpal::Device, MediaError> {
    let Some(name) = name else {
        return default_device(host, direction).ok_or_else(|| MediaError::Device(format!("there is no default {direction} device")));
    };
    let mut devices = host.devices().map_err(|error| MediaError::Device(format!("cannot list the audio devices: {error}")))?;
    devices.find(|device| device.id().is_ok_and(|id| id.id() == name)).ok_or_else(|| MediaError::UnknownDevice { direction, name: name.to_owned() })
}
