//! End to end through the real desktop app: the `restphone` binary under Xvfb, driven
//! through WebDriver (tauri-driver and WebKitWebDriver), with phone engines in this
//! process as the other devices. Each screen passed through is saved as a PNG in
//! `$RESTPHONE_SCREENSHOTS` (default: `<target dir>/screenshots`), with the app's log
//! (`restphone.log`) and tauri-driver's (`app.log`).
//!
//! Needs the app built (`bash scripts/app.sh` builds the UI, then `restphone`), Xvfb,
//! WebKitWebDriver and tauri-driver (`scripts/app.sh` installs them).

mod sinks;

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::FutureExt;
use restphone_media::call::{AudioDevices, MediaConfig};
use restphone_media::device::{NullSink, ToneSource};
use restphone_media::tone::Tone;
use restphone_media::voicemail::record_ogg_opus;
use restphone_phone::client::ServerClient;
use restphone_phone::core::appearance::AppearanceState;
use restphone_phone::{Command, MediaSetup, Phone, PhoneConfig, Snapshot};
use restphone_system_tests::desktop::{Desktop, app_binary, tauri_driver};
use restphone_system_tests::webdriver::Session;

/// How long the window may take to show something that should appear at once.
const UI: Duration = Duration::from_secs(15);
/// How long the app may take to start and show its first screen.
const LAUNCH: Duration = Duration::from_secs(60);
const PASSWORD: &str = "correct horse battery";

/// `target/debug/deps/app-HASH` → `target`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).expect("the test runs from <target>/<profile>/deps").to_owned()
}

/// `restphone-cli`, next to the app binary (`bash scripts/app.sh` builds both).
fn cli_binary() -> PathBuf {
    let cli = app_binary().with_file_name("restphone-cli");
    assert!(cli.is_file(), "{} is missing: build it first with `bash scripts/app.sh`", cli.display());
    cli
}

/// Runs one `restphone-cli` command as `email` and returns what it printed.
async fn cli(server: &str, email: &str, command: &[&str]) -> serde_json::Value {
    let output = tokio::process::Command::new(cli_binary())
        .args(["--server", server, "--user", email, "--password", PASSWORD])
        .args(command)
        .output()
        .await
        .expect("restphone-cli runs");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "restphone-cli {command:?} failed: {printed}");
    serde_json::from_str(printed.trim()).unwrap_or_else(|e| panic!("restphone-cli printed {printed}: {e}"))
}

struct Shots {
    dir: PathBuf,
}

impl Shots {
    async fn take(&self, window: &Session, name: &str) {
        let path = self.dir.join(format!("{name}.png"));
        std::fs::write(&path, window.screenshot().await).unwrap();
        eprintln!("screenshot: {}", path.display());
    }
}

async fn phone(server: &str, email: &str, device: &str) -> Phone {
    let config = phone_config(server, email, device);
    Phone::start(config).await.unwrap_or_else(|e| panic!("{email} on {device} cannot start: {e}"))
}

fn phone_config(server: &str, email: &str, device: &str) -> PhoneConfig {
    PhoneConfig::new(server, email, PASSWORD, device)
}

async fn until(phone: &Phone, what: &str, check: impl FnMut(&Snapshot) -> bool) -> Snapshot {
    let mut snapshots = phone.snapshots();
    match tokio::time::timeout(UI, snapshots.wait_for(check)).await {
        Ok(Ok(snapshot)) => snapshot.clone(),
        _ => panic!("timed out waiting until {what}: {:#?}", phone.snapshots().borrow()),
    }
}

fn where_is(snapshot: &Snapshot, call: &str) -> Option<serde_json::Value> {
    let calls = serde_json::to_value(&snapshot.calls).unwrap();
    calls.as_array()?.iter().find(|c| c["id"] == call).map(|c| serde_json::json!([c["state"], c["where"]]))
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_up_answer_and_pull_a_call_back_in_the_app() {
    let app = app_binary();
    let data = tempfile::tempdir().unwrap();
    let shots = Shots { dir: std::env::var_os("RESTPHONE_SCREENSHOTS").map(PathBuf::from).unwrap_or_else(|| target_dir().join("screenshots")) };
    std::fs::create_dir_all(&shots.dir).unwrap();
    // Port 0: the embedded server takes a free port, so a server on 7080 is left alone.
    let log = shots.dir.join("restphone.log");
    let _ = std::fs::remove_file(&log);
    let alsa = sinks::write_alsa_config(data.path());
    // WebKitWebDriver's screenshots need WebKit's compositing mode, which the app turns
    // off by default to save memory: on here, for the screenshots.
    let env: [(&str, &Path); 5] = [
        ("RESTPHONE_DATA_DIR", data.path()),
        ("RESTPHONE_PORT", Path::new("0")),
        ("RESTPHONE_LOG_FILE", &log),
        ("ALSA_CONFIG_PATH", &alsa),
        ("WEBKIT_DISABLE_COMPOSITING_MODE", Path::new("0")),
    ];
    let desktop = Desktop::start(&tauri_driver(), &env, &shots.dir.join("app.log"));
    let window = Session::start(&desktop.driver_url, app.to_str().unwrap(), LAUNCH).await;
    let outcome = std::panic::AssertUnwindSafe(scenario(&window, &shots)).catch_unwind().await;
    if outcome.is_err() {
        shots.take(&window, "failed").await;
    }
    window.close().await;
    drop(desktop);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn scenario(window: &Session, shots: &Shots) {
    // First run: host the server on this computer.
    window.wait_for("[data-testid=choose-host]", LAUNCH).await;
    shots.take(window, "01-choose-server").await;
    window.click_on("[data-testid=choose-host]", UI).await;

    // Sign up Alice and name this device.
    let server = window.wait_for_text("[data-testid=server-address]", UI, |t| t.starts_with("http://127.0.0.1:")).await;
    window.type_into("[data-testid=email]", "alice@example.com", UI).await;
    window.type_into("[data-testid=password]", PASSWORD, UI).await;
    window.type_into("[data-testid=display-name]", "Alice", UI).await;
    window.type_into("[data-testid=device-name]", "Laptop", UI).await;
    shots.take(window, "02-sign-up").await;
    window.click_on("[data-testid=account-submit]", UI).await;
    window.wait_for_text("[data-testid=me-email]", UI, |t| t == "alice@example.com").await;
    window.wait_for("[data-testid=no-calls]", UI).await;
    shots.take(window, "03-main").await;

    // Bob, on the server the app hosts, calls Alice: the app rings.
    ServerClient::sign_up(&server, "bob@example.com", PASSWORD, "Bob").await.expect("bob signs up on the embedded server");
    let bob = phone(&server, "bob@example.com", "Phone").await;
    let dialed = bob.execute(Command::Dial { to: "alice@example.com".into() }).await.expect("bob dials alice");
    let call = dialed.call_id().expect("a call id").to_owned();
    window.wait_for_text("[data-testid=incoming-caller]", UI, |t| t == "Bob").await;
    shots.take(window, "04-incoming").await;

    // Answer in the app: the call is live here, for Bob too.
    window.click_on("[data-testid=answer]", UI).await;
    let here = format!("[data-testid=call][data-call-id='{call}'][data-state=active][data-where=here]");
    window.wait_for(&here, UI).await;
    window.wait_for_text(&format!("{here} [data-testid=call-peer]"), UI, |t| t == "Bob").await;
    until(&bob, "the call is active for bob", |s| where_is(s, &call).is_some_and(|w| w[0] == "active")).await;
    shots.take(window, "05-active-here").await;

    // Alice's desk phone pulls the call: the app shows it there, with "Pull here".
    let desk = phone(&server, "alice@example.com", "Desk").await;
    until(&desk, "the desk sees the call on the laptop", |s| where_is(s, &call) == Some(serde_json::json!(["active", "Laptop"]))).await;
    desk.execute(Command::Pull { call: call.clone() }).await.expect("the desk pulls the call");
    let on_desk = format!("[data-testid=call][data-call-id='{call}'][data-where=Desk]");
    window.wait_for_text(&format!("{on_desk} [data-testid=call-where]"), UI, |t| t == "on Desk").await;
    shots.take(window, "06-on-desk").await;

    // Pull it back from the app.
    window.click_on(&format!("{on_desk} [data-testid=pull-here]"), UI).await;
    window.wait_for(&here, UI).await;
    until(&desk, "the desk sees the call back on the laptop", |s| where_is(s, &call) == Some(serde_json::json!(["active", "Laptop"]))).await;
    shots.take(window, "07-pulled-back").await;

    // Move it to the desk from the app, then hang up there from the app: the call ends for Bob.
    window.click_on(&format!("{here} [data-testid=move-to]"), UI).await;
    shots.take(window, "08-move-to").await;
    window.click_on(&format!("{here} [data-testid=move-to-device][data-device=Desk]"), UI).await;
    until(&desk, "the desk has the call", |s| where_is(s, &call) == Some(serde_json::json!(["active", "here"]))).await;
    window.click_on(&format!("{on_desk} [data-testid=hangup-remote]"), UI).await;
    until(&bob, "the call ended for bob", |s| where_is(s, &call).is_none_or(|w| w[0] == "ended")).await;
    window.wait_for(&format!("[data-testid=call][data-call-id='{call}'][data-state=ended]"), UI).await;
    shots.take(window, "09-ended").await;
    desk.quit().await;
    voicemail(window, shots, &server, &bob).await;
    recents_and_chat(window, shots, &server, &bob).await;
    devices(window, shots, &server, &bob).await;
    bob.quit().await;
    microphone(window).await;
    speaker(window, shots, &server).await;
    sharing(window, shots).await;
    looks(window, shots).await;
}

/// Bob calls and gives up: Recents shows the missed call and the count on the
/// navigation, which clears once seen. Bob writes with `restphone-cli message`; the chat
/// shows it live, and Alice's reply from the app reaches Bob.
async fn recents_and_chat(window: &Session, shots: &Shots, server: &str, bob: &Phone) {
    let dialed = bob.execute(Command::Dial { to: "alice@example.com".into() }).await.expect("bob dials alice");
    let call = dialed.call_id().expect("a call id").to_owned();
    window.wait_for_text("[data-testid=incoming-caller]", UI, |t| t == "Bob").await;
    bob.execute(Command::Hangup { call: Some(call.clone()) }).await.expect("bob gives up");
    window.wait_for_text("[data-testid=recents-count]", UI, |t| t == "1").await;
    window.click_on("[data-testid=tab-recents]", UI).await;
    let missed = format!("[data-testid=recent][data-call-id='{call}'][data-missed=true]");
    window.wait_for_text(&format!("{missed} [data-testid=recent-peer]"), UI, |t| t == "Bob").await;
    window.wait_for_text(&format!("{missed} [data-testid=recent-summary]"), UI, |t| t == "Missed").await;
    let cleared = tokio::time::timeout(UI, async {
        while window.find("[data-testid=recents-count]").await.is_some() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    assert!(cleared.await.is_ok(), "the missed count stayed after Recents was seen");
    until(bob, "bob's recents has the call", |s| s.history.first().is_some_and(|e| e.call == call)).await;
    shots.take(window, "14-recents").await;

    cli(server, "bob@example.com", &["message", "alice@example.com", "Lunch at one?"]).await;
    window.wait_for_text("[data-testid=notice]", UI, |t| t.contains("New message from bob@example.com")).await;
    window.wait_for_text("[data-testid=chat-count]", UI, |t| t == "1").await;
    window.click_on("[data-testid=tab-chat]", UI).await;
    window.click_on("[data-testid=conversation][data-peer='bob@example.com']", UI).await;
    window.wait_for_text("[data-testid=chat-message][data-from='bob@example.com'] [data-testid=chat-text]", UI, |t| t == "Lunch at one?").await;
    window.type_into("[data-testid=chat-input]", "Yes, see you there", UI).await;
    window.click_on("[data-testid=chat-send]", UI).await;
    window.wait_for_text("[data-testid=chat-message][data-from='alice@example.com'] [data-testid=chat-text]", UI, |t| t == "Yes, see you there").await;
    until(bob, "bob gets the reply", |s| s.messages.iter().any(|m| m.from == "alice@example.com" && m.text.as_deref() == Some("Yes, see you there"))).await;
    shots.take(window, "15-chat").await;
    window.click_on("[data-testid=tab-contacts]", UI).await;
    window.wait_for("[data-testid=person][data-email='bob@example.com'][data-online=true]", UI).await;
    shots.take(window, "16-contacts").await;
}

/// Alice's desk phone comes online: the app renames this device and the desk sees the
/// new name; the app signs the desk out, and Bob's next call rings the app, not the desk.
async fn devices(window: &Session, shots: &Shots, server: &str, bob: &Phone) {
    let desk = phone(server, "alice@example.com", "Desk").await;
    window.click_on("[data-testid=tab-devices]", UI).await;
    window.wait_for_text("[data-testid=device][data-here=false] [data-testid=device-name]", UI, |t| t == "Desk").await;
    window.click_on("[data-testid=rename-device]", UI).await;
    window.type_into("[data-testid=rename-device-input]", "Work laptop", UI).await;
    window.click_on("[data-testid=rename-device-save]", UI).await;
    until(&desk, "the desk sees the laptop's new name", |s| s.devices.iter().any(|d| d.name == "Work laptop")).await;
    window.wait_for_text("[data-testid=device][data-here=true] [data-testid=device-name]", UI, |t| t == "Work laptop").await;
    shots.take(window, "17-devices").await;

    window.click_on("[data-testid=device][data-here=false] [data-testid=sign-out-device]", UI).await;
    until(&desk, "the desk is signed out", |s| s.signed_out).await;
    let dialed = bob.execute(Command::Dial { to: "alice@example.com".into() }).await.expect("bob dials alice");
    let call = dialed.call_id().expect("a call id").to_owned();
    window.wait_for_text("[data-testid=incoming-caller]", UI, |t| t == "Bob").await;
    assert!(desk.snapshots().borrow().calls.iter().all(|c| c.id != call), "the signed-out desk rang");
    window.click_on("[data-testid=decline]", UI).await;
    until(bob, "the call ended for bob", |s| s.calls.iter().any(|c| c.id == call && c.state == AppearanceState::Ended)).await;
    desk.quit().await;
}

/// The level meter reads the default input, which here is the default sink's monitor:
/// quiet, then loud while "Play test sound" plays into that sink.
async fn microphone(window: &Session) {
    let dbfs = |text: &str| if text == "silent" { -96 } else { text.trim_end_matches(" dB").parse::<i32>().unwrap_or(-96) };
    window.click_on("[data-testid=tab-settings]", UI).await;
    window.click_on("[data-testid=test-microphone]", UI).await;
    window.wait_for_text("[data-testid=input-level-db]", UI, |t| dbfs(t) < -50).await;
    // The microphone's stream can take a couple of seconds to start (PulseAudio), longer
    // than the test sound lasts: play it again until the meter hears it.
    let heard = tokio::time::timeout(UI, async {
        loop {
            window.click_on("[data-testid=test-sound]", UI).await;
            for _ in 0..15 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let level = window.find("[data-testid=input-level-db]").await;
                if let Some(level) = level
                    && window.text(&level).await.is_ok_and(|t| dbfs(&t) > -30)
                {
                    return;
                }
            }
        }
    });
    assert!(heard.await.is_ok(), "the meter never heard the test sound");
    window.click_on("[data-testid=test-microphone]", UI).await;
}

/// With the ringtone set to ring on the second sink, Carol's call rings there (440 and
/// 480 Hz), and stops ringing when the app answers. Her 1,200 Hz tone then plays into the
/// default sink; choosing the second sink as the speaker moves it there mid-call, and the
/// call goes on.
async fn speaker(window: &Session, shots: &Shots, server: &str) {
    const TONE_HZ: f64 = 1_200.0;
    const RING_HZ: f64 = 440.0;
    window.click_on("[data-testid=tab-settings]", UI).await;
    window.wait_for("[data-testid=ringtone-device] option[value=rp_second]", UI).await;
    window.select("[data-testid=ringtone-device]", "rp_second", UI).await;
    // The name others see changes too: Carol's call shows it.
    window.click_on("[data-testid=change-display-name]", UI).await;
    window.type_into("[data-testid=display-name-input]", "Alice Liddell", UI).await;
    window.click_on("[data-testid=display-name-save]", UI).await;
    window.wait_for_text("[data-testid=display-name]", UI, |t| t == "Alice Liddell").await;

    ServerClient::sign_up(server, "carol@example.com", PASSWORD, "Carol").await.expect("carol signs up");
    let mut config = phone_config(server, "carol@example.com", "Phone");
    let tone = Box::new(ToneSource::new(Tone::new(TONE_HZ, 12_000)));
    config.media = Some(MediaSetup { config: MediaConfig::default(), devices: AudioDevices::new(tone, Box::new(NullSink)) });
    let carol = Phone::start(config).await.expect("carol's phone starts");
    let dialed = carol.execute(Command::Dial { to: "alice@example.com".into() }).await.expect("carol dials alice");
    let call = dialed.call_id().expect("a call id").to_owned();
    window.wait_for_text("[data-testid=incoming-caller]", UI, |t| t == "Carol").await;
    until(&carol, "carol's call shows alice's new name", |s| s.calls.iter().any(|c| c.id == call && c.peer.display_name == "Alice Liddell")).await;
    sinks::plays("rp_second", RING_HZ, UI).await;

    window.click_on("[data-testid=answer]", UI).await;
    let here = format!("[data-testid=call][data-call-id='{call}'][data-state=active][data-where=here]");
    window.wait_for(&here, UI).await;
    sinks::falls_silent("rp_second", UI).await;
    sinks::plays("rp_null", TONE_HZ, UI).await;

    window.select("[data-testid=output-device]", "rp_second", UI).await;
    sinks::plays("rp_second", TONE_HZ, UI).await;
    sinks::falls_silent("rp_null", UI).await;
    window.wait_for(&here, UI).await;
    until(&carol, "the call is still active for carol", |s| s.calls.iter().any(|c| c.id == call && c.state == AppearanceState::Active)).await;
    window.wait_for(&format!("{here} [data-testid=call-quality]"), UI).await;
    shots.take(window, "18-speaker-moved").await;
    carol.execute(Command::Hangup { call: Some(call.clone()) }).await.expect("carol hangs up");
    window.wait_for(&format!("[data-testid=call][data-call-id='{call}'][data-state=ended]"), UI).await;
    carol.quit().await;
}

/// Each screen, light and dark, in a narrow side panel and a wide window.
async fn looks(window: &Session, shots: &Shots) {
    for (width, height, size) in [(420, 860, "narrow"), (1280, 820, "wide")] {
        window.set_size(width, height).await;
        for dark in [false, true] {
            window.dark_theme(dark).await;
            let theme = if dark { "dark" } else { "light" };
            for tab in ["phone", "recents", "contacts", "chat", "devices", "settings"] {
                window.click_on(&format!("[data-testid=tab-{tab}]"), UI).await;
                shots.take(window, &format!("screen-{tab}-{theme}-{size}")).await;
            }
        }
    }
    window.dark_theme(false).await;
}

/// "Let my other devices connect": the app shows this computer's LAN address and the
/// pairing link (text and QR code); a tablet pairs with that link and signs in as Alice;
/// turning sharing off closes the LAN listener at once.
async fn sharing(window: &Session, shots: &Shots) {
    window.click_on("[data-testid=tab-devices]", UI).await;
    window.click_on("[data-testid=sharing-toggle]", UI).await;
    let link = window.wait_for_text("[data-testid=pairing-link]", UI, |t| t.starts_with("restphone://pair?server=https://")).await;
    let address = window.wait_for_text("[data-testid=sharing-address]", UI, |t| t.starts_with("https://")).await;
    assert!(!address.contains("127.0.0.1"), "other devices are never given loopback: {address}");
    assert!(link.contains(&format!("server={address}&")), "the link names the first address: {link}");
    window.wait_for("[data-testid=pairing-qr] svg", UI).await;
    window.scroll_to("[data-testid=pairing-qr]", UI).await;
    shots.take(window, "13-sharing").await;

    let tablet = phone(&link, "alice@example.com", "Tablet").await;
    until(&tablet, "the tablet sees Alice's devices", |s| s.devices.iter().any(|d| d.name == "Work laptop")).await;
    window.wait_for_text("[data-testid=device]:not([data-here=true]) .device-name", UI, |t| t == "Tablet").await;
    tablet.quit().await;

    window.click_on("[data-testid=sharing-toggle]", UI).await;
    let closed = tokio::time::timeout(UI, async {
        while ServerClient::check(&link).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    assert!(closed.await.is_ok(), "the LAN listener still answers after sharing was turned off");
}

/// Bob leaves Alice a 6 s message: the inbox shows it new, Play plays it (the position
/// advances, it becomes heard), the seek bar moves playback. Then Alice calls Bob back,
/// Bob declines, and the app goes on to voicemail: Send leaves him a message.
async fn voicemail(window: &Session, shots: &Shots, server: &str, bob: &Phone) {
    let message = record_ogg_opus(&mut ToneSource::new(Tone::new(440.0, 8_000)), Duration::from_secs(6)).expect("a tone encodes");
    let bob_client = ServerClient::sign_in(server, "bob@example.com", PASSWORD).await.expect("bob signs in");
    bob_client.leave_voice_message("alice@example.com", message).await.expect("bob leaves a message");
    let unheard = "[data-testid=voicemail][data-heard=false]";
    window.wait_for_text(&format!("{unheard} [data-testid=voicemail-from]"), UI, |t| t == "Bob").await;
    window.wait_for_text(&format!("{unheard} [data-testid=voicemail-length]"), UI, |t| t == "0:06").await;
    window.wait_for_text("[data-testid=waiting-indicator]", UI, |t| t == "1 new").await;
    shots.take(window, "10-inbox").await;

    window.click_on(&format!("{unheard} [data-testid=play]"), UI).await;
    window.wait_for_text("[data-testid=player] [data-testid=position]", UI, |t| t.starts_with("0:01 /") || t.starts_with("0:02 /")).await;
    window.wait_for("[data-testid=voicemail][data-heard=true] [data-testid=player]", UI).await;
    window.set_range("[data-testid=player] [data-testid=seek]", 4_500, UI).await;
    window.wait_for_text("[data-testid=player] [data-testid=position]", UI, |t| t.starts_with("0:05 /") || t.starts_with("0:06 /")).await;
    shots.take(window, "11-playing").await;
    bob_client.sign_out().await.ok();

    // Call back; Bob declines; the app records a message for him.
    window.click_on("[data-testid=voicemail] [data-testid=call-back]", UI).await;
    let ringing = until(bob, "alice calls bob back", |s| s.calls.iter().any(|c| c.state == AppearanceState::Ringing)).await;
    let call = ringing.calls.iter().find(|c| c.state == AppearanceState::Ringing).map(|c| c.id.clone()).expect("a ringing call");
    bob.execute(Command::Decline { call: Some(call.clone()) }).await.expect("bob declines");
    let leaving = format!("[data-testid=call][data-call-id='{call}'][data-state=voicemail]");
    // The greeting and the beep play first, then two seconds are recorded: longer than a
    // screen change, and a loaded CI machine took over 15 s once.
    let greeting_then_two_seconds = UI * 2;
    window.wait_for_text(&format!("{leaving} [data-testid=voicemail-recorded]"), greeting_then_two_seconds, |t| t.contains("2 s")).await;
    shots.take(window, "12-call-to-voicemail").await;
    window.click_on(&format!("{leaving} [data-testid=send-message]"), UI).await;
    window
        .wait_for_text(&format!("[data-testid=call][data-call-id='{call}'][data-state=ended] [data-testid=message-left]"), UI, |t| t.contains("message left"))
        .await;
    until(bob, "bob has alice's message", |s| s.unheard_messages == 1).await;
}
