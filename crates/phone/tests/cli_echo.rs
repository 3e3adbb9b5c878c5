//! `restphone-cli run` on the computer's default devices, which on the test machine are
//! PulseAudio's null sink and its monitor (`bash scripts/audio.sh`): whatever Alice's phone
//! plays comes back into its microphone. Bob talks from a WAV file and records what he
//! hears; unless Alice's phone is told not to, it cancels the echo of his voice.

mod common;

use std::path::Path;

use common::{Running, one_shot, start_server};
use restphone_media::analysis::rms;
use restphone_media::device::{AudioSink, AudioSource, WavSink, WavSource};
use restphone_media::speech_like::SpeechLike;
use serde_json::Value;

const RATE: usize = 48_000;

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

/// Bob's voice: a minute of speech-like bursts as a WAV file; returns its level.
fn write_bob_voice(path: &Path) -> f64 {
    let voice = SpeechLike::new(3, 9_000).next_frame(60 * RATE);
    let mut wav = WavSink::create(path).unwrap();
    wav.write(&voice).unwrap();
    wav.finish().unwrap();
    rms(&voice)
}

fn quality(snapshot: &Value, call: &str) -> Value {
    snapshot["quality"][call].clone()
}

/// Bob calls Alice, whose phone runs with `alice_flags` on the default devices and answers
/// by itself. Returns how loud Bob hears his own voice come back, against what he sends,
/// over the last two seconds of a call that ran until Alice's phone had measured it three
/// times after the echo canceller (if any) converged.
async fn echo_bob_hears(alice_flags: &[&str]) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let base = start_server(dir.path()).await;
    assert!(one_shot(&base, "alice@example.com", &["signup"]).await.0);
    assert!(one_shot(&base, "bob@example.com", &["signup"]).await.0);
    let (voice, heard) = (dir.path().join("bob-voice.wav"), dir.path().join("bob-heard.wav"));
    let sends = write_bob_voice(&voice);

    let alice_args = [&["run", "--auto-answer", "--bind", "127.0.0.1:0"], alice_flags].concat();
    let mut alice = Running::start(&base, "alice@example.com", "Laptop", &alice_args);
    alice.until_snapshot("alice is connected", |v| v["connected"] == true).await;
    let bob_args = ["run", "--play", voice.to_str().unwrap(), "--record", heard.to_str().unwrap(), "--bind", "127.0.0.1:0"];
    let mut bob = Running::start(&base, "bob@example.com", "Phone", &bob_args);
    bob.until_snapshot("bob is connected", |v| v["connected"] == true).await;
    bob.send("dial alice@example.com").await;
    let dialed = bob.until("the dial result", |v| v["command"] == "dial alice@example.com").await;
    let call = dialed["result"]["call"].as_str().unwrap().to_owned();

    let processed = !alice_flags.contains(&"--no-echo-cancel");
    let ready = |v: &Value| {
        let quality = quality(v, &call);
        quality["receiving"] == true && (!processed || quality["echo"]["converged"] == true)
    };
    let mut measured = alice.until_snapshot("alice's phone hears Bob (and has found the echo)", ready).await;
    for _ in 0..3 {
        let before = quality(&measured, &call);
        measured = alice.until("a new quality reading", |v| v.get("calls").is_some() && quality(v, &call) != before).await;
    }
    for phone in [&mut bob, &mut alice] {
        phone.send("quit").await;
        assert!(phone.child.wait().await.unwrap().success());
    }
    let mut recording = WavSource::open(&heard).unwrap();
    let mut samples = vec![0; recording.remaining()];
    recording.read(&mut samples).unwrap();
    let last_two_seconds = &samples[samples.len().saturating_sub(2 * RATE)..];
    db(rms(last_two_seconds) / sends)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_s_phone_cancels_the_echo_of_bob_s_voice_unless_told_not_to() {
    let raw = echo_bob_hears(&["--no-echo-cancel", "--no-noise-suppression", "--no-gain-control"]).await;
    let processed = echo_bob_hears(&[]).await;
    eprintln!("Bob hears his voice back at {raw:.1} dB unprocessed, {processed:.1} dB processed");
    assert!(raw > -10.0, "unprocessed, Bob should hear his echo: {raw:.1} dB");
    assert!(processed <= -30.0, "processed, Bob still hears his echo at {processed:.1} dB");
}
