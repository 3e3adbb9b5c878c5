//! The app as a desktop citizen, under Xvfb with a session bus of its own: links it is
//! opened with, a second launch, and (in `panel`) what a desktop panel sees of it.
//!
//! Needs the app built (`bash scripts/app.sh`), Xvfb, WebKitWebDriver, tauri-driver
//! and dbus-daemon (`scripts/app.sh` installs them).

mod panel;

use std::path::Path;
use std::time::Duration;

use panel::Panel;
use restphone_phone::client::ServerClient;
use restphone_phone::core::appearance::AppearanceState;
use restphone_phone::{Command, Phone, PhoneConfig, Snapshot};
use restphone_system_tests::TestServer;
use restphone_system_tests::desktop::{Desktop, app_binary, tauri_driver};
use restphone_system_tests::webdriver::{CONTROL, SHIFT, Session};

/// How long the window may take to show something that should appear at once.
const UI: Duration = Duration::from_secs(15);
const LAUNCH: Duration = Duration::from_secs(60);
const PASSWORD: &str = "correct horse battery";
const ALICE: &str = "alice@example.com";

/// How many processes run `binary` on the data in `data_dir` (tests run side by side).
fn processes_of(binary: &Path, data_dir: &Path) -> usize {
    let binary = binary.canonicalize().unwrap();
    let mine = format!("RESTPHONE_DATA_DIR={}", data_dir.display()).into_bytes();
    let pids = std::fs::read_dir("/proc").unwrap().filter_map(|entry| entry.ok()).filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok());
    let runs_mine = |dir: &Path| std::fs::read(dir.join("environ")).is_ok_and(|environ| environ.split(|&byte| byte == 0).any(|variable| variable == mine));
    pids.filter(|entry| std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == binary) && runs_mine(&entry.path())).count()
}

/// The app, signed in as Alice ("Desk") on a server of the test's own: its data dir
/// names the server and the account, as a previous run would have left it.
struct SignedIn {
    window: Session,
    panel: Panel,
    desktop: Desktop,
    data: tempfile::TempDir,
    server: TestServer,
}

impl SignedIn {
    async fn start(args: &[&str], own_home: bool) -> SignedIn {
        let server = TestServer::start().await;
        ServerClient::sign_up(&server.base, ALICE, PASSWORD, "Alice").await.expect("alice signs up");
        let data = tempfile::tempdir().unwrap();
        let settings = serde_json::json!({ "server": { "kind": "remote", "url": server.base }, "email": ALICE, "device_name": "Desk" });
        std::fs::write(data.path().join("settings.json"), settings.to_string()).unwrap();
        let secrets = serde_json::json!({ format!("{ALICE} at {}", server.base): PASSWORD });
        std::fs::write(data.path().join("secrets.json"), secrets.to_string()).unwrap();
        let log = data.path().join("restphone.log");
        let mut env: Vec<(&str, &Path)> = vec![("RESTPHONE_DATA_DIR", data.path()), ("RESTPHONE_LOG_FILE", &log)];
        // A home of its own, for what the app writes there (the autostart entry); it
        // has no sound server then: PulseAudio's socket is found through the home.
        let home = data.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        if own_home {
            env.push(("HOME", &home));
        }
        let desktop = Desktop::start(&tauri_driver(), &env, &data.path().join("driver.log"));
        let panel = Panel::start(&desktop.bus_address).await;
        let window = Session::start_with_args(&desktop.driver_url, app_binary().to_str().unwrap(), args, LAUNCH).await;
        window.wait_for_text("[data-testid=me-email]", LAUNCH, |text| text == ALICE).await;
        SignedIn { window, panel, desktop, data, server }
    }

    /// After the app quit: ends its WebDriver session and starts it again on the same data.
    async fn start_again(self) -> SignedIn {
        let SignedIn { window, panel, desktop, data, server } = self;
        window.close().await;
        let window = Session::start(&desktop.driver_url, app_binary().to_str().unwrap(), LAUNCH).await;
        window.wait_for_text("[data-testid=me-email]", LAUNCH, |text| text == ALICE).await;
        SignedIn { window, panel, desktop, data, server }
    }

    /// Launches the binary again on the same desktop, with `args`, and waits for it to end.
    async fn launch_again(&self, args: &[&str]) -> std::process::ExitStatus {
        let mut second = tokio::process::Command::new(app_binary());
        second.args(args).env("DISPLAY", &self.desktop.display).env("DBUS_SESSION_BUS_ADDRESS", &self.desktop.bus_address);
        second
            .env("RESTPHONE_DATA_DIR", self.data.path())
            .env("RESTPHONE_LOG_FILE", self.data.path().join("second.log"))
            .env("HOME", self.data.path().join("home"));
        let mut second = second.kill_on_drop(true).spawn().expect("the app starts again");
        tokio::time::timeout(UI, second.wait()).await.expect("a second launch ends at once").unwrap()
    }

    async fn dialer_shows(&self, address: &str) {
        let expression = format!("document.querySelector('[data-testid=dial-input]')?.value === {}", serde_json::json!(address));
        self.window.wait_until(&expression, UI).await;
    }

    /// Another device: `email` on `device`, signed up first unless it is Alice.
    async fn phone(&self, email: &str, device: &str) -> Phone {
        if email != ALICE {
            ServerClient::sign_up(&self.server.base, email, PASSWORD, email.split('@').next().unwrap()).await.expect("signs up");
        }
        let config = PhoneConfig::new(&self.server.base, email, PASSWORD, device);
        Phone::start(config).await.unwrap_or_else(|e| panic!("{email} on {device} cannot start: {e}"))
    }

    async fn close(self) {
        self.window.close().await;
        drop(self.desktop);
        drop(self.server);
    }
}

/// Also run on the installed package's binary by `scripts/package-test`.
#[tokio::test(flavor = "multi_thread")]
async fn the_app_opens_on_its_first_screen() {
    let data = tempfile::tempdir().unwrap();
    let home = data.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let log = data.path().join("restphone.log");
    let env: [(&str, &Path); 3] = [("RESTPHONE_DATA_DIR", data.path()), ("HOME", &home), ("RESTPHONE_LOG_FILE", &log)];
    let desktop = Desktop::start(&tauri_driver(), &env, &data.path().join("driver.log"));
    let window = Session::start(&desktop.driver_url, app_binary().to_str().unwrap(), LAUNCH).await;
    window.wait_for("[data-testid=choose-host]", LAUNCH).await;
    assert_eq!(window.evaluate("document.title").await, Ok(serde_json::json!("restphone")));
    // No panel shows tray icons on this desktop: closing the window minimizes it (a no-op
    // without a window manager) instead of hiding it where nothing could bring it back.
    window.press(&[CONTROL, "w"]).await;
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("the window closed: minimized") {
        assert!(started.elapsed() < UI, "the app did not say how it closed the window: {}", std::fs::read_to_string(&log).unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(window.evaluate("document.visibilityState").await, Ok(serde_json::json!("visible")));
    window.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn links_fill_the_dialer_and_a_second_launch_hands_its_link_to_the_first() {
    let app = SignedIn::start(&["tel:bob@example.com"], false).await;
    app.dialer_shows("bob@example.com").await;
    assert_eq!(processes_of(&app_binary(), app.data.path()), 1);

    let second = app.launch_again(&["sip:carol@example.com;transport=tcp"]).await;
    assert!(second.success(), "the second launch hands over its link and exits cleanly: {second:?}");
    app.dialer_shows("carol@example.com").await;
    assert_eq!(processes_of(&app_binary(), app.data.path()), 1, "the second launch left one app running");
    app.close().await;
}

async fn until(phone: &Phone, what: &str, check: impl FnMut(&Snapshot) -> bool) -> Snapshot {
    let mut snapshots = phone.snapshots();
    match tokio::time::timeout(UI, snapshots.wait_for(check)).await {
        Ok(Ok(snapshot)) => snapshot.clone(),
        _ => panic!("timed out waiting until {what}: {:#?}", phone.snapshots().borrow()),
    }
}

fn state_of(snapshot: &Snapshot, call: &str) -> Option<AppearanceState> {
    snapshot.calls.iter().find(|appearance| appearance.id == call).map(|appearance| appearance.state)
}

/// Bob calls Alice; the call's id.
async fn call_alice(bob: &Phone) -> String {
    let dialed = bob.execute(Command::Dial { to: ALICE.into() }).await.expect("bob dials alice");
    dialed.call_id().expect("a call id").to_owned()
}

fn call_in_window(call: &str, state: &str, place: &str) -> String {
    format!("[data-testid=call][data-call-id='{call}'][data-state={state}][data-where={place}]")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ringing_call_notifies_with_answer_and_decline_and_is_withdrawn_once_answered_anywhere() {
    let app = SignedIn::start(&[], false).await;
    let bob = app.phone("bob@example.com", "Phone").await;
    let ringing = |shown: &[panel::Shown]| shown.iter().rev().find(|n| n.open && n.summary == "bob is calling").cloned();

    // Answer on the notification: the call is live in the app, and the notification goes.
    let call = call_alice(&bob).await;
    let notification = app.panel.wait_for("a notification of bob's call", UI, ringing).await;
    assert_eq!(notification.actions.chunks(2).map(|pair| pair[1].as_str()).collect::<Vec<_>>(), ["Show", "Answer", "Decline"]);
    app.panel.invoke(notification.id, "answer").await;
    app.window.wait_for(&call_in_window(&call, "active", "here"), UI).await;
    until(&bob, "the call is active for bob", |s| state_of(s, &call) == Some(AppearanceState::Active)).await;
    app.panel.wait_for("the notification withdrawn", UI, |shown| shown.iter().find(|n| n.id == notification.id && !n.open).map(|_| ())).await;
    bob.execute(Command::Hangup { call: Some(call.clone()) }).await.unwrap();

    // Answered on Alice's laptop: the notification here is withdrawn.
    let laptop = app.phone(ALICE, "Laptop").await;
    let call = call_alice(&bob).await;
    let notification = app.panel.wait_for("a notification of bob's second call", UI, ringing).await;
    until(&laptop, "the laptop rings", |s| state_of(s, &call) == Some(AppearanceState::Ringing)).await;
    laptop.execute(Command::Answer { call: Some(call.clone()) }).await.expect("the laptop answers");
    app.panel.wait_for("the notification withdrawn", UI, |shown| shown.iter().find(|n| n.id == notification.id && !n.open).map(|_| ())).await;
    app.window.wait_for(&call_in_window(&call, "active", "Laptop"), UI).await;
    laptop.execute(Command::Hangup { call: Some(call.clone()) }).await.unwrap();

    // Decline on the notification: the call ends for Bob.
    let call = call_alice(&bob).await;
    let notification = app.panel.wait_for("a notification of bob's third call", UI, ringing).await;
    app.panel.invoke(notification.id, "decline").await;
    until(&bob, "the call is declined", |s| state_of(s, &call) == Some(AppearanceState::Ended)).await;

    // A call Bob gives up on before anyone answers is a missed call.
    let call = call_alice(&bob).await;
    app.panel.wait_for("a notification of bob's fourth call", UI, ringing).await;
    bob.execute(Command::Hangup { call: Some(call) }).await.unwrap();
    let missed = app.panel.wait_for("a missed call notification", UI, |shown| shown.iter().find(|n| n.summary == "Missed call").cloned()).await;
    assert_eq!(missed.body, "from bob");
    // Clicking it brings the window back from the tray.
    app.window.press(&[CONTROL, "w"]).await;
    app.window.wait_until("document.visibilityState === 'hidden'", UI).await;
    app.panel.invoke(missed.id, "default").await;
    app.window.wait_until("document.visibilityState === 'visible'", UI).await;
    laptop.quit().await;
    bob.quit().await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_menu_follows_the_phone_and_do_not_disturb_sends_calls_to_voicemail() {
    let app = SignedIn::start(&[], false).await;
    let labels = |menu: &[panel::MenuEntry]| menu.iter().map(|entry| (entry.label.clone(), entry.enabled)).collect::<Vec<_>>();
    let menu = app.panel.tray_menu(UI).await;
    let expected = [("Hide restphone", true), ("Do not disturb", true), ("Mute", false), ("Hang up", false), ("Quit restphone", true)];
    assert_eq!(labels(&menu), expected.map(|(label, enabled)| (label.to_owned(), enabled)));
    let ready_icon = app.panel.tray_icon(UI).await;

    // Do not disturb from the tray: Bob's call is declined at once, and nothing rings here.
    app.panel.click_tray("Do not disturb", UI).await;
    app.panel.wait_for_tray("Do not disturb", UI, |entry| entry.checked == Some(true)).await;
    let bob = app.phone("bob@example.com", "Phone").await;
    let call = call_alice(&bob).await;
    let ended = until(&bob, "the call is declined", |s| state_of(s, &call) == Some(AppearanceState::Ended)).await;
    let ending = ended.calls.iter().find(|c| c.id == call).and_then(|c| c.ended.clone()).unwrap();
    assert_eq!(ending.reason, Some(restphone_api::call::EndReason::Declined));
    app.panel.click_tray("Do not disturb", UI).await;
    app.panel.wait_for_tray("Do not disturb", UI, |entry| entry.checked == Some(false)).await;

    // In a call: Mute and Hang up act on it, and the icon shows it.
    // Answered with the keyboard shortcut its button's tooltip names.
    let call = call_alice(&bob).await;
    let answer = app.window.wait_for("[data-testid=answer]", UI).await;
    assert_eq!(app.window.attribute(&answer, "title").await.as_deref(), Some("Answer (Ctrl+Shift+A)"));
    app.window.press(&[CONTROL, SHIFT, "a"]).await;
    app.window.wait_for(&call_in_window(&call, "active", "here"), UI).await;
    app.panel.wait_for_tray("Mute", UI, |entry| entry.enabled && entry.checked == Some(false)).await;
    app.panel.click_tray("Mute", UI).await;
    app.panel.wait_for_tray("Mute", UI, |entry| entry.checked == Some(true)).await;
    app.window.wait_for(&format!("{}[data-muted=true]", call_in_window(&call, "active", "here")), UI).await;
    assert_ne!(app.panel.tray_icon(UI).await, ready_icon, "the icon shows the call");
    app.panel.click_tray("Hang up", UI).await;
    until(&bob, "the call ended for bob", |s| state_of(s, &call) == Some(AppearanceState::Ended)).await;

    // Hidden in the tray, then brought back by a second launch.
    app.panel.click_tray("Hide restphone", UI).await;
    app.window.wait_until("document.visibilityState === 'hidden'", UI).await;
    assert!(app.launch_again(&[]).await.success());
    app.window.wait_until("document.visibilityState === 'visible'", UI).await;
    assert_eq!(app.panel.tray_menu(UI).await[0].label, "Hide restphone");

    // Quit from the tray: no process stays, and the next start has the window's size back.
    app.window.set_size(1040, 700).await;
    let size = "window.outerWidth === 1040 && window.outerHeight === 700";
    app.window.wait_until(size, UI).await;
    app.panel.click_tray("Quit restphone", UI).await;
    let started = std::time::Instant::now();
    while processes_of(&app_binary(), app.data.path()) > 0 {
        assert!(started.elapsed() < UI, "the app still runs {UI:?} after Quit");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let app = app.start_again().await;
    app.window.wait_until(size, UI).await;
    bob.quit().await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_start_the_app_at_login_keep_it_in_the_tray_and_copy_diagnostics() {
    let app = SignedIn::start(&[], true).await;
    app.window.click_on("[data-testid=tab-settings]", UI).await;
    let shortcuts = app.window.wait_for_text("[data-testid=shortcuts]", UI, |text| !text.is_empty()).await;
    assert_eq!(shortcuts, "Answer Ctrl+Shift+A · Decline Ctrl+Shift+D · Hang up Ctrl+Shift+H · Mute Ctrl+Shift+M");

    // Start at login: an XDG autostart entry that starts the app hidden in the tray.
    let entry = app.data.path().join("home/.config/autostart/restphone.desktop");
    app.window.click_on("[data-testid=start-at-login]", UI).await;
    app.window.wait_for("[data-testid=start-at-login]:checked", UI).await;
    let text = std::fs::read_to_string(&entry).expect("the autostart entry is written");
    let exec = text.lines().find_map(|line| line.strip_prefix("Exec=")).expect("an Exec line");
    assert!(exec.ends_with(" --hidden") && exec.starts_with(app_binary().to_str().unwrap()), "{exec}");
    app.window.click_on("[data-testid=start-at-login]", UI).await;
    app.window.wait_for("[data-testid=start-at-login]:not(:checked)", UI).await;
    assert!(!entry.exists(), "the autostart entry is removed");

    // Closing the window (Ctrl+W, as its close button) keeps the app in the tray.
    app.window.wait_for("[data-testid=keep-in-tray]:checked", UI).await;
    app.window.press(&[CONTROL, "w"]).await;
    app.window.wait_until("document.visibilityState === 'hidden'", UI).await;
    assert_eq!(processes_of(&app_binary(), app.data.path()), 1, "the app runs on in the tray");
    assert!(app.launch_again(&[]).await.success());
    app.window.wait_until("document.visibilityState === 'visible'", UI).await;

    // Diagnostics: the version, the state, and the log's tail, without the password.
    app.window.click_on("[data-testid=copy-diagnostics]", UI).await;
    let report = app.window.wait_for_text("[data-testid=diagnostics]", UI, |text| text.contains("signed in")).await;
    assert!(report.starts_with(&format!("restphone {}", env!("CARGO_PKG_VERSION"))), "{report}");
    assert!(report.contains(ALICE) && !report.contains(PASSWORD), "{report}");

    // Quitting on close, chosen here, outlives the run.
    app.window.click_on("[data-testid=keep-in-tray]", UI).await;
    app.window.wait_for("[data-testid=keep-in-tray]:not(:checked)", UI).await;
    let settings: serde_json::Value = serde_json::from_slice(&std::fs::read(app.data.path().join("settings.json")).unwrap()).unwrap();
    assert_eq!(settings["habits"], serde_json::json!({ "quit_on_close": true, "start_at_login": false }));
    app.close().await;
}
