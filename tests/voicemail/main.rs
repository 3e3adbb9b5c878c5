//! System tests of voicemail: a real server on loopback with a short ring timeout,
//! Bob's phone engine leaving a message made from a 440 Hz tone file after nobody
//! answers, and Alice's two devices seeing it and playing it back by Range requests.
//! What Alice's output device plays is analysed for the tone and its length.

use std::time::Duration;

use restphone_media::analysis::dominant_tone_ratio;
use restphone_media::call::{AudioDevices, MediaConfig};
use restphone_media::device::{AudioSink, CaptureSink, SilenceSource, WavSink, WavSource};
use restphone_media::tone::Tone;
use restphone_phone::voicemail::RecordingStage;
use restphone_phone::{Command, Phone, Snapshot};
use restphone_system_tests::phone::{start_audio_phone, state, until};
use restphone_system_tests::{Client, TestServer};

const TONE_HZ: f64 = 440.0;
const MESSAGE_MS: u64 = 3_000;
/// The prompt (default greeting and beep) plus the recording, in real time, plus the upload.
const RECORDING_DEADLINE: Duration = Duration::from_secs(30);
/// A sample above this is part of the tone (which plays at amplitude 8,000).
const LOUD: u16 = 2_000;

async fn start_phone(server: &TestServer, user: &Client, device: &str, devices: AudioDevices) -> Phone {
    start_audio_phone(server, user, device, MediaConfig::default(), devices).await
}

/// Waits like `until`, with a deadline of its own.
async fn until_within(phone: &Phone, deadline: Duration, what: &str, condition: impl Fn(&Snapshot) -> bool) -> Snapshot {
    let mut snapshots = phone.snapshots();
    match tokio::time::timeout(deadline, snapshots.wait_for(|s| condition(s))).await {
        Ok(Ok(snapshot)) => snapshot.clone(),
        _ => panic!("{what}: not within {deadline:?}; last snapshot: {}", serde_json::to_string_pretty(&*phone.snapshots().borrow()).unwrap()),
    }
}

/// How long the tone lasts in `samples`, from its first loud sample to its last.
fn tone_ms(samples: &[i16]) -> u64 {
    let first = samples.iter().position(|s| s.unsigned_abs() > LOUD);
    let last = samples.iter().rposition(|s| s.unsigned_abs() > LOUD);
    match (first, last) {
        (Some(first), Some(last)) => ((last - first) / 48) as u64,
        _ => 0,
    }
}

/// Whether some 100 ms stretch of `samples` is the tone `hz`.
fn has_tone(samples: &[i16], hz: f64) -> bool {
    samples.chunks(4_800).any(|window| window.len() == 4_800 && dominant_tone_ratio(window, hz) > 100.0)
}

fn playback_state(snapshot: &Snapshot) -> Option<String> {
    snapshot.voicemail.playback.as_ref().map(|p| serde_json::to_value(p.state).unwrap().as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_call_leaves_a_message_that_both_devices_see_and_the_laptop_plays_and_seeks() {
    let server = TestServer::start_with(|config| config.ring_timeout = Duration::from_secs(1)).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob_account = Client::sign_up(&server.base, "bob").await;
    let dir = tempfile::tempdir().unwrap();
    let tone_file = dir.path().join("tone.wav");
    let mut sink = WavSink::create(&tone_file).unwrap();
    sink.write(&Tone::new(TONE_HZ, 8_000).next_frame(MESSAGE_MS as usize * 48)).unwrap();
    sink.finish().unwrap();

    let laptop_ear = CaptureSink::new();
    let laptop = start_phone(&server, &alice, "Laptop", AudioDevices::new(Box::new(SilenceSource), Box::new(laptop_ear.clone()))).await;
    let desk = start_phone(&server, &alice, "Desk", AudioDevices::new(Box::new(SilenceSource), Box::new(CaptureSink::new()))).await;
    let bob_ear = CaptureSink::new();
    let bob = start_phone(&server, &bob_account, "Phone", AudioDevices::new(Box::new(WavSource::open(&tone_file).unwrap()), Box::new(bob_ear.clone()))).await;

    // Bob calls, nobody answers: the call ends `noanswer` and offers Bob a voice message.
    let dialed = bob.execute(Command::Dial { to: alice.email.clone() }).await.unwrap();
    let call = dialed["call"].as_str().unwrap().to_owned();
    until(&laptop, "the call rings", |s| state(s, &call) == "ringing").await;
    let ended = until(&bob, "the call ends unanswered", |s| state(s, &call) == "ended").await;
    let offered = restphone_system_tests::phone::field(&ended, &call, "actions");
    assert_eq!(offered, serde_json::json!(["leave_message"]));

    bob.execute(Command::LeaveMessage { to: alice.email.clone(), prompt: true }).await.unwrap();
    until(&bob, "Bob hears the prompt", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.stage == RecordingStage::Prompt)).await;
    let sent = until_within(&bob, RECORDING_DEADLINE, "Bob's message is sent", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.stage.is_over())).await;
    let recording = sent.voicemail.recording.unwrap();
    assert_eq!(recording.stage, RecordingStage::Sent, "{recording:?}");
    assert!(recording.recorded_ms.abs_diff(MESSAGE_MS) <= 100, "{recording:?}");
    assert!(has_tone(&bob_ear.samples(), 1_000.0), "the prompt ends with a 1 kHz beep, played through Bob's own output");

    // Both of Alice's devices show the message waiting.
    for phone in [&laptop, &desk] {
        until(phone, "the message is waiting", |s| s.unheard_messages == 1).await;
    }
    let message = laptop.snapshots().borrow().messages[0].clone();
    assert_eq!(message.from, bob_account.email);
    assert!(message.duration_ms.unwrap().abs_diff(MESSAGE_MS) <= 100, "{message:?}");

    // Bob can neither list nor fetch Alice's messages.
    bob_account.get(&format!("/user/{}/message", alice.email)).await.problem(403);
    bob_account.get(message.audio_url.as_deref().unwrap()).await.problem(403);

    // The stored file opens with a standard tool.
    let stored = std::fs::read_dir(server.data_dir().join("messages")).unwrap().next().unwrap().unwrap().path();
    let opusinfo = std::process::Command::new("opusinfo").arg(&stored).output().expect("opusinfo is installed (opus-tools, scripts/test)");
    let report = String::from_utf8_lossy(&opusinfo.stdout);
    assert!(opusinfo.status.success() && report.contains("Opus stream 1") && report.contains("Playback length: 0m:03"), "{report}");

    // The laptop plays it to the end: the tone, as long as the message, through its output.
    laptop.execute(Command::PlayMessage { id: message.id.clone() }).await.unwrap();
    until_within(&laptop, RECORDING_DEADLINE, "the message plays to its end", |s| playback_state(s).as_deref() == Some("finished")).await;
    let played = laptop_ear.samples();
    assert!(dominant_tone_ratio(&played, TONE_HZ) > 100.0, "the laptop plays the 440 Hz tone");
    assert!(tone_ms(&played).abs_diff(MESSAGE_MS) <= 100, "the tone played for {} ms", tone_ms(&played));

    // Heard on the laptop is heard on the desk phone.
    until(&desk, "the desk phone sees it heard", |s| s.unheard_messages == 0 && s.messages.iter().all(|m| m.heard)).await;

    // Paused at once, sought to the middle and resumed: only the second half plays.
    laptop.execute(Command::PlayMessage { id: message.id.clone() }).await.unwrap();
    laptop.execute(Command::PauseMessage).await.unwrap();
    until(&laptop, "the playback pauses", |s| playback_state(s).as_deref() == Some("paused")).await;
    let before_seek = laptop_ear.samples().len();
    laptop.execute(Command::SeekMessage { position_ms: MESSAGE_MS / 2 }).await.unwrap();
    until(&laptop, "the position moves to the middle", |s| s.voicemail.playback.as_ref().is_some_and(|p| p.position_ms.abs_diff(MESSAGE_MS / 2) <= 100)).await;
    laptop.execute(Command::ResumeMessage).await.unwrap();
    until_within(&laptop, RECORDING_DEADLINE, "the rest plays to its end", |s| playback_state(s).as_deref() == Some("finished")).await;
    let after_seek = &laptop_ear.samples()[before_seek..];
    assert!(tone_ms(after_seek).abs_diff(MESSAGE_MS / 2) <= 100, "after the seek the tone played for {} ms", tone_ms(after_seek));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_greeting_replaces_the_default_prompt_and_a_message_can_be_left_without_calling() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob_account = Client::sign_up(&server.base, "bob").await;
    // Alice records a short greeting from a 660 Hz tone.
    let greeting_tone = AudioDevices::new(Box::new(restphone_media::device::ToneSource::new(Tone::new(660.0, 8_000))), Box::new(CaptureSink::new()));
    let laptop = start_phone(&server, &alice, "Laptop", greeting_tone).await;
    laptop.execute(Command::RecordGreeting).await.unwrap();
    until(&laptop, "the greeting records", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.recorded_ms >= 500)).await;
    laptop.execute(Command::StopRecording).await.unwrap();
    let stored = until(&laptop, "the greeting is stored", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.stage.is_over())).await;
    assert_eq!(stored.voicemail.recording.unwrap().stage, RecordingStage::Sent);

    // Bob's prompt is Alice's greeting (660 Hz), not the default, then the beep.
    let bob_ear = CaptureSink::new();
    let bob = start_phone(&server, &bob_account, "Phone", AudioDevices::new(Box::new(SilenceSource), Box::new(bob_ear.clone()))).await;
    bob.execute(Command::LeaveMessage { to: alice.email.clone(), prompt: true }).await.unwrap();
    until_within(&bob, RECORDING_DEADLINE, "Bob records after the prompt", |s| {
        s.voicemail.recording.as_ref().is_some_and(|r| r.stage == RecordingStage::Recording)
    })
    .await;
    assert!(has_tone(&bob_ear.samples(), 660.0), "Bob hears Alice's greeting");
    bob.execute(Command::CancelRecording).await.unwrap();
    let cancelled = until(&bob, "the recording is cancelled", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.stage == RecordingStage::Cancelled)).await;
    assert!(cancelled.voicemail.recording.is_some());

    // Without a prompt, recording starts at once; stopping sends it.
    bob.execute(Command::LeaveMessage { to: alice.email.clone(), prompt: false }).await.unwrap();
    until(&bob, "Bob records", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.recorded_ms >= 300)).await;
    bob.execute(Command::StopRecording).await.unwrap();
    until(&laptop, "only the sent message arrives", |s| s.messages.len() == 1 && s.unheard_messages == 1).await;
    let error = bob.execute(Command::StopRecording).await.unwrap_err();
    assert_eq!(error.to_string(), "nothing is being recorded");
}
