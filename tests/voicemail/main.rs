//! System tests of voicemail: a real server on loopback with a short ring timeout,
//! Bob's phone engine going on to voicemail when his call is not taken and recording
//! his 440 Hz tone after Alice's 700 Hz greeting, and Alice's two devices seeing the
//! message and playing it back by Range requests. What each output device plays is
//! analysed for the tones and their lengths.

use std::path::{Path, PathBuf};
use std::time::Duration;

use restphone_media::analysis::dominant_tone_ratio;
use restphone_media::call::{AudioDevices, MediaConfig};
use restphone_media::device::{CaptureSink, SilenceSource, ToneSource};
use restphone_media::tone::Tone;
use restphone_phone::voicemail::RecordingStage;
use restphone_phone::{Command, Phone, PhoneConfig, Snapshot};
use restphone_system_tests::phone::{audio_phone_config, field, start_audio_phone, start_phone, state, until};
use restphone_system_tests::{Client, TestServer};
use serde_json::json;

const TONE_HZ: f64 = 440.0;
const GREETING_HZ: f64 = 700.0;
const BEEP_HZ: f64 = 1_000.0;
const MESSAGE_MS: u64 = 4_000;
/// The prompt (default greeting and beep) plus the recording, in real time, plus the upload.
const RECORDING_DEADLINE: Duration = Duration::from_secs(30);
/// A sample above this is part of the tone (which plays at amplitude 8,000).
const LOUD: u16 = 2_000;

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

/// Bob's phone, which goes on to voicemail when his call is not taken, with a
/// continuous 440 Hz tone as his microphone.
async fn start_bob(server: &TestServer, bob: &Client, ear: &CaptureSink) -> Phone {
    let devices = AudioDevices::new(Box::new(ToneSource::new(Tone::new(TONE_HZ, 8_000))), Box::new(ear.clone()));
    let config = PhoneConfig { auto_voicemail: true, ..audio_phone_config(server, bob, "Phone", MediaConfig::default(), devices) };
    start_phone(config).await
}

fn recording_stage(snapshot: &Snapshot) -> Option<RecordingStage> {
    snapshot.voicemail.recording.as_ref().map(|r| r.stage)
}

/// Checks a stored Ogg Opus file with `opusinfo`: it opens, and plays for about `length_ms`.
fn assert_opusinfo(file: &Path, length_ms: u64) {
    let opusinfo = std::process::Command::new("opusinfo").arg(file).output().expect("opusinfo is installed (opus-tools, scripts/test)");
    let report = String::from_utf8_lossy(&opusinfo.stdout);
    assert!(opusinfo.status.success() && report.contains("Opus stream 1"), "{report}");
    // "Playback length: 0m:03.993s"
    let length = report.split("Playback length: ").nth(1).and_then(|rest| rest.split_once('s')).map(|(length, _)| length).unwrap_or_default();
    let (minutes, seconds) = length.split_once("m:").unwrap_or_default();
    let played_ms = (minutes.parse::<f64>().unwrap_or(-1.0) * 60.0 + seconds.parse::<f64>().unwrap_or(-1.0)) * 1000.0;
    assert!((played_ms - length_ms as f64).abs() <= 150.0, "{length_ms} ms expected: {report}");
}

/// The one file in a directory of the server's data.
fn only_file(dir: PathBuf) -> PathBuf {
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?} in {}", dir.display());
    files[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_call_goes_to_voicemail_that_both_devices_see_and_the_laptop_plays_and_seeks() {
    let server = TestServer::start_with(|config| config.ring_timeout = Duration::from_secs(1)).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob_account = Client::sign_up(&server.base, "bob").await;

    // Alice records her greeting from a 700 Hz tone on her laptop.
    let laptop_ear = CaptureSink::new();
    let laptop_devices = AudioDevices::new(Box::new(ToneSource::new(Tone::new(GREETING_HZ, 8_000))), Box::new(laptop_ear.clone()));
    let laptop = start_phone(audio_phone_config(&server, &alice, "Laptop", MediaConfig::default(), laptop_devices)).await;
    laptop.execute(Command::RecordGreeting).await.unwrap();
    until(&laptop, "the greeting records", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.recorded_ms >= 1_500)).await;
    laptop.execute(Command::StopRecording).await.unwrap();
    until(&laptop, "the greeting is stored", |s| recording_stage(s) == Some(RecordingStage::Sent)).await;
    let greeting_ms = laptop.snapshots().borrow().voicemail.recording.as_ref().unwrap().recorded_ms;
    assert_opusinfo(&only_file(server.data_dir().join("greetings")), greeting_ms);
    let desk =
        start_audio_phone(&server, &alice, "Desk", MediaConfig::default(), AudioDevices::new(Box::new(SilenceSource), Box::new(CaptureSink::new()))).await;

    // Bob calls, neither device answers: after the ring timeout his phone goes on to voicemail.
    let bob_ear = CaptureSink::new();
    let bob = start_bob(&server, &bob_account, &bob_ear).await;
    let dialed = bob.execute(Command::Dial { to: alice.email.clone() }).await.unwrap();
    let call = dialed.call_id().unwrap().to_owned();
    until(&desk, "the call rings", |s| state(s, &call) == "ringing").await;
    let voicemail = until(&bob, "the call goes to voicemail", |s| state(s, &call) == "voicemail").await;
    assert_eq!(field(&voicemail, &call, "actions"), json!(["hangup", "discard"]));
    assert_eq!(field(&voicemail, &call, "ended")["reason"], json!("noanswer"));
    let recording =
        until_within(&bob, RECORDING_DEADLINE, "Bob records after the greeting and beep", |s| recording_stage(s) == Some(RecordingStage::Recording)).await;
    let heard = bob_ear.samples();
    assert!(has_tone(&heard, GREETING_HZ), "Bob hears Alice's 700 Hz greeting");
    assert!(has_tone(&heard, BEEP_HZ), "then the beep");
    assert_eq!(recording.voicemail.recording.unwrap().call.as_deref(), Some(call.as_str()));

    // Bob hangs up after 4 s: that sends the message.
    until(&bob, "Bob has spoken for 4 s", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.recorded_ms >= MESSAGE_MS)).await;
    bob.execute(Command::Hangup { call: None }).await.unwrap();
    let sent = until(&bob, "the message is sent", |s| recording_stage(s).is_some_and(RecordingStage::is_over)).await;
    assert_eq!(recording_stage(&sent), Some(RecordingStage::Sent));
    assert_eq!((state(&sent, &call), field(&sent, &call, "recorded_seconds")), (json!("ended"), json!(4)));

    // Both of Alice's devices show one unheard message of 4 s from Bob.
    for phone in [&laptop, &desk] {
        let waiting = until(phone, "the message is waiting", |s| s.unheard_messages == 1).await;
        let message = &waiting.messages[0];
        assert_eq!(message.from, bob_account.email);
        assert!(message.duration_ms.unwrap().abs_diff(MESSAGE_MS) <= 150, "{message:?}");
    }
    let message = laptop.snapshots().borrow().messages[0].clone();
    assert_opusinfo(&only_file(server.data_dir().join("messages")), MESSAGE_MS);

    // Bob can neither list nor fetch Alice's messages.
    bob_account.get(&format!("/user/{}/message", alice.email)).await.problem(403);
    bob_account.get(message.audio_url.as_deref().unwrap()).await.problem(403);

    // The laptop plays it to the end: 440 Hz for 4 s through its output.
    let before_play = laptop_ear.samples().len();
    laptop.execute(Command::PlayMessage { id: message.id.clone() }).await.unwrap();
    until_within(&laptop, RECORDING_DEADLINE, "the message plays to its end", |s| playback_state(s).as_deref() == Some("finished")).await;
    let played = &laptop_ear.samples()[before_play..];
    assert!(dominant_tone_ratio(played, TONE_HZ) > 100.0, "the laptop plays the 440 Hz tone");
    assert!(tone_ms(played).abs_diff(MESSAGE_MS) <= 100, "the tone played for {} ms", tone_ms(played));

    // Paused at once, sought to 2 s and resumed: only the last 2 s play.
    laptop.execute(Command::PlayMessage { id: message.id.clone() }).await.unwrap();
    laptop.execute(Command::PauseMessage).await.unwrap();
    until(&laptop, "the playback pauses", |s| playback_state(s).as_deref() == Some("paused")).await;
    let before_seek = laptop_ear.samples().len();
    laptop.execute(Command::SeekMessage { position_ms: 2_000 }).await.unwrap();
    until(&laptop, "the position moves to 2 s", |s| s.voicemail.playback.as_ref().is_some_and(|p| p.position_ms.abs_diff(2_000) <= 100)).await;
    laptop.execute(Command::ResumeMessage).await.unwrap();
    until_within(&laptop, RECORDING_DEADLINE, "the rest plays to its end", |s| playback_state(s).as_deref() == Some("finished")).await;
    let after_seek = &laptop_ear.samples()[before_seek..];
    assert!(tone_ms(after_seek).abs_diff(MESSAGE_MS - 2_000) <= 100, "after the seek the tone played for {} ms", tone_ms(after_seek));

    // Heard on the laptop is heard on the desk phone.
    until(&desk, "the desk phone sees it heard", |s| s.unheard_messages == 0 && s.messages.iter().all(|m| m.heard)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_call_and_a_user_without_devices_take_messages_and_a_discarded_one_leaves_none() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob_account = Client::sign_up(&server.base, "bob").await;
    let carol = Client::sign_up(&server.base, "carol").await;
    let laptop =
        start_audio_phone(&server, &alice, "Laptop", MediaConfig::default(), AudioDevices::new(Box::new(SilenceSource), Box::new(CaptureSink::new()))).await;
    let bob = start_bob(&server, &bob_account, &CaptureSink::new()).await;

    // Alice declines: Bob hears the default prompt and leaves a message.
    let call = bob.execute(Command::Dial { to: alice.email.clone() }).await.unwrap().call_id().unwrap().to_owned();
    until(&laptop, "the call rings", |s| state(s, &call) == "ringing").await;
    laptop.execute(Command::Decline { call: Some(call.clone()) }).await.unwrap();
    until_within(&bob, RECORDING_DEADLINE, "Bob records", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.recorded_ms >= 500)).await;
    assert_eq!(field(&bob.snapshots().borrow(), &call, "ended")["reason"], json!("declined"));
    bob.execute(Command::Hangup { call: Some(call.clone()) }).await.unwrap();
    until(&laptop, "the message arrives", |s| s.messages.len() == 1).await;

    // Carol has no device: her call ends `unavailable` at once and goes to voicemail.
    let call = bob.execute(Command::Dial { to: carol.email.clone() }).await.unwrap().call_id().unwrap().to_owned();
    let voicemail = until(&bob, "Carol's voicemail answers", |s| state(s, &call) == "voicemail").await;
    assert_eq!(field(&voicemail, &call, "ended")["reason"], json!("unavailable"));
    until_within(&bob, RECORDING_DEADLINE, "Bob records", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.recorded_ms >= 500)).await;
    bob.execute(Command::Hangup { call: None }).await.unwrap();
    until(&bob, "the message is sent", |s| recording_stage(s) == Some(RecordingStage::Sent)).await;
    let carols = carol.get(&format!("/user/{}/message", carol.email)).await.expect(200);
    assert_eq!(carols.as_array().map(Vec::len), Some(1), "{carols:?}");

    // Discarded: nothing arrives, and there is nothing left to hang up or discard.
    let call = bob.execute(Command::Dial { to: carol.email.clone() }).await.unwrap().call_id().unwrap().to_owned();
    until_within(&bob, RECORDING_DEADLINE, "Bob records", |s| {
        s.voicemail.recording.as_ref().is_some_and(|r| r.call.as_deref() == Some(call.as_str()) && r.recorded_ms >= 300)
    })
    .await;
    bob.execute(Command::Discard { call: Some(call.clone()) }).await.unwrap();
    let discarded = until(&bob, "the message is discarded", |s| recording_stage(s) == Some(RecordingStage::Cancelled)).await;
    assert_eq!((state(&discarded, &call), field(&discarded, &call, "recorded_seconds")), (json!("ended"), json!(null)));
    assert_eq!(bob.execute(Command::Discard { call: None }).await.unwrap_err().to_string(), "no voice message is being left after that call");
    let carols = carol.get(&format!("/user/{}/message", carol.email)).await.expect(200);
    assert_eq!(carols.as_array().map(Vec::len), Some(1), "only the first message for Carol: {carols:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_greeting_the_default_prompt_plays_and_a_message_can_be_left_without_calling() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob_account = Client::sign_up(&server.base, "bob").await;
    let laptop =
        start_audio_phone(&server, &alice, "Laptop", MediaConfig::default(), AudioDevices::new(Box::new(SilenceSource), Box::new(CaptureSink::new()))).await;

    // Alice has no greeting: Bob hears the default (spoken) prompt, then the beep.
    let bob_ear = CaptureSink::new();
    let bob = start_bob(&server, &bob_account, &bob_ear).await;
    bob.execute(Command::LeaveMessage { to: alice.email.clone(), prompt: true }).await.unwrap();
    until_within(&bob, RECORDING_DEADLINE, "Bob records after the prompt", |s| recording_stage(s) == Some(RecordingStage::Recording)).await;
    let heard = bob_ear.samples();
    let beep_at = heard.chunks(4_800).position(|window| window.len() == 4_800 && dominant_tone_ratio(window, BEEP_HZ) > 100.0).expect("the beep");
    assert!(beep_at * 100 >= 2_000, "at least 2 s of spoken prompt before the beep, found {} ms", beep_at * 100);
    assert!(tone_ms(&heard[..beep_at * 4_800]) >= 2_000, "the prompt is heard");
    bob.execute(Command::CancelRecording).await.unwrap();
    until(&bob, "the recording is cancelled", |s| recording_stage(s) == Some(RecordingStage::Cancelled)).await;

    // Without a prompt, recording starts at once; stopping sends it.
    bob.execute(Command::LeaveMessage { to: alice.email.clone(), prompt: false }).await.unwrap();
    until(&bob, "Bob records", |s| s.voicemail.recording.as_ref().is_some_and(|r| r.recorded_ms >= 300)).await;
    bob.execute(Command::StopRecording).await.unwrap();
    until(&laptop, "only the sent message arrives", |s| s.messages.len() == 1 && s.unheard_messages == 1).await;
    let error = bob.execute(Command::StopRecording).await.unwrap_err();
    assert_eq!(error.to_string(), "nothing is being recorded");
}
