//! `restphone-cli` and voicemail: a greeting set from a WAV file, a call to a user with no
//! device going on to voicemail in `run` (greeting, beep, recording, `hangup` sends), and
//! the message played from a given second by the one-shot `voicemail play --at`.

mod common;

use common::{Running, cli, loud_ms, one_shot, start_server, wav_samples, write_tone_wav};
use restphone_media::analysis::dominant_tone_ratio;
use serde_json::{Value, json};

fn call_of<'a>(snapshot: &'a Value, id: &str) -> &'a Value {
    snapshot["calls"].as_array().and_then(|calls| calls.iter().find(|call| call["id"] == id)).unwrap_or(&Value::Null)
}

fn recording_stage(snapshot: &Value) -> &Value {
    &snapshot["voicemail"]["recording"]["stage"]
}

#[tokio::test]
async fn an_unanswered_call_goes_to_voicemail_after_the_greeting_and_plays_back_from_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let base = start_server(&dir.path().join("server")).await;
    let (alice, bob) = ("alice@example.com", "bob@example.com");
    assert!(one_shot(&base, alice, &["signup"]).await.0);
    assert!(one_shot(&base, bob, &["signup"]).await.0);

    // Alice's greeting: 1.5 s of 700 Hz from a WAV file. A file that is no WAV is refused.
    let greeting = dir.path().join("greeting.wav");
    write_tone_wav(&greeting, 700.0, 1.5);
    let (ok, set) = one_shot(&base, alice, &["greeting", "set", greeting.to_str().unwrap()]).await;
    assert!(ok && set["duration_ms"].as_u64().unwrap().abs_diff(1_500) <= 100, "{set}");
    let not_wav = dir.path().join("notes.txt");
    std::fs::write(&not_wav, "not audio").unwrap();
    let (ok, refused) = one_shot(&base, alice, &["greeting", "set", not_wav.to_str().unwrap()]).await;
    assert!(!ok && refused["error"]["message"].as_str().unwrap().contains("cannot use"), "{refused}");

    // Alice has no device: Bob's call ends `unavailable` and goes on to voicemail.
    let heard_by_bob = dir.path().join("bob-hears.wav");
    let mut phone = Running::start(&base, bob, "Phone", &["run", "--tone", "440", "--record", heard_by_bob.to_str().unwrap()]);
    phone.until_snapshot("connected", |s| s["connected"] == true).await;
    phone.send(&format!("dial {alice}")).await;
    let dialed = phone.until("the dial result", |v| v["command"] == format!("dial {alice}")).await;
    let call = dialed["result"]["call"].as_str().unwrap_or_else(|| panic!("{dialed}")).to_owned();
    let voicemail = phone.until_snapshot("voicemail", |s| call_of(s, &call)["state"] == "voicemail").await;
    assert_eq!(call_of(&voicemail, &call)["actions"], json!(["hangup", "discard"]));
    phone.until_snapshot("two seconds recorded", |s| call_of(s, &call)["recorded_seconds"].as_u64() >= Some(2)).await;
    phone.send("hangup").await;
    let sent = phone.until_snapshot("the message is sent", |s| recording_stage(s) == "sent").await;
    assert_eq!((&call_of(&sent, &call)["state"], &call_of(&sent, &call)["recorded_seconds"]), (&json!("ended"), &json!(2)));
    phone.send("discard").await;
    let nothing = phone.until("discard with nothing recording", |v| v["command"] == "discard").await;
    assert_eq!(nothing["error"]["message"], "no voice message is being left after that call");
    phone.send("quit").await;
    phone.child.wait().await.unwrap();
    let heard = wav_samples(&heard_by_bob);
    let windows_with = |hz: f64| heard.chunks(4_800).filter(|w| w.len() == 4_800 && dominant_tone_ratio(w, hz) > 100.0).count();
    assert!(windows_with(700.0) >= 10, "Bob hears the 1.5 s greeting");
    assert!(windows_with(1_000.0) >= 1, "then the beep");

    // Alice plays it from 1 s: the rest of the 440 Hz message, and nothing before.
    let (ok, list) = one_shot(&base, alice, &["voicemail", "list"]).await;
    let [message] = list.as_array().unwrap().as_slice() else { panic!("one message: {list}") };
    assert!(ok && message["from"] == bob, "{list}");
    let duration_ms = message["duration_ms"].as_u64().unwrap();
    assert!(duration_ms.abs_diff(2_000) <= 150, "{message}");
    let played = dir.path().join("played.wav");
    let id = message["id"].as_str().unwrap();
    let (ok, reply) = one_shot(&base, alice, &["voicemail", "play", id, "--at", "1", "--record", played.to_str().unwrap()]).await;
    assert!(ok && reply["duration_ms"] == duration_ms, "{reply}");
    let pcm = wav_samples(&played);
    assert!(dominant_tone_ratio(&pcm, 440.0) > 100.0);
    assert!((loud_ms(&pcm) as u64).abs_diff(duration_ms - 1_000) <= 100, "played {} ms of {duration_ms} from 1 s", loud_ms(&pcm));
    let refused = cli(&base, alice, "cli", &["voicemail", "play", id, "--at", "soon"]).stderr(std::process::Stdio::piped()).output().await.unwrap();
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("'soon' is not a number of seconds"), "{refused:?}");

    let (ok, cleared) = one_shot(&base, alice, &["greeting", "clear"]).await;
    assert!(ok, "{cleared}");
}
