//! System tests of the phone engine: a real server on loopback and three engines
//! (Alice's laptop, Alice's desk phone, Bob's phone), as the RIPT cases go.

use restphone_phone::client::ServerClient;
use restphone_phone::core::calls::{Change, MediaRole};
use restphone_phone::{Command, Notice, Phone, PhoneConfig};
use restphone_system_tests::phone::{field, phone_config, place, state, until};
use restphone_system_tests::{Client, DEADLINE, Proxy, TestServer};
use serde_json::Value;

struct Scene {
    server: TestServer,
    /// The laptop reaches the server through this, so its network can drop.
    laptop_network: Proxy,
    laptop: Phone,
    desk: Phone,
    bob: Phone,
}

async fn phone(base: &str, user: &Client, device: &str) -> Phone {
    Phone::start(phone_config(base, user, device)).await.expect("the phone starts")
}

impl Scene {
    async fn new() -> Self {
        let server = TestServer::start().await;
        let alice = Client::sign_up(&server.base, "alice").await;
        let bob = Client::sign_up(&server.base, "bob").await;
        let laptop_network = Proxy::start(server.address).await;
        let laptop = phone(&laptop_network.base, &alice, "Laptop").await;
        let desk = phone(&server.base, &alice, "Desk phone").await;
        let bob = phone(&server.base, &bob, "Phone").await;
        for phone in [&laptop, &desk, &bob] {
            until(phone, "the push channel is open", |s| s.connected).await;
        }
        until(&laptop, "both devices are known", |s| s.devices.len() == 2).await;
        until(&desk, "both devices are known", |s| s.devices.len() == 2).await;
        Self { server, laptop_network, laptop, desk, bob }
    }

    /// Bob dials Alice; both of her devices ring.
    async fn bob_calls(&self) -> String {
        let dialed = self.bob.execute(Command::Dial { to: "alice@example.com".into() }).await.unwrap();
        let call = dialed.call_id().unwrap().to_owned();
        for phone in [&self.laptop, &self.desk] {
            until(phone, "the call rings", |s| state(s, &call) == "ringing").await;
        }
        call
    }

    async fn answered_on_laptop(&self) -> String {
        let call = self.bob_calls().await;
        self.laptop.execute(Command::Answer { call: None }).await.unwrap();
        until(&self.laptop, "the call is live here", |s| place(s, &call) == "here").await;
        call
    }
}

#[tokio::test]
async fn bobs_call_rings_on_both_of_alices_devices() {
    let scene = Scene::new().await;
    let call = scene.bob_calls().await;
    let shown = until(&scene.desk, "the caller is shown", |s| field(s, &call, "peer")["email"] == "bob@example.com").await;
    assert_eq!(field(&shown, &call, "direction"), "incoming");
    until(&scene.bob, "Bob hears alerting", |s| state(s, &call) == "alerting").await;
}

#[tokio::test]
async fn the_laptop_answers_and_the_desk_phone_stops_ringing_and_shows_remote_in_use() {
    let scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    let desk = until(&scene.desk, "remote in use on the laptop", |s| place(s, &call) == "Laptop").await;
    assert_eq!(state(&desk, &call), "active");
    let actions = field(&desk, &call, "actions");
    assert!(actions.as_array().unwrap().contains(&Value::from("pull")), "{actions}");
    until(&scene.bob, "Bob's call is active", |s| state(s, &call) == "active").await;
}

#[tokio::test]
async fn the_desk_phone_pulls_the_call_and_the_laptop_drops_it() {
    let scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    until(&scene.desk, "remote in use", |s| place(s, &call) == "Laptop").await;
    scene.desk.execute(Command::Pull { call: call.clone() }).await.unwrap();
    until(&scene.desk, "live on the desk", |s| place(s, &call) == "here").await;
    until(&scene.laptop, "the laptop shows it on the desk", |s| place(s, &call) == "Desk phone").await;
}

#[tokio::test]
async fn the_laptop_pushes_the_call_to_the_desk_phone_which_takes_it() {
    let scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    scene.laptop.execute(Command::Push { call: call.clone(), device: "Desk phone".into() }).await.unwrap();
    until(&scene.desk, "live on the desk", |s| place(s, &call) == "here").await;
    until(&scene.laptop, "the laptop shows it on the desk", |s| place(s, &call) == "Desk phone").await;
    // ... and back again.
    scene.desk.execute(Command::Push { call: call.clone(), device: "Laptop".into() }).await.unwrap();
    until(&scene.laptop, "live on the laptop again", |s| place(s, &call) == "here").await;
}

#[tokio::test]
async fn the_desk_phone_answers_a_ringing_call_on_the_laptops_behalf() {
    let scene = Scene::new().await;
    let call = scene.bob_calls().await;
    scene.desk.execute(Command::AnswerOn { call: call.clone(), device: "Laptop".into() }).await.unwrap();
    until(&scene.laptop, "the laptop answered", |s| place(s, &call) == "here" && state(s, &call) == "active").await;
    until(&scene.desk, "the desk shows it on the laptop", |s| place(s, &call) == "Laptop").await;
}

#[tokio::test]
async fn the_desk_phone_dials_bob_from_the_laptop() {
    let scene = Scene::new().await;
    let dialed = scene.desk.execute(Command::DialFrom { device: "Laptop".into(), to: "bob@example.com".into() }).await.unwrap();
    let call = dialed.call_id().unwrap().to_owned();
    until(&scene.laptop, "the laptop dials", |s| place(s, &call) == "here").await;
    until(&scene.bob, "Bob's phone rings", |s| state(s, &call) == "ringing").await;
    scene.bob.execute(Command::Answer { call: Some(call.clone()) }).await.unwrap();
    until(&scene.desk, "the desk shows it live on the laptop", |s| state(s, &call) == "active" && place(s, &call) == "Laptop").await;
}

#[tokio::test]
async fn a_second_incoming_call_rings_as_a_second_appearance() {
    let scene = Scene::new().await;
    let first = scene.answered_on_laptop().await;
    let carol = Client::sign_up(&scene.server.base, "carol").await;
    carol.register("Carol's phone").await;
    let second = carol.call(&Client::new(&scene.server.base, "alice")).await;
    let shown = until(&scene.laptop, "the second call rings", |s| state(s, &second) == "ringing").await;
    assert_eq!(state(&shown, &first), "active");
    assert_eq!(shown.calls.len(), 2);
}

#[tokio::test]
async fn a_device_the_server_forgot_registers_again() {
    let scene = Scene::new().await;
    let before = scene.laptop.snapshots().borrow().device_id.clone();
    let alice = Client::new(&scene.server.base, "alice");
    alice.delete(&format!("/login/alice@example.com/{before}")).await.expect(204);
    let after = until(&scene.laptop, "registered again and connected", |s| s.device_id != before && s.connected).await;
    let listed = alice.get("/login/alice@example.com").await.expect(200);
    assert!(listed["devices"].as_array().unwrap().iter().any(|d| d["id"] == after.device_id.as_str()));
    // It rings again.
    let call = scene.bob_calls().await;
    until(&scene.laptop, "rings on the new registration", |s| state(s, &call) == "ringing").await;
}

#[tokio::test]
async fn the_desk_phone_hangs_up_a_call_live_on_the_laptop() {
    let scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    until(&scene.desk, "remote in use", |s| place(s, &call) == "Laptop").await;
    scene.desk.execute(Command::HangupRemote { call: call.clone() }).await.unwrap();
    for phone in [&scene.laptop, &scene.bob] {
        let ended = until(phone, "the call ended", |s| state(s, &call) == "ended").await;
        assert_eq!(field(&ended, &call, "ended")["reason"], "hangup");
    }
}

#[tokio::test]
async fn a_second_answer_is_refused_with_a_readable_error() {
    let scene = Scene::new().await;
    let call = scene.bob_calls().await;
    scene.laptop.execute(Command::Answer { call: Some(call.clone()) }).await.unwrap();
    let error = scene.desk.execute(Command::Answer { call: Some(call.clone()) }).await.unwrap_err();
    assert!(error.to_string().contains("already answered on Laptop"), "{error}");
}

#[tokio::test]
async fn a_call_that_rang_while_the_laptop_was_offline_shows_when_it_returns() {
    let scene = Scene::new().await;
    scene.laptop_network.cut();
    until(&scene.laptop, "the laptop notices", |s| !s.connected).await;
    let dialed = scene.bob.execute(Command::Dial { to: "alice@example.com".into() }).await.unwrap();
    let call = dialed.call_id().unwrap().to_owned();
    until(&scene.desk, "the desk rings", |s| state(s, &call) == "ringing").await;
    scene.laptop_network.restore();
    until(&scene.laptop, "the laptop rings after coming back", |s| s.connected && state(s, &call) == "ringing").await;
}

#[tokio::test]
async fn bobs_hang_up_while_the_laptop_was_offline_shows_as_ended_when_it_returns() {
    let scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    scene.laptop_network.cut();
    until(&scene.laptop, "the laptop notices", |s| !s.connected).await;
    scene.bob.execute(Command::Hangup { call: Some(call.clone()) }).await.unwrap();
    until(&scene.desk, "the desk sees the end", |s| state(s, &call) == "ended").await;
    scene.laptop_network.restore();
    until(&scene.laptop, "the laptop sees the end", |s| s.connected && state(s, &call) == "ended").await;
}

#[tokio::test]
async fn the_engines_resync_after_the_server_restarts_mid_call() {
    let mut scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    scene.server.restart().await;
    for phone in [&scene.laptop, &scene.desk, &scene.bob] {
        until(phone, "reconnected, call still live", |s| s.connected && state(s, &call) == "active").await;
    }
    scene.bob.execute(Command::Hangup { call: Some(call.clone()) }).await.unwrap();
    until(&scene.laptop, "the end reaches the laptop", |s| state(s, &call) == "ended").await;
}

#[tokio::test]
async fn hold_resume_and_mute_change_the_call_where_it_is_live() {
    let scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    scene.laptop.execute(Command::Hold { call: call.clone() }).await.unwrap();
    until(&scene.bob, "Bob sees the hold", |s| state(s, &call) == "held").await;
    until(&scene.desk, "the desk sees the hold", |s| state(s, &call) == "held").await;
    scene.laptop.execute(Command::Resume { call: call.clone() }).await.unwrap();
    until(&scene.bob, "Bob sees the resume", |s| state(s, &call) == "active").await;
    scene.laptop.execute(Command::Mute { call: call.clone() }).await.unwrap();
    until(&scene.laptop, "muted here", |s| field(s, &call, "muted") == true).await;
    // Mute is about this device's microphone: the desk phone cannot mute the laptop's.
    let error = scene.desk.execute(Command::Mute { call: call.clone() }).await.unwrap_err();
    assert!(error.to_string().contains("not live on this device"), "{error}");
}

#[tokio::test]
async fn messages_invitations_and_presence_reach_every_device() {
    let scene = Scene::new().await;
    let mut laptop_notices = scene.laptop.notices();
    until(&scene.bob, "Bob sees Alice online on two devices", |s| s.online.iter().any(|u| u.email == "alice@example.com" && u.devices == 2)).await;
    scene.bob.execute(Command::Message { to: "alice@example.com".into(), text: "call me".into() }).await.unwrap();
    for phone in [&scene.laptop, &scene.desk] {
        until(phone, "the message waiting indicator", |s| s.unheard_messages == 1).await;
    }
    let notice = tokio::time::timeout(DEADLINE, laptop_notices.recv()).await.unwrap().unwrap();
    assert!(matches!(&notice, Notice::Message(m) if m.from == "bob@example.com"), "{notice:?}");
    // An invitation from Bob arrives as a notice with the sender.
    scene.bob.execute(Command::Invite { to: "alice@example.com".into(), url: "/call/x".into() }).await.unwrap();
    let notice = tokio::time::timeout(DEADLINE, laptop_notices.recv()).await.unwrap().unwrap();
    assert!(matches!(&notice, Notice::Invite(i) if i["from"] == "bob@example.com" && i["url"] == "/call/x"), "{notice:?}");
    let error = scene.bob.execute(Command::Invite { to: "nobody@example.com".into(), url: "/call/x".into() }).await.unwrap_err();
    assert_eq!(error.to_string(), "there is no user nobody@example.com");
}

#[tokio::test]
async fn a_missed_call_shows_in_recents_on_every_device_until_one_sees_it() {
    let scene = Scene::new().await;
    let call = scene.bob_calls().await;
    scene.bob.execute(Command::Hangup { call: Some(call.clone()) }).await.unwrap();
    for phone in [&scene.laptop, &scene.desk] {
        let shown = until(phone, "the missed call in recents", |s| s.missed_calls == 1 && s.history.first().is_some_and(|e| e.call == call)).await;
        let entry = &shown.history[0];
        assert!(entry.missed && entry.peer.email == "bob@example.com", "{entry:?}");
    }
    let bobs = until(&scene.bob, "Bob's recents", |s| s.history.first().is_some_and(|e| e.call == call)).await;
    assert_eq!((bobs.missed_calls, bobs.history[0].missed), (0, false));
    scene.desk.execute(Command::SeeMissedCalls).await.unwrap();
    until(&scene.laptop, "the count clears on the laptop too", |s| s.missed_calls == 0).await;
    until(&scene.desk, "the count clears where it was seen", |s| s.missed_calls == 0).await;
}

#[tokio::test]
async fn a_chat_shows_both_sides_live_on_every_device() {
    let scene = Scene::new().await;
    scene.bob.execute(Command::Message { to: "alice@example.com".into(), text: "lunch?".into() }).await.unwrap();
    for phone in [&scene.laptop, &scene.desk] {
        until(phone, "Bob's text arrives", |s| s.messages.iter().any(|m| m.from == "bob@example.com" && m.text.as_deref() == Some("lunch?") && !m.heard)).await;
    }
    scene.desk.execute(Command::Message { to: "bob@example.com".into(), text: "yes, at one".into() }).await.unwrap();
    let reply = |s: &restphone_phone::Snapshot| {
        s.messages.iter().any(|m| m.from == "alice@example.com" && m.to == "bob@example.com" && m.text.as_deref() == Some("yes, at one"))
    };
    let laptop = until(&scene.laptop, "the laptop shows the reply sent from the desk", reply).await;
    assert_eq!(laptop.unheard_messages, 1, "my own reply is not waiting to be read");
    until(&scene.bob, "Bob gets the reply", reply).await;
}

#[tokio::test]
async fn renaming_shows_on_the_other_devices_and_a_signed_out_device_stops_ringing() {
    let scene = Scene::new().await;
    scene.laptop.execute(Command::RenameDevice { name: "Travel laptop".into() }).await.unwrap();
    until(&scene.desk, "the desk sees the new name", |s| s.devices.iter().any(|d| d.name == "Travel laptop")).await;
    until(&scene.laptop, "the laptop calls itself so", |s| s.device_name == "Travel laptop").await;

    scene.desk.execute(Command::SignOutDevice { device: "Travel laptop".into() }).await.unwrap();
    until(&scene.laptop, "the laptop knows it was signed out", |s| s.signed_out).await;
    until(&scene.desk, "the desk is Alice's only device", |s| s.devices.len() == 1).await;
    let dialed = scene.bob.execute(Command::Dial { to: "alice@example.com".into() }).await.unwrap();
    let call = dialed.call_id().unwrap().to_owned();
    until(&scene.desk, "the desk rings", |s| state(s, &call) == "ringing").await;
    assert!(scene.laptop.snapshots().borrow().calls.iter().all(|c| c.id != call), "the signed-out laptop rang");
    let error = scene.desk.execute(Command::SignOutDevice { device: "Desk phone".into() }).await.unwrap_err();
    assert!(error.to_string().contains("not another of your devices"), "{error}");
}

#[tokio::test]
async fn do_not_disturb_sends_callers_to_voicemail_and_search_finds_people() {
    let scene = Scene::new().await;
    scene.desk.execute(Command::DoNotDisturb { enabled: true }).await.unwrap();
    until(&scene.desk, "do not disturb shows", |s| s.do_not_disturb).await;
    let dialed = scene.bob.execute(Command::Dial { to: "alice@example.com".into() }).await.unwrap();
    let call = dialed.call_id().unwrap().to_owned();
    let ended = until(&scene.bob, "the call is declined", |s| state(s, &call) == "ended").await;
    let ending = ended.calls.iter().find(|c| c.id == call).and_then(|c| c.ended.clone()).unwrap();
    assert_eq!(ending.reason, Some(restphone_api::call::EndReason::Declined));

    let found = scene.bob.execute(Command::Search { text: "ALI".into() }).await.unwrap();
    let restphone_phone::Outcome::People { people } = found else { panic!("{found:?}") };
    assert_eq!(people.iter().map(|p| (p.email.as_str(), p.devices)).collect::<Vec<_>>(), [("alice@example.com", 2)]);
    // A new name is what others find.
    assert_eq!(scene.desk.snapshots().borrow().display_name, "Alice");
    scene.desk.execute(Command::SetDisplayName { name: " Alice Smith ".into() }).await.unwrap();
    until(&scene.desk, "the desk shows the new name", |s| s.display_name == "Alice Smith").await;
    let found = scene.bob.execute(Command::Search { text: "smith".into() }).await.unwrap();
    assert!(matches!(&found, restphone_phone::Outcome::People { people } if people.len() == 1 && people[0].display_name == "Alice Smith"), "{found:?}");
    let error = scene.desk.execute(Command::SetDisplayName { name: String::new() }).await.unwrap_err();
    assert!(error.to_string().contains("display name"), "{error}");
    let error = scene.bob.execute(Command::Search { text: " ".into() }).await.unwrap_err();
    assert!(error.to_string().contains("white space"), "{error}");
}

#[tokio::test]
async fn a_new_password_keeps_this_device_working_and_signs_the_others_out() {
    let scene = Scene::new().await;
    let old = Client::new(&scene.server.base, "alice").password;
    let new = "a brand new long password";
    let error = scene.desk.execute(Command::ChangePassword { current: "not my password".into(), new: new.into() }).await.unwrap_err();
    assert!(!error.to_string().is_empty());
    scene.desk.execute(Command::ChangePassword { current: old.clone(), new: new.into() }).await.unwrap();
    until(&scene.laptop, "the laptop is signed out", |s| s.signed_out).await;
    // The desk goes on with the new password: Bob's call rings there.
    let call = {
        let dialed = scene.bob.execute(Command::Dial { to: "alice@example.com".into() }).await.unwrap();
        dialed.call_id().unwrap().to_owned()
    };
    let desk = until(&scene.desk, "the desk rings", |s| state(s, &call) == "ringing").await;
    assert!(!desk.signed_out);
    assert!(matches!(ServerClient::sign_in(&scene.server.base, "alice@example.com", &old).await, Err(restphone_phone::PhoneError::WrongPassword)));
    ServerClient::sign_in(&scene.server.base, "alice@example.com", new).await.expect("the new password signs in");
}

/// The next media event of `phone`'s receiver, within the deadline.
async fn next_media(events: &mut tokio::sync::broadcast::Receiver<Change>) -> Change {
    tokio::time::timeout(DEADLINE, events.recv()).await.expect("a media event in time").expect("the phone runs")
}

#[tokio::test]
async fn media_starts_where_the_leg_is_renegotiates_with_the_peer_and_stops_when_it_moves() {
    let scene = Scene::new().await;
    let mut laptop_media = scene.laptop.media_events();
    let mut desk_media = scene.desk.media_events();
    let mut bob_media = scene.bob.media_events();
    let call = scene.answered_on_laptop().await;
    assert!(matches!(next_media(&mut bob_media).await, Change::MediaStart { local_role: MediaRole::Offerer, .. }));
    let started = next_media(&mut laptop_media).await;
    assert!(matches!(&started, Change::MediaStart { call_id, local_role: MediaRole::Answerer, .. } if *call_id == call), "{started:?}");
    // The laptop publishes its session; Bob's engine hands it to his media.
    scene.laptop.execute(Command::SetSession { call: call.clone(), session: "laptop-sdp".into() }).await.unwrap();
    let renegotiate = next_media(&mut bob_media).await;
    assert_eq!(renegotiate, Change::MediaRenegotiate { call_id: call.clone(), remote_session: Some("laptop-sdp".into()) });
    // A pull moves the media: it starts on the desk (as offerer) and stops on the laptop.
    scene.desk.execute(Command::Pull { call: call.clone() }).await.unwrap();
    assert!(matches!(next_media(&mut desk_media).await, Change::MediaStart { local_role: MediaRole::Offerer, .. }));
    assert_eq!(next_media(&mut laptop_media).await, Change::MediaStop { call_id: call.clone() });
}

#[tokio::test]
async fn the_phone_refreshes_its_registration_before_it_lapses() {
    let server = TestServer::start_with(|config| config.min_expires = 1).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let config = PhoneConfig { expires: 3, ..phone_config(&server.base, &alice, "Laptop") };
    let laptop = Phone::start(config).await.unwrap();
    let device = laptop.snapshots().borrow().device_id.clone();
    // Without refreshes the server would drop the registration after 3 s; the phone
    // keeps the same one well past that.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let registered_at = tokio::time::Instant::now();
    loop {
        let listed = alice.get("/login/alice@example.com").await.expect(200);
        let ours = listed["devices"].as_array().unwrap().iter().find(|d| d["id"] == device.as_str()).cloned();
        let ours = ours.expect("the registration is still there");
        if registered_at.elapsed() > std::time::Duration::from_secs(5) {
            assert_ne!(ours["refreshed_at"], ours["registered_at"]);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await; // polling the server's view
    }
    assert_eq!(laptop.snapshots().borrow().device_id, device, "refreshed, not registered again");
}

/// The server stops answering (the laptop's connections are accepted and never
/// answered): the laptop's action fails within the request timeout with a clear error,
/// its snapshot shows it offline at once, and it works again once the server answers.
#[tokio::test]
async fn a_stalled_server_fails_actions_in_time_and_the_phone_recovers_when_it_answers() {
    use restphone_phone::client::REQUEST_TIMEOUT;
    let scene = Scene::new().await;
    scene.laptop_network.stall();
    let started = tokio::time::Instant::now();
    let error = scene.laptop.execute(Command::Dial { to: "bob@example.com".into() }).await.unwrap_err();
    assert!(started.elapsed() < REQUEST_TIMEOUT + DEADLINE, "the action took {:?}", started.elapsed());
    assert!(error.to_string().contains(&format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())), "{error}");

    until(&scene.laptop, "the laptop shows it is offline", |s| !s.connected).await;

    scene.laptop_network.restore();
    until(&scene.laptop, "the laptop is back online", |s| s.connected).await;
    let dialed = scene.laptop.execute(Command::Dial { to: "bob@example.com".into() }).await.expect("the laptop dials again");
    let call = dialed.call_id().unwrap().to_owned();
    until(&scene.bob, "Bob's phone rings", |s| state(s, &call) == "ringing").await;
}
