//! `restphone-cli` as a script drives it: one-shot commands, and `run` with commands
//! on standard input and JSON lines on standard output.

mod common;

use common::{DEADLINE, Running, loud_ms, one_shot, start_server, start_tls_server, wav_samples, write_tone_wav};
use serde_json::Value;

#[tokio::test]
async fn two_clis_sign_up_and_make_a_call_that_is_auto_answered() {
    let dir = tempfile::tempdir().unwrap();
    let base = start_server(dir.path()).await;
    assert!(one_shot(&base, "alice@example.com", &["signup"]).await.0);
    assert!(one_shot(&base, "bob@example.com", &["signup"]).await.0);
    let (ok, again) = one_shot(&base, "bob@example.com", &["signup"]).await;
    assert!(!ok);
    assert!(again["error"]["message"].as_str().unwrap().contains("already has an account"));

    let alice_heard = dir.path().join("alice-heard.wav");
    let bob_heard = dir.path().join("bob-heard.wav");
    let audio = |hz: &'static str, record: &std::path::Path| ["--tone", hz, "--record", record.to_str().unwrap(), "--bind", "127.0.0.1:0"].map(str::to_owned);
    let alice_args = [vec!["run".to_owned(), "--auto-answer".to_owned()], audio("1000", &alice_heard).to_vec()].concat();
    let mut alice = Running::start(&base, "alice@example.com", "Laptop", &alice_args.iter().map(String::as_str).collect::<Vec<_>>());
    alice.until_snapshot("alice is connected", |v| v["connected"] == true).await;
    let bob_args = [vec!["run".to_owned()], audio("440", &bob_heard).to_vec()].concat();
    let mut bob = Running::start(&base, "bob@example.com", "Phone", &bob_args.iter().map(String::as_str).collect::<Vec<_>>());
    bob.until_snapshot("bob is connected", |v| v["connected"] == true).await;
    bob.send("dial alice@example.com").await;
    let result = bob.until("the dial result", |v| v["command"] == "dial alice@example.com").await;
    assert_eq!(result["ok"], true, "{result}");
    let call = result["result"]["call"].as_str().unwrap().to_owned();
    let snapshot = bob
        .until_snapshot("the call is active", |v| {
            v["calls"].as_array().is_some_and(|calls| calls.iter().any(|c| c["id"] == call.as_str() && c["state"] == "active"))
        })
        .await;
    let shown = snapshot["calls"].as_array().unwrap().iter().find(|c| c["id"] == call.as_str()).unwrap().clone();
    assert_eq!(shown["where"], "here");
    assert_eq!(shown["peer"]["email"], "alice@example.com");
    alice
        .until_snapshot("alice has it here", |v| {
            v["calls"].as_array().is_some_and(|calls| calls.iter().any(|c| c["where"] == "here" && c["state"] == "active"))
        })
        .await;

    // Audio flows both ways before the call ends, so both recordings hold the far end's tone.
    let receiving = |call: &str| {
        let call = call.to_owned();
        move |v: &Value| v["quality"][&call]["receiving"] == true
    };
    bob.until_snapshot("bob receives audio", receiving(&call)).await;
    alice.until_snapshot("alice receives audio", receiving(&call)).await;

    bob.send("push nothing").await;
    let refused = bob.until("the bad command's error", |v| v["command"] == "push nothing").await;
    assert_eq!(refused["ok"], false);
    assert!(refused["error"]["message"].as_str().unwrap().contains("needs a CALL and a DEVICE"));

    bob.send(&format!("hangup {call}")).await;
    alice
        .until_snapshot("alice sees the end", |v| {
            v["calls"].as_array().is_some_and(|calls| calls.iter().any(|c| c["id"] == call.as_str() && c["state"] == "ended"))
        })
        .await;
    for phone in [&mut bob, &mut alice] {
        phone.send("quit").await;
        let status = tokio::time::timeout(DEADLINE, phone.child.wait()).await.unwrap().unwrap();
        assert!(status.success());
    }
    assert_recorded_tone(&alice_heard, 440.0, 1000.0);
    assert_recorded_tone(&bob_heard, 1000.0, 440.0);
    let (_, devices) = one_shot(&base, "bob@example.com", &["devices"]).await;
    assert!(devices.as_array().unwrap().iter().all(|d| d["name"] != "Phone"), "quit unregisters: {devices}");
}

/// `--record` wrote a complete WAV file in which `hz` stands out and `absent` does not.
fn assert_recorded_tone(path: &std::path::Path, hz: f64, absent: f64) {
    use restphone_media::analysis::dominant_tone_ratio;
    let mut source = restphone_media::device::WavSource::open(path).unwrap();
    let mut samples = vec![0; source.remaining()];
    restphone_media::device::AudioSource::read(&mut source, &mut samples).unwrap();
    let (present, other) = (dominant_tone_ratio(&samples, hz), dominant_tone_ratio(&samples, absent));
    assert!(present > 100.0 && other < 10.0, "{}: {hz} Hz ratio {present:.1}, {absent} Hz ratio {other:.1}", path.display());
}

#[tokio::test]
async fn a_wrong_password_or_an_absent_server_is_a_readable_error() {
    let dir = tempfile::tempdir().unwrap();
    let base = start_server(dir.path()).await;
    let (ok, reply) = one_shot(&base, "nobody@example.com", &["calls"]).await;
    assert!(!ok);
    assert_eq!(reply["error"]["message"], "wrong email or password");
    let (ok, reply) = one_shot("http://127.0.0.1:9", "a@example.com", &["calls"]).await;
    assert!(!ok);
    assert!(reply["error"]["message"].as_str().unwrap().contains("cannot be reached"), "{reply}");
}

#[tokio::test]
async fn a_pairing_link_as_the_server_signs_up_and_in_over_https_and_a_wrong_pin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let link = start_tls_server(dir.path()).await;
    let (ok, reply) = one_shot(&link, "alice@example.com", &["signup"]).await;
    assert!(ok, "{reply}");
    let (ok, reply) = one_shot(&link, "alice@example.com", &["devices"]).await;
    assert!(ok, "{reply}");

    let (start, _) = link.split_once("cert=").unwrap();
    let wrong_pin = format!("{start}cert={}", "0".repeat(64));
    let (ok, reply) = one_shot(&wrong_pin, "alice@example.com", &["devices"]).await;
    assert!(!ok);
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("not the one in the pairing link"), "{reply}");
}

#[tokio::test]
async fn a_voice_message_is_left_listed_saved_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let base = start_server(&dir.path().join("server")).await;
    let (alice, bob) = ("alice@example.com", "bob@example.com");
    assert!(one_shot(&base, alice, &["signup"]).await.0);
    assert!(one_shot(&base, bob, &["signup"]).await.0);
    let wav = dir.path().join("tone.wav");
    write_tone_wav(&wav, 440.0, 1.5);
    let wav = wav.to_str().unwrap();

    let (ok, left) = one_shot(&base, bob, &["leave", alice, "--play", wav]).await;
    assert!(ok, "{left}");
    assert!(left["message"].as_str().unwrap().contains("/message/"), "{left}");
    assert!(left["duration_ms"].as_u64().unwrap().abs_diff(1500) <= 100, "{left}");

    let (ok, list) = one_shot(&base, alice, &["voicemail", "list"]).await;
    assert!(ok, "{list}");
    let [message] = list.as_array().unwrap().as_slice() else { panic!("one message: {list}") };
    assert_eq!((&message["from"], &message["heard"]), (&Value::from(bob), &Value::from(false)));
    assert!(message["duration_ms"].as_u64().unwrap().abs_diff(1500) <= 100, "{message}");
    let id = message["id"].as_str().unwrap();

    let saved = dir.path().join("out.ogg");
    let (ok, reply) = one_shot(&base, alice, &["voicemail", "save", id, saved.to_str().unwrap()]).await;
    assert!(ok, "{reply}");
    let ogg = std::fs::read(&saved).unwrap();
    assert!(oggopus::inspect(&ogg).unwrap().duration_ms.abs_diff(1500) <= 100);
    // The file as the server stores it opens with a standard tool (opus-tools, installed by scripts/test).
    let opusinfo = std::process::Command::new("opusinfo").arg(&saved).output().expect("opusinfo is installed");
    assert!(opusinfo.status.success() && String::from_utf8_lossy(&opusinfo.stdout).contains("Opus stream 1"), "{opusinfo:?}");
    let pcm = restphone_media::voicemail::decode_ogg_opus(&ogg).unwrap();
    assert!(restphone_media::analysis::dominant_tone_ratio(&pcm, 440.0) > 100.0);

    let (ok, reply) = one_shot(&base, bob, &["voicemail", "save", id, dir.path().join("theft.ogg").to_str().unwrap()]).await;
    assert!(!ok, "bob cannot fetch alice's message: {reply}");
    assert!(!dir.path().join("theft.ogg").exists());

    let client = restphone_phone::client::ServerClient::sign_in(&base, alice, "a long password").await.unwrap();
    assert_eq!(client.message_audio(id).await.unwrap(), ogg);

    // Played to the end through a WAV "speaker": the tone, as long as the message, and it is heard now.
    let played = dir.path().join("played.wav");
    let (ok, reply) = one_shot(&base, alice, &["voicemail", "play", id, "--record", played.to_str().unwrap()]).await;
    assert!(ok, "{reply}");
    let pcm = wav_samples(&played);
    let tone_ms = loud_ms(&pcm);
    assert!(tone_ms.abs_diff(1500) <= 100, "the tone played for {tone_ms} ms");
    assert!(restphone_media::analysis::dominant_tone_ratio(&pcm, 440.0) > 100.0);
    assert_eq!(one_shot(&base, alice, &["voicemail", "list"]).await.1[0]["heard"], true);
    let (ok, reply) = one_shot(&base, alice, &["voicemail", "play", "no-such-id", "--record", played.to_str().unwrap()]).await;
    assert!(!ok && reply["error"]["message"].as_str().unwrap().contains("there is no message no-such-id"), "{reply}");

    let (ok, reply) = one_shot(&base, alice, &["voicemail", "delete", id]).await;
    assert!(ok, "{reply}");
    assert_eq!(one_shot(&base, alice, &["voicemail", "list"]).await.1, serde_json::json!([]));
}

#[tokio::test]
async fn leave_refuses_unknown_users_and_unusable_wav_files() {
    let dir = tempfile::tempdir().unwrap();
    let base = start_server(&dir.path().join("server")).await;
    assert!(one_shot(&base, "bob@example.com", &["signup"]).await.0);
    let wav = dir.path().join("x.wav");
    write_tone_wav(&wav, 440.0, 0.2);
    let leave = |file: std::path::PathBuf| {
        let base = base.clone();
        async move { one_shot(&base, "bob@example.com", &["leave", "alice@example.com", "--play", file.to_str().unwrap()]).await }
    };
    let message = |reply: &Value| reply["error"]["message"].as_str().unwrap().to_owned();

    let (ok, reply) = one_shot(&base, "bob@example.com", &["leave", "nobody@example.com", "--play", wav.to_str().unwrap()]).await;
    assert!(!ok);
    assert!(message(&reply).contains("there is no user"), "{reply}");

    let (ok, reply) = leave(dir.path().join("missing.wav")).await;
    assert!(!ok);
    assert!(message(&reply).contains("cannot use") && message(&reply).contains("missing.wav"), "{reply}");

    let cd_rate = dir.path().join("cd.wav");
    let spec = hound::WavSpec { channels: 1, sample_rate: 44_100, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(&cd_rate, spec).unwrap();
    (0..4_410).for_each(|_| writer.write_sample(0i16).unwrap());
    writer.finalize().unwrap();
    let (ok, reply) = leave(cd_rate).await;
    assert!(!ok);
    assert!(message(&reply).contains("44100 Hz") && message(&reply).contains("48000 Hz"), "{reply}");
}

#[tokio::test]
async fn run_refuses_unusable_audio_flags_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.wav");
    let cases: [(&[&str], &str); 5] = [
        (&["--tone", "5"], "--tone must be between 20 and 20000 Hz"),
        (&["--frame-ms", "15"], "--frame-ms must be 10 or 20"),
        (&["--tone", "440", "--turn-credentials", "no-colon"], "--turn-credentials must be USER:CREDENTIAL"),
        (&["--play", missing.to_str().unwrap()], "cannot use"),
        (&["--tone", "440", "--output", "no-such-device"], "no audio output device named \"no-such-device\""),
    ];
    for (flags, expected) in cases {
        // The flags are checked before the server is contacted, so none is needed.
        let (ok, reply) = one_shot("http://127.0.0.1:9", "alice@example.com", &[&["run"], flags].concat()).await;
        assert!(!ok, "{flags:?} should be refused: {reply}");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{flags:?}: {message}");
    }
}
