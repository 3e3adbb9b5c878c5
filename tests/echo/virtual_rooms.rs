//! Alice's laptop and desk phone in virtual rooms of their own: each speaker reaches its
//! microphone through an echo path, and Alice's near voice in each room is a tone of its
//! own, half a second on, half a second off (a tone held for seconds would be taken for
//! noise and faded by the noise suppressor). No sound server is involved.

use restphone_media::MediaError;
use restphone_media::analysis::{dominant_tone_ratio, rms_besides_tone};
use restphone_media::call::AudioDevices;
use restphone_media::device::AudioSource;
use restphone_media::processing::room::samples_in_ms;
use restphone_media::processing::{EchoPath, ProcessingConfig, room_devices};
use restphone_media::tone::Tone;
use restphone_phone::Command;
use restphone_system_tests::phone::{place, state, until};
use restphone_system_tests::{Client, TestServer};

use super::{ONE_AT_A_TIME, bob_sends_rms, db, start_bob, start_phone};

const LAPTOP_HZ: f64 = 700.0;
const DESK_HZ: f64 = 1300.0;

/// A tone, half a second on and half a second off.
struct Beeps {
    tone: Tone,
    position: usize,
}

impl AudioSource for Beeps {
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError> {
        let tone = self.tone.next_frame(frame.len());
        for (slot, sample) in frame.iter_mut().zip(tone) {
            *slot = if self.position % samples_in_ms(1000) < samples_in_ms(500) { sample } else { 0 };
            self.position += 1;
        }
        Ok(true)
    }
}

/// A room with an echo path of `delay_ms` and `gain_db`, where Alice beeps at `hz`.
fn room(delay_ms: usize, gain_db: f64, hz: f64, processing: ProcessingConfig) -> AudioDevices {
    let near = Beeps { tone: Tone::new(hz, 4_000), position: 0 };
    let (microphone, speaker) = room_devices(EchoPath::new(samples_in_ms(delay_ms), gain_db, 10), Box::new(near));
    AudioDevices::new(Box::new(microphone), Box::new(speaker)).with_processing(processing)
}

/// How loud Bob hears his own voice, against what he sends, besides Alice's `hz`.
fn echo_db(heard: &[i16], hz: f64) -> f64 {
    db(rms_besides_tone(heard, hz) / bob_sends_rms())
}

/// The laptop sends its microphone unprocessed, so Bob hears his echo; the desk phone pulls
/// the call and, processing its own microphone, has the echo gone once its audio
/// reaches Bob (within 2 s of its audio). Holding and resuming there keeps it gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_that_pulls_a_call_cancels_the_echo_within_2_seconds() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob_account = Client::sign_up(&server.base, "bob").await;
    let laptop = start_phone(&server, &alice, "Laptop", room(80, -3.0, LAPTOP_HZ, ProcessingConfig::OFF)).await;
    let desk = start_phone(&server, &alice, "Desk", room(180, 0.0, DESK_HZ, ProcessingConfig::default())).await;
    let (bob, ear) = start_bob(&server, &bob_account).await;
    until(&desk, "both of Alice's devices are known", |s| s.devices.len() == 2).await;
    let dialed = bob.execute(Command::Dial { to: alice.email.clone() }).await.unwrap();
    let call = dialed.call_id().unwrap().to_owned();
    until(&laptop, "the call rings", |s| state(s, &call) == "ringing").await;
    laptop.execute(Command::Answer { call: Some(call.clone()) }).await.unwrap();
    let heard = ear.hears("the laptop", |heard| dominant_tone_ratio(heard, LAPTOP_HZ) > 100.0).await;
    let unprocessed = echo_db(&heard, LAPTOP_HZ);
    assert!(unprocessed > -10.0, "from the unprocessed laptop Bob should hear his echo: {unprocessed:.1} dB");

    let before_pull = ear.len();
    desk.execute(Command::Pull { call: call.clone() }).await.unwrap();
    until(&desk, "the desk has the call", |s| place(s, &call) == "here").await;
    ear.hears("the desk", |heard| dominant_tone_ratio(heard, DESK_HZ) > 100.0 && dominant_tone_ratio(heard, LAPTOP_HZ) < 10.0).await;
    // The desk's audio starts with a beep: from there, the canceller has 2 s of audio.
    let heard = ear.samples();
    let chunk = samples_in_ms(100);
    let desk_starts = (before_pull..heard.len() - chunk)
        .step_by(chunk)
        .find(|&at| dominant_tone_ratio(&heard[at..at + chunk], DESK_HZ) > 100.0)
        .expect("the desk's first beep");
    let converged = ear.span(desk_starts + samples_in_ms(2000), samples_in_ms(1000)).await;
    let after_pull = echo_db(&converged, DESK_HZ);

    desk.execute(Command::Hold { call: call.clone() }).await.unwrap();
    until(&desk, "the call is held", |s| state(s, &call) == "held").await;
    desk.execute(Command::Resume { call: call.clone() }).await.unwrap();
    until(&desk, "the call is resumed", |s| state(s, &call) == "active").await;
    ear.hears("the desk again", |heard| dominant_tone_ratio(heard, DESK_HZ) > 100.0).await;
    let after_resume = echo_db(&ear.next_second().await, DESK_HZ);

    eprintln!("Bob's echo: {unprocessed:.1} dB from the laptop, {after_pull:.1} dB from the desk after the pull, {after_resume:.1} dB after hold and resume");
    assert!(after_pull <= -30.0, "the second after the desk's audio reached Bob, his echo is at {after_pull:.1} dB");
    assert!(after_resume <= -30.0, "after hold and resume, Bob's echo is at {after_resume:.1} dB");
}
