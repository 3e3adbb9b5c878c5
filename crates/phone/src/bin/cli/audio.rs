//! The `run` command's audio: which devices the phone speaks and listens through, and how
//! its calls connect. Virtual devices (a tone, a WAV file, a WAV recording) stand in for
//! the computer's own where asked, so the phone can run headless and be checked.

use std::path::PathBuf;

use clap::Args as ClapArgs;
use restphone_media::MediaError;
use restphone_media::call::{AudioDevices, IceServer, MediaConfig};
use restphone_media::device::{AudioSink, AudioSource, NullSink, SilenceSource, ToneSource, WavSink, WavSource};
use restphone_media::opus::FrameDuration;
use restphone_media::processing::ProcessingConfig;
use restphone_media::system_audio::{DeviceEvent, SystemInput, SystemOutput};
use restphone_media::tone::Tone;
use restphone_phone::{MediaSetup, PhoneError};

#[derive(ClapArgs, Debug, Clone)]
pub struct AudioArgs {
    /// Send a sine tone of this frequency instead of the microphone.
    #[arg(long, value_name = "HZ", conflicts_with_all = ["play", "input"])]
    tone: Option<f64>,
    /// Send this WAV file (48 kHz 16-bit) instead of the microphone, then silence.
    #[arg(long, value_name = "FILE", conflicts_with = "input")]
    play: Option<PathBuf>,
    /// Write what this phone plays out (the far end's voice) to this WAV file; it is
    /// complete when the phone quits.
    #[arg(long, value_name = "FILE", conflicts_with = "output")]
    record: Option<PathBuf>,
    /// The input device to use (see `audio-devices`); default: the system's default.
    #[arg(long, value_name = "NAME")]
    input: Option<String>,
    /// The output device to use (see `audio-devices`); default: the system's default.
    #[arg(long, value_name = "NAME")]
    output: Option<String>,
    /// Audio frame length: 10 or 20 ms.
    #[arg(long, value_name = "MS", default_value_t = 20, value_parser = clap::value_parser!(u8).range(10..=20))]
    frame_ms: u8,
    /// A STUN or TURN server (`stun:host:port`, `turn:host:port`); repeatable.
    #[arg(long = "ice-server", value_name = "URL")]
    ice_servers: Vec<String>,
    /// Username and credential for the TURN servers, as USER:CREDENTIAL.
    #[arg(long, value_name = "USER:CREDENTIAL")]
    turn_credentials: Option<String>,
    /// Local address to gather host candidates on (default: every interface).
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:0")]
    bind: String,
    /// Send the microphone without echo cancellation.
    #[arg(long)]
    no_echo_cancel: bool,
    /// Send the microphone without noise suppression.
    #[arg(long)]
    no_noise_suppression: bool,
    /// Send the microphone without automatic gain control.
    #[arg(long)]
    no_gain_control: bool,
}

impl AudioArgs {
    /// Opens the devices the flags name.
    pub fn open(&self) -> Result<MediaSetup, PhoneError> {
        let frame = match self.frame_ms {
            10 => FrameDuration::Ms10,
            20 => FrameDuration::Ms20,
            other => return Err(not_possible(&format!("--frame-ms must be 10 or 20, not {other}"))),
        };
        let (username, credential) = match &self.turn_credentials {
            Some(pair) => {
                pair.split_once(':').map(|(u, c)| (u.to_owned(), c.to_owned())).ok_or_else(|| not_possible("--turn-credentials must be USER:CREDENTIAL"))?
            }
            None => Default::default(),
        };
        let ice_servers =
            self.ice_servers.iter().map(|url| IceServer { urls: vec![url.clone()], username: username.clone(), credential: credential.clone() }).collect();
        let config = MediaConfig { frame, ice_servers, udp_addrs: vec![self.bind.clone()], ..MediaConfig::default() };
        let processing =
            ProcessingConfig { echo_cancel: !self.no_echo_cancel, noise_suppression: !self.no_noise_suppression, gain_control: !self.no_gain_control };
        let devices = AudioDevices::new(self.source()?, self.sink()?).with_processing(processing);
        Ok(MediaSetup { config, devices })
    }

    fn source(&self) -> Result<Box<dyn AudioSource>, PhoneError> {
        if let Some(hz) = self.tone {
            if !(20.0..=20_000.0).contains(&hz) {
                return Err(not_possible("--tone must be between 20 and 20000 Hz"));
            }
            return Ok(Box::new(ToneSource::new(Tone::new(hz, 8_000))));
        }
        if let Some(path) = &self.play {
            return Ok(Box::new(WavSource::open(path).map_err(|error| cannot_use(path, error))?));
        }
        match SystemInput::open(self.input.as_deref()) {
            Ok(mut input) => {
                report_device_events(input.events_channel());
                Ok(Box::new(input))
            }
            Err(error) if self.input.is_some() => Err(not_possible(&error.to_string())),
            Err(error) => {
                eprintln!("restphone-cli: no input device ({error}); sending silence");
                Ok(Box::new(SilenceSource))
            }
        }
    }

    fn sink(&self) -> Result<Box<dyn AudioSink>, PhoneError> {
        if let Some(path) = &self.record {
            return Ok(Box::new(WavSink::create(path).map_err(|error| cannot_use(path, error))?));
        }
        match SystemOutput::open(self.output.as_deref()) {
            Ok(mut output) => {
                report_device_events(output.events_channel());
                Ok(Box::new(output))
            }
            Err(error) if self.output.is_some() => Err(not_possible(&error.to_string())),
            Err(error) => {
                eprintln!("restphone-cli: no output device ({error}); playing nowhere");
                Ok(Box::new(NullSink))
            }
        }
    }
}

/// Closes the devices once the phone has quit; a `--record` file gets its final header.
pub fn finish(setup: &MediaSetup) {
    setup.devices.set_input(Box::new(SilenceSource));
    setup.devices.set_output(Box::new(NullSink));
}

/// Prints what happens to a device (lost, replaced by the default) as a notice line.
fn report_device_events(events: std::sync::mpsc::Receiver<DeviceEvent>) {
    std::thread::spawn(move || {
        for event in events {
            println!("{}", serde_json::json!({ "notice": { "audio_device": event } }));
        }
    });
}

fn not_possible(message: &str) -> PhoneError {
    PhoneError::NotPossible(message.to_owned())
}

fn cannot_use(path: &std::path::Path, error: MediaError) -> PhoneError {
    PhoneError::NotPossible(format!("cannot use {}: {error}", path.display()))
}
