//! The real device path: cpal → ALSA → PulseAudio. `bash scripts/audio.sh` sets up a null
//! sink as the default output and its monitor as the default input, so what is played comes
//! back as capture. Through PulseAudio the devices start about 2 s late, so the tone is
//! awaited with a deadline; timing itself is measured with the virtual devices, not here.
//! The sink is shared by the whole machine: a test of another process playing into it at
//! the same time is heard here too.

use std::process::Command;
use std::time::{Duration, Instant};

use restphone_media::MediaError;
use restphone_media::analysis::{dominant_tone_ratio, tone_rms};
use restphone_media::device::{AudioSink, AudioSource};
use restphone_media::system_audio::{Direction, SystemInput, SystemOutput, list_devices};
use restphone_media::tone::Tone;

/// 20 ms at 48 kHz.
const FRAME: usize = 960;
const FRAME_TIME: Duration = Duration::from_millis(20);
/// How long the tone may take to come back.
const DEADLINE: Duration = Duration::from_secs(15);
/// Captured audio looked at at once: a second.
const WINDOW: usize = 48_000;

/// Fails the test, with what to do, when no PulseAudio daemon answers.
fn require_pulseaudio() {
    let answers = Command::new("pactl").arg("info").output().is_ok_and(|output| output.status.success());
    assert!(answers, "no PulseAudio daemon answers `pactl info`: run `bash scripts/audio.sh` first (it starts one with a null sink)");
}

/// The default output playing a tone and the default input capturing, on a 20 ms clock.
struct Loopback {
    output: SystemOutput,
    input: SystemInput,
    tone: Tone,
    captured: Vec<i16>,
    next_tick: Instant,
}

impl Loopback {
    fn open() -> Self {
        let (mut output, mut input) = (SystemOutput::open(None).unwrap(), SystemInput::open(None).unwrap());
        output.resume().unwrap();
        input.resume().unwrap();
        Self { output, input, tone: Tone::new(440.0, 8_000), captured: Vec::new(), next_tick: Instant::now() }
    }

    /// Waits for the next tick, then plays a frame and captures one.
    fn tick(&mut self) {
        std::thread::sleep(self.next_tick.saturating_duration_since(Instant::now()));
        self.next_tick += FRAME_TIME;
        self.output.write(&self.tone.next_frame(FRAME)).unwrap();
        let mut frame = [0; FRAME];
        assert!(self.input.read(&mut frame).unwrap());
        self.captured.extend_from_slice(&frame);
    }

    /// The last second captured, or less at first.
    fn last_second(&self) -> &[i16] {
        &self.captured[self.captured.len().saturating_sub(WINDOW)..]
    }

    fn stats(&self) -> String {
        format!("output {:?}, input {:?}", self.output.stats(), self.input.stats())
    }
}

#[test]
fn tone_played_on_the_default_output_is_captured_on_the_default_input() {
    require_pulseaudio();
    let mut audio = Loopback::open();
    let start = Instant::now();
    // The devices start late: play and capture until the last second holds the tone.
    loop {
        audio.tick();
        let present = dominant_tone_ratio(audio.last_second(), 440.0);
        if audio.last_second().len() == WINDOW && present > 100.0 {
            break;
        }
        assert!(start.elapsed() < DEADLINE, "no 440 Hz tone captured within {DEADLINE:?} (ratio {present:.1}); {}", audio.stats());
    }
    let found_after = start.elapsed();
    // Then it keeps flowing: a whole second more of it.
    for _ in 0..WINDOW / FRAME {
        audio.tick();
    }
    let present = dominant_tone_ratio(audio.last_second(), 440.0);
    // Another tone is measured against the one played: on a noise-free null sink a ratio
    // to the noise floor is huge for any leakage (one overrun's click made it 10^20).
    let other = tone_rms(audio.last_second(), 1000.0) / tone_rms(audio.last_second(), 440.0);
    println!("tone back after {found_after:?}; the second after: ratio at 440 Hz {present:.0}, 1000 Hz at {other:.5} of it; {}", audio.stats());
    assert!(present > 100.0, "the tone faded: ratio {present}; {}", audio.stats());
    assert!(other < 0.01, "1000 Hz found too: at {other} of the 440 Hz tone");
    assert_eq!(audio.output.events_channel().try_iter().collect::<Vec<_>>(), []);
    assert_eq!(audio.input.events_channel().try_iter().collect::<Vec<_>>(), []);
}

#[test]
fn lists_devices_and_refuses_unknown_names() {
    require_pulseaudio();
    let devices = list_devices().unwrap();
    println!("{devices:#?}");
    assert!(!devices.inputs.is_empty() && !devices.outputs.is_empty(), "{devices:?}");
    assert!(devices.inputs.iter().chain(&devices.outputs).any(|device| device.is_default), "{devices:?}");

    let error = SystemInput::open(Some("no such microphone")).unwrap_err();
    assert!(matches!(&error, MediaError::UnknownDevice { direction: Direction::Input, name } if name == "no such microphone"), "{error:?}");
    assert_eq!(error.to_string(), "no audio input device named \"no such microphone\"");
    let error = SystemOutput::open(Some("no such speaker")).unwrap_err();
    assert!(matches!(error, MediaError::UnknownDevice { direction: Direction::Output, .. }), "{error:?}");
}
