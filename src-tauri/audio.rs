//! The app's audio: the computer's default microphone and speaker, or silence where there
//! is none, so a machine without a sound card still makes calls.

use restphone_media::call::{AudioDevices, MediaConfig};
use restphone_media::device::{AudioSink, AudioSource, NullSink, SilenceSource};
use restphone_media::system_audio::{DeviceEvent, SystemInput, SystemOutput};
use restphone_phone::MediaSetup;

pub fn default_media() -> MediaSetup {
    let input: Box<dyn AudioSource> = match SystemInput::open(None) {
        Ok(mut input) => {
            log_events(input.events_channel());
            Box::new(input)
        }
        Err(error) => {
            tracing::warn!(%error, "no microphone: calls send silence");
            Box::new(SilenceSource)
        }
    };
    let output: Box<dyn AudioSink> = match SystemOutput::open(None) {
        Ok(mut output) => {
            log_events(output.events_channel());
            Box::new(output)
        }
        Err(error) => {
            tracing::warn!(%error, "no speaker: calls play nowhere");
            Box::new(NullSink)
        }
    };
    MediaSetup { config: MediaConfig::default(), devices: AudioDevices::new(input, output) }
}

/// A lost device and the default that took over go to the log (the settings screen,
/// when it comes, shows them).
fn log_events(events: std::sync::mpsc::Receiver<DeviceEvent>) {
    std::thread::spawn(move || {
        for event in events {
            tracing::warn!(?event, "audio device changed");
        }
    });
}
