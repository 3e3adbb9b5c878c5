//! The app's life without a window: a recorder stands in for it.

use std::sync::Arc;
use std::time::Duration;

use restphone_phone::{Command, Notice, Snapshot};
use tokio::sync::watch;

use super::{App, Paths};
use crate::error::ErrorCode;
use crate::status::{Phase, Status};
use crate::window::Window;

const DEADLINE: Duration = Duration::from_secs(10);

struct Recorder {
    status: watch::Sender<Option<Status>>,
    snapshot: watch::Sender<Snapshot>,
    notices: std::sync::Mutex<Vec<Notice>>,
}

impl Window for Recorder {
    fn status(&self, status: &Status) {
        self.status.send_replace(Some(status.clone()));
    }

    fn snapshot(&self, snapshot: &Snapshot) {
        self.snapshot.send_replace(snapshot.clone());
    }

    fn notice(&self, notice: &Notice) {
        self.notices.lock().unwrap().push(notice.clone());
    }
}

/// An app on `dir` (port 0: the embedded server takes a free port) and what its window was told.
fn app_in(dir: &std::path::Path) -> (Arc<App>, watch::Receiver<Option<Status>>, watch::Receiver<Snapshot>) {
    let (status, statuses) = watch::channel(None);
    let (snapshot, snapshots) = watch::channel(Snapshot::default());
    let paths = Paths { dir: dir.to_owned(), portable: true };
    (Arc::new(App::new(paths, 0, Arc::new(Recorder { status, snapshot, notices: Default::default() }))), statuses, snapshots)
}

async fn until<T>(receiver: &mut watch::Receiver<T>, what: &str, check: impl FnMut(&T) -> bool) {
    tokio::time::timeout(DEADLINE, receiver.wait_for(check)).await.unwrap_or_else(|_| panic!("timed out waiting for {what}")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_hosts_signs_up_and_the_next_start_signs_in_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (app, mut statuses, mut snapshots) = app_in(dir.path());
    app.clone().boot().await;
    assert_eq!(app.status().phase, Phase::ChooseServer);

    let hosted = app.host_here().await.unwrap();
    assert_eq!((hosted.phase, hosted.hosting), (Phase::Account, true));
    let server = hosted.server.clone().unwrap();
    assert!(server.starts_with("http://127.0.0.1:"), "{server}");

    let short = app.sign_up("alice@example.com", "short", "Alice", "Laptop").await.unwrap_err();
    assert_eq!(short.code, ErrorCode::Invalid, "{short:?}");
    let ready = app.sign_up("alice@example.com", "long secret", "Alice", "Laptop").await.unwrap();
    assert_eq!((ready.phase, ready.email.as_deref(), ready.device_name.as_deref()), (Phase::Ready, Some("alice@example.com"), Some("Laptop")));
    until(&mut snapshots, "alice's first snapshot", |s| s.email == "alice@example.com" && s.connected).await;
    until(&mut statuses, "the ready status", |s| s.as_ref().is_some_and(|s| s.phase == Phase::Ready)).await;
    let refused = app.execute(Command::Dial { to: "nobody@example.com".into() }).await.unwrap_err();
    assert_ne!(refused.code, ErrorCode::NotSignedIn);
    // What the user changes here outlives the run: the password, this device's name,
    // do not disturb.
    app.execute(Command::ChangePassword { current: "long secret".into(), new: "a longer secret".into() }).await.unwrap();
    app.execute(Command::RenameDevice { name: "Work laptop".into() }).await.unwrap();
    app.execute(Command::DoNotDisturb { enabled: true }).await.unwrap();
    app.shutdown().await;
    let settings = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
    assert!(!settings.contains("long secret") && !settings.contains("a longer secret"), "{settings}");

    let (again, _, mut snapshots) = app_in(dir.path());
    again.clone().boot().await;
    until(&mut snapshots, "the remembered account's snapshot", |s| s.email == "alice@example.com" && s.device_name == "Work laptop" && s.do_not_disturb).await;
    assert_eq!(again.status().server, Some(server), "the hosted server keeps its address");
    let out = again.log_out().await.unwrap();
    assert_eq!((out.phase, out.email), (Phase::Account, None));
    again.shutdown().await;
}

#[tokio::test]
async fn an_address_that_is_no_server_is_refused_before_anything_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _, _) = app_in(dir.path());
    assert_eq!(app.use_server("example.com").await.unwrap_err().code, ErrorCode::Invalid);
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let unreachable = app.use_server(&format!("http://{closed}")).await.unwrap_err();
    assert_eq!(unreachable.code, ErrorCode::ServerUnreachable);
    assert_eq!(app.status().server, None);
    assert_eq!(app.execute(Command::Answer { call: None }).await.unwrap_err().code, ErrorCode::NotSignedIn);
    let not_hosting = app.set_sharing(true).await.unwrap_err();
    assert_eq!(not_hosting.code, ErrorCode::NotPossible, "only a hosted server can be shared: {not_hosting:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_server_pairs_another_app_by_its_link_and_stays_shared_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _, mut snapshots) = app_in(dir.path());
    app.clone().boot().await;
    app.host_here().await.unwrap();
    app.sign_up("alice@example.com", "long secret", "Alice", "Laptop").await.unwrap();
    let shared = app.set_sharing(true).await.unwrap().sharing.expect("sharing shows how to connect");
    assert!(shared.addresses.iter().all(|address| address.starts_with("https://") && !address.contains("127.0.0.1")), "{:?}", shared.addresses);
    let link = shared.link.expect("this machine has a LAN address");

    let tablet_dir = tempfile::tempdir().unwrap();
    let (tablet, _, _) = app_in(tablet_dir.path());
    let mut wrong_pin = link.clone();
    wrong_pin.replace_range(wrong_pin.len() - 64.., &"0".repeat(64));
    let refused = tablet.use_server(&wrong_pin).await.unwrap_err();
    assert!(refused.message.contains("not the one in the pairing link"), "{refused:?}");
    tablet.use_server(&link).await.expect("the link is a usable server");
    tablet.log_in("alice@example.com", "long secret", "Tablet").await.expect("the tablet signs in through the link");
    until(&mut snapshots, "the laptop sees the tablet", |s| s.devices.iter().any(|d| d.name == "Tablet")).await;
    tablet.shutdown().await;
    app.shutdown().await;

    let (again, _, _) = app_in(dir.path());
    again.clone().boot().await;
    assert_eq!(again.status().sharing.and_then(|view| view.link), Some(link.clone()), "sharing, its port and its certificate survive a restart");
    let off = again.set_sharing(false).await.unwrap();
    assert_eq!(off.sharing, None);
    assert!(restphone_phone::client::ServerClient::check(&link).await.is_err(), "the LAN listener closes when sharing is off");
    again.shutdown().await;
}

#[tokio::test]
async fn sound_settings_refuse_devices_that_are_not_there_and_keep_what_was_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _, _) = app_in(dir.path());
    let unknown = app.choose_audio_device(restphone_media::system_audio::Direction::Output, Some("no-such-speaker".into())).await.unwrap_err();
    assert_eq!(unknown.code, ErrorCode::Invalid, "{unknown:?}");
    let ringtone = crate::ringtone::RingtoneSettings::default();
    let loud = app.set_ringtone(crate::ringtone::RingtoneSettings { volume: 101, ..ringtone.clone() }).await.unwrap_err();
    assert_eq!(loud.code, ErrorCode::Invalid, "{loud:?}");
    let nowhere = app.set_ringtone(crate::ringtone::RingtoneSettings { device: Some("no-such-speaker".into()), ..ringtone.clone() }).await.unwrap_err();
    assert_eq!(nowhere.code, ErrorCode::Invalid, "{nowhere:?}");
    let choices = app.audio_choices().await.unwrap();
    assert_eq!((choices.output, choices.ringtone), (None, ringtone), "nothing refused was kept");
}
