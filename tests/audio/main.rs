//! System tests of call audio: a real server on loopback, three phone engines with
//! virtual devices (each sends its own tone and captures what it plays), real WebRTC
//! with DTLS-SRTP between them. What each phone plays is analysed for the tones.

use std::time::Duration;

use restphone_media::call::{AudioDevices, Impairment, MediaConfig};
use restphone_media::device::{CaptureSink, ToneSource};
use restphone_media::processing::ProcessingConfig;
use restphone_media::system_audio::{SystemInput, SystemOutput};
use restphone_media::tone::Tone;
use restphone_phone::{Command, Phone};
use restphone_system_tests::phone::{place, start_audio_phone, state, until};
use restphone_system_tests::{Client, Ear, TestServer};

const BOB_HZ: f64 = 440.0;
const LAPTOP_HZ: f64 = 1000.0;
const DESK_HZ: f64 = 1500.0;

struct AudioPhone {
    phone: Phone,
    devices: AudioDevices,
    ear: Ear,
}

async fn audio_phone(server: &TestServer, user: &Client, device: &str, hz: f64, loss_percent: u8) -> AudioPhone {
    let ear = CaptureSink::new();
    let devices = AudioDevices::new(Box::new(ToneSource::new(Tone::new(hz, 8_000))), Box::new(ear.clone()));
    AudioPhone { phone: start_phone(server, user, device, devices.clone(), loss_percent).await, devices, ear: Ear(ear) }
}

async fn start_phone(server: &TestServer, user: &Client, device: &str, devices: AudioDevices, loss_percent: u8) -> Phone {
    start_audio_phone(server, user, device, MediaConfig { impairment: Impairment { loss_percent }, ..MediaConfig::default() }, devices).await
}

struct Scene {
    _server: TestServer,
    laptop: AudioPhone,
    desk: AudioPhone,
    bob: AudioPhone,
    call: String,
}

impl Scene {
    /// Bob calls Alice and her laptop answers. `laptop_loss` drops that share of the
    /// packets the laptop receives.
    async fn answered_on_laptop(laptop_loss: u8) -> Self {
        let server = TestServer::start().await;
        let alice = Client::sign_up(&server.base, "alice").await;
        let bob_account = Client::sign_up(&server.base, "bob").await;
        let laptop = audio_phone(&server, &alice, "Laptop", LAPTOP_HZ, laptop_loss).await;
        let desk = audio_phone(&server, &alice, "Desk", DESK_HZ, 0).await;
        let bob = audio_phone(&server, &bob_account, "Phone", BOB_HZ, 0).await;
        until(&laptop.phone, "both devices are known", |s| s.devices.len() == 2).await;
        until(&desk.phone, "both devices are known", |s| s.devices.len() == 2).await;
        let dialed = bob.phone.execute(Command::Dial { to: alice.email.clone() }).await.unwrap();
        let call = dialed.call_id().unwrap().to_owned();
        until(&laptop.phone, "the call rings", |s| state(s, &call) == "ringing").await;
        laptop.phone.execute(Command::Answer { call: Some(call.clone()) }).await.unwrap();
        until(&laptop.phone, "the call is live here", |s| place(s, &call) == "here").await;
        Self { _server: server, laptop, desk, bob, call }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_hear_each_other_and_a_pull_and_a_push_move_the_audio() {
    let scene = Scene::answered_on_laptop(0).await;
    let Scene { laptop, desk, bob, call, .. } = &scene;
    laptop.ear.hears("Alice's laptop", BOB_HZ, &[LAPTOP_HZ, DESK_HZ]).await;
    bob.ear.hears("Bob", LAPTOP_HZ, &[BOB_HZ, DESK_HZ]).await;
    assert_eq!(desk.ear.samples_heard(), 0, "the desk phone plays nothing while the laptop has the call");

    desk.phone.execute(Command::Pull { call: call.clone() }).await.unwrap();
    desk.ear.hears("the desk phone after its pull", BOB_HZ, &[LAPTOP_HZ, DESK_HZ]).await;
    bob.ear.hears("Bob after the pull", DESK_HZ, &[LAPTOP_HZ]).await;
    laptop.ear.hears_nothing("the laptop after the pull", Duration::from_secs(1)).await;

    desk.phone.execute(Command::Push { call: call.clone(), device: "Laptop".into() }).await.unwrap();
    laptop.ear.hears("the laptop after the push back", BOB_HZ, &[LAPTOP_HZ, DESK_HZ]).await;
    bob.ear.hears("Bob after the push back", LAPTOP_HZ, &[DESK_HZ]).await;
    desk.ear.hears_nothing("the desk phone after the push", Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_silences_what_the_laptop_sends_and_hold_silences_both_ways() {
    let scene = Scene::answered_on_laptop(0).await;
    let Scene { laptop, bob, call, .. } = &scene;
    laptop.ear.hears("Alice's laptop", BOB_HZ, &[LAPTOP_HZ]).await;
    bob.ear.hears("Bob", LAPTOP_HZ, &[BOB_HZ]).await;

    laptop.phone.execute(Command::Mute { call: call.clone() }).await.unwrap();
    bob.ear.hears_nothing("Bob while Alice is muted", Duration::from_secs(1)).await;
    laptop.ear.hears("the muted laptop", BOB_HZ, &[LAPTOP_HZ]).await;

    laptop.phone.execute(Command::Unmute { call: call.clone() }).await.unwrap();
    bob.ear.hears("Bob after unmute", LAPTOP_HZ, &[BOB_HZ]).await;

    laptop.phone.execute(Command::Hold { call: call.clone() }).await.unwrap();
    until(&bob.phone, "Bob sees the hold", |s| state(s, call) == "held").await;
    let (bob_hears, laptop_hears) = tokio::join!(
        bob.ear.hears_nothing("Bob while on hold", Duration::from_secs(1)),
        laptop.ear.hears_nothing("the laptop while holding", Duration::from_secs(1)),
    );
    let ((), ()) = (bob_hears, laptop_hears);

    laptop.phone.execute(Command::Resume { call: call.clone() }).await.unwrap();
    bob.ear.hears("Bob after resume", LAPTOP_HZ, &[BOB_HZ]).await;
    laptop.ear.hears("the laptop after resume", BOB_HZ, &[LAPTOP_HZ]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_devices_mid_call_changes_what_is_sent_and_where_it_plays() {
    let scene = Scene::answered_on_laptop(0).await;
    let Scene { laptop, bob, .. } = &scene;
    bob.ear.hears("Bob", LAPTOP_HZ, &[BOB_HZ]).await;
    laptop.devices.set_input(Box::new(ToneSource::new(Tone::new(DESK_HZ, 8_000))));
    bob.ear.hears("Bob after the laptop switched microphones", DESK_HZ, &[LAPTOP_HZ]).await;
    let headset = Ear(CaptureSink::new());
    laptop.devices.set_output(Box::new(headset.0.clone()));
    headset.hears("the laptop's new output", BOB_HZ, &[LAPTOP_HZ]).await;
    laptop.ear.hears_nothing("the laptop's old output", Duration::from_millis(500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_lossy_link_the_tone_comes_through_concealed_and_the_quality_shows_it() {
    let scene = Scene::answered_on_laptop(15).await;
    let Scene { laptop, call, .. } = &scene;
    laptop.ear.hears("the laptop on a lossy link", BOB_HZ, &[LAPTOP_HZ]).await;
    let snapshot = until(&laptop.phone, "the quality shows the loss", |s| s.quality.get(call).is_some_and(|q| q.loss_percent > 5.0)).await;
    let quality = snapshot.quality[call];
    assert!(quality.concealed_percent > 5.0, "losses should have been concealed: {quality:?}");
}

/// The real cpal path: Alice's phone uses the computer's default devices, which on the
/// test machine are a PulseAudio null sink and its monitor (`bash scripts/audio.sh`), so
/// what her phone plays out comes back in as her microphone. Bob's tone can then only
/// return to Bob through cpal's output and cpal's input on Alice's side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_plays_through_the_real_audio_devices_and_captures_from_them() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob_account = Client::sign_up(&server.base, "bob").await;
    let input = SystemInput::open(None).expect("a default input device: run `bash scripts/audio.sh` to start PulseAudio with a null sink");
    let output = SystemOutput::open(None).expect("a default output device: run `bash scripts/audio.sh` to start PulseAudio with a null sink");
    // Unprocessed: the echo canceller would (rightly) keep Bob's tone from coming back.
    let devices = AudioDevices::new(Box::new(input), Box::new(output)).with_processing(ProcessingConfig::OFF);
    let laptop = start_phone(&server, &alice, "Laptop", devices, 0).await;
    let bob = audio_phone(&server, &bob_account, "Phone", BOB_HZ, 0).await;
    let dialed = bob.phone.execute(Command::Dial { to: alice.email.clone() }).await.unwrap();
    let call = dialed.call_id().unwrap().to_owned();
    until(&laptop, "the call rings", |s| state(s, &call) == "ringing").await;
    laptop.execute(Command::Answer { call: Some(call.clone()) }).await.unwrap();
    // PulseAudio starts its callbacks a couple of seconds late: the deadline allows for it.
    bob.ear.hears("Bob, through Alice's speaker and microphone", BOB_HZ, &[LAPTOP_HZ]).await;
}
