//! The RIPT cases: forking to every device, answer, pull, push, third-party control.

use restphone_system_tests::{Client, EventStream, TestServer};
use serde_json::{Value, json};

/// Alice with a laptop and a desk phone (push channels open), and Bob with a phone.
struct Scene {
    server: TestServer,
    alice: Client,
    laptop: String,
    laptop_events: EventStream,
    desk: String,
    desk_events: EventStream,
    bob: Client,
    phone: String,
    phone_events: EventStream,
}

impl Scene {
    async fn new() -> Self {
        Self::with_server(TestServer::start().await).await
    }

    async fn with_server(server: TestServer) -> Self {
        let alice = Client::sign_up(&server.base, "alice").await;
        let bob = Client::sign_up(&server.base, "bob").await;
        let (laptop, laptop_events) = alice.device("Laptop").await;
        let (desk, desk_events) = alice.device("Desk phone").await;
        let (phone, phone_events) = bob.device("Phone").await;
        Self { server, alice, laptop, laptop_events, desk, desk_events, bob, phone, phone_events }
    }

    /// Bob calls Alice from his phone and offers his session; both her devices ring.
    async fn bob_calls(&mut self) -> String {
        let call = self.bob.call(&self.alice).await;
        self.bob.take(&call, &self.phone, "bob-offer").await.expect(200);
        for events in [&mut self.laptop_events, &mut self.desk_events] {
            events.wait_for_call(&call, |c| c["state"] == "proceeding" && alice_of(c)["state"] == "ringing").await;
        }
        call
    }

    /// ...and the laptop answers with its session.
    async fn answered_on_laptop(&mut self) -> String {
        let call = self.bob_calls().await;
        self.alice.report(&call, "answered", &self.laptop).await.expect(200);
        self.alice.take(&call, &self.laptop, "laptop-answer").await.expect(200);
        call
    }
}

fn alice_of(call: &Value) -> &Value {
    child(call, "alice@example.com")
}

fn child<'a>(call: &'a Value, email: &str) -> &'a Value {
    call["children"].as_array().unwrap().iter().find(|c| c["email"] == email).unwrap()
}

fn handler(call: &Value) -> Option<&str> {
    alice_of(call)["handler"].as_str()
}

#[tokio::test]
async fn bobs_call_rings_on_both_of_alices_devices() {
    let mut scene = Scene::new().await;
    let call = scene.bob_calls().await;
    // Alerting is reported once by the first device to ring.
    scene.alice.report(&call, "alerting", &scene.desk).await.expect(200);
    scene.phone_events.wait_for_call(&call, |c| c["state"] == "alerting").await;
    let listed = scene.alice.get("/call").await.expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let shown = &listed[0];
    assert_eq!(child(shown, "bob@example.com")["session"], "bob-offer");
    assert_eq!(child(shown, "bob@example.com")["display_name"], "Bob");
}

#[tokio::test]
async fn the_laptop_answers_and_the_desk_phone_is_told() {
    let mut scene = Scene::new().await;
    let call = scene.bob_calls().await;
    scene.alice.report(&call, "answered", &scene.laptop).await.expect(200);
    let laptop_url = scene.alice.device_url(&scene.laptop);
    let seen = scene.desk_events.wait_for_call(&call, |c| c["state"] == "answered").await;
    assert_eq!(handler(&seen), Some(laptop_url.as_str()));
    assert_eq!(alice_of(&seen)["handler_name"], "Laptop");
    scene.phone_events.wait_for_call(&call, |c| c["state"] == "answered").await;
    // The desk phone answering too is refused: the laptop has it.
    let detail = scene.alice.report(&call, "answered", &scene.desk).await.problem(409);
    assert!(detail.contains("Laptop"), "{detail}");
}

#[tokio::test]
async fn the_desk_phone_pulls_and_the_laptop_is_told_the_handler_changed() {
    let mut scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    scene.alice.take(&call, &scene.desk, "desk-offer").await.expect(200);
    let desk_url = scene.alice.device_url(&scene.desk);
    let seen = scene.laptop_events.wait_for_call(&call, |c| handler(c) == Some(desk_url.as_str())).await;
    assert_eq!(alice_of(&seen)["session"], "desk-offer");
    // Bob's phone sees the new session and answers it.
    scene.phone_events.wait_for_call(&call, |c| alice_of(c)["session"] == "desk-offer").await;
    scene.bob.take(&call, &scene.phone, "bob-answer-2").await.expect(200);
    scene.desk_events.wait_for_call(&call, |c| child(c, "bob@example.com")["session"] == "bob-answer-2").await;
}

#[tokio::test]
async fn a_push_reaches_the_named_device_as_take_and_only_there() {
    let mut scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    scene.alice.post(&format!("/call/{call}/push"), json!({"device": scene.desk})).await.expect(202);
    let take = scene.desk_events.wait_for("command", |_| true).await.data;
    assert_eq!(take["command"], "take");
    assert_eq!(take["call"], format!("/call/{call}"));
    let marker = scene.alice.mark().await;
    let laptop_saw = scene.laptop_events.until_marker(&marker).await;
    assert!(laptop_saw.iter().all(|e| e.event != "command"), "the laptop got a command: {laptop_saw:?}");
    // Pushing to the device that already has it is refused.
    scene.alice.post(&format!("/call/{call}/push"), json!({"device": scene.laptop})).await.problem(409);
}

#[tokio::test]
async fn the_desk_phone_answers_a_ringing_call_on_the_laptops_behalf() {
    let mut scene = Scene::new().await;
    let call = scene.bob_calls().await;
    scene.alice.post(&format!("/call/{call}/answer"), json!({"device": scene.alice.device_url(&scene.laptop)})).await.expect(202);
    let command = scene.laptop_events.wait_for("command", |_| true).await.data;
    assert_eq!((command["command"].as_str(), command["call"].as_str()), (Some("answer"), Some(format!("/call/{call}").as_str())));
    // The laptop carries it out.
    scene.alice.report(&call, "answered", &scene.laptop).await.expect(200);
    scene.desk_events.wait_for_call(&call, |c| c["state"] == "answered").await;
}

#[tokio::test]
async fn the_desk_phone_dials_bob_from_the_laptop() {
    let mut scene = Scene::new().await;
    let created = scene.alice.post("/call", json!({"to": "bob@example.com", "device": scene.laptop})).await.expect(201);
    let call = created["id"].as_str().unwrap();
    let dial = scene.laptop_events.wait_for("command", |_| true).await.data;
    assert_eq!(dial["command"], "dial");
    assert_eq!(dial["to"], "bob@example.com");
    assert_eq!(dial["call"], format!("/call/{call}"));
    // Bob's phone rings; the laptop takes Alice's side with its offer.
    scene.phone_events.wait_for_call(call, |c| c["state"] == "proceeding").await;
    scene.alice.take(call, &scene.laptop, "laptop-offer").await.expect(200);
    scene.bob.report(call, "answered", &scene.phone).await.expect(200);
    let seen = scene.desk_events.wait_for_call(call, |c| c["state"] == "answered").await;
    assert_eq!(handler(&seen), Some(scene.alice.device_url(&scene.laptop).as_str()));
}

#[tokio::test]
async fn the_desk_phone_hangs_up_a_call_live_on_the_laptop() {
    let mut scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    scene.alice.delete(&format!("/call/{call}?device={}", scene.desk)).await.expect(204);
    let desk_url = scene.alice.device_url(&scene.desk);
    for events in [&mut scene.laptop_events, &mut scene.phone_events] {
        let ended = events.wait_for_call(&call, |c| c["state"] == "ended").await;
        assert_eq!(ended["ended"]["reason"], "hangup");
        assert_eq!(ended["ended"]["by"], desk_url.as_str());
    }
}

#[tokio::test]
async fn bob_hangs_up_and_everyone_sees_ended() {
    let mut scene = Scene::new().await;
    let call = scene.answered_on_laptop().await;
    let bobs_part = child(&scene.bob.get(&format!("/call/{call}")).await.expect(200), "bob@example.com")["url"].as_str().unwrap().to_owned();
    scene.bob.delete(&format!("{bobs_part}?device={}", scene.phone)).await.expect(204);
    for events in [&mut scene.laptop_events, &mut scene.desk_events, &mut scene.phone_events] {
        let ended = events.wait_for_call(&call, |c| c["state"] == "ended").await;
        assert_eq!(ended["ended"]["by"], format!("/login/bob@example.com/{}", scene.phone));
        assert!(ended["children"].as_array().unwrap().iter().all(|c| c["handler"].is_null() && c["state"] == "left"));
    }
    // Until the grace period passes, the ended call can still be read.
    assert_eq!(scene.alice.get(&format!("/call/{call}")).await.expect(200)["state"], "ended");
    scene.alice.take(&call, &scene.desk, "late").await.problem(409);
}

#[tokio::test]
async fn decline_hold_resume_and_cancel_follow_the_call() {
    let mut scene = Scene::new().await;
    let call = scene.bob_calls().await;
    scene.alice.report(&call, "declined", &scene.desk).await.expect(200);
    let ended = scene.phone_events.wait_for_call(&call, |c| c["state"] == "ended").await;
    assert_eq!(ended["ended"]["reason"], "declined");

    let call = scene.answered_on_laptop().await;
    scene.alice.report(&call, "hold", &scene.laptop).await.expect(200);
    scene.phone_events.wait_for_call(&call, |c| c["state"] == "held" && alice_of(c)["state"] == "held").await;
    scene.alice.report(&call, "resume", &scene.laptop).await.expect(200);
    scene.phone_events.wait_for_call(&call, |c| c["state"] == "answered").await;

    let cancelled = scene.bob_calls().await;
    scene.bob.report(&cancelled, "end", &scene.phone).await.expect(200);
    let ended = scene.desk_events.wait_for_call(&cancelled, |c| c["state"] == "ended").await;
    assert_eq!(ended["ended"]["reason"], "cancelled");
}

#[tokio::test]
async fn a_call_nobody_answers_becomes_noanswer_and_later_disappears() {
    let server = TestServer::start_with(|config| {
        config.ring_timeout = std::time::Duration::from_millis(300);
        config.ended_grace = std::time::Duration::from_millis(300);
    })
    .await;
    let mut scene = Scene::with_server(server).await;
    let call = scene.bob_calls().await;
    let ended = scene.laptop_events.wait_for_call(&call, |c| c["state"] == "ended").await;
    assert_eq!(ended["ended"]["reason"], "noanswer");
    assert!(ended["ended"]["by"].is_null(), "the server ended it");
    // After the grace period, the ended call is gone.
    let deadline = tokio::time::Instant::now() + restphone_system_tests::DEADLINE;
    while scene.bob.get(&format!("/call/{call}")).await.status != 404 {
        assert!(tokio::time::Instant::now() < deadline, "the ended call never went away");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(scene.bob.get("/call").await.expect(200).as_array().unwrap().is_empty());
    drop(scene.server);
}

#[tokio::test]
async fn the_active_call_resource_streams_every_change_until_the_end() {
    let mut scene = Scene::new().await;
    let call = scene.bob_calls().await;
    let request = scene.bob.request(reqwest::Method::GET, &format!("/call/{call}")).header("accept", "text/event-stream");
    let mut watch = EventStream::open(request).await;
    assert_eq!(watch.next().await.unwrap().data["state"], "proceeding");
    scene.alice.report(&call, "answered", &scene.laptop).await.expect(200);
    assert_eq!(watch.next().await.unwrap().data["state"], "answered");
    scene.alice.delete(&format!("/call/{call}")).await.expect(204);
    assert_eq!(watch.next().await.unwrap().data["state"], "ended");
    watch.wait_closed().await;
}

#[tokio::test]
async fn bob_cannot_see_or_touch_alices_call_with_someone_else() {
    let mut scene = Scene::new().await;
    let carol = Client::sign_up(&scene.server.base, "carol").await;
    let carol_phone = carol.register("Phone").await;
    let created = carol.post("/call", json!({"to": "alice@example.com"})).await.expect(201);
    let call = created["id"].as_str().unwrap().to_owned();
    scene.alice.report(&call, "answered", &scene.laptop).await.expect(200);
    let path = format!("/call/{call}");
    scene.bob.get(&path).await.problem(403);
    scene.bob.take(&call, &scene.phone, "steal").await.problem(403);
    // Bob naming Alice's device is refused before anything else.
    scene.bob.post(&path, json!({"url": scene.alice.device_url(&scene.desk), "session": "x"})).await.problem(403);
    scene.bob.report(&call, "end", &scene.phone).await.problem(403);
    scene.bob.delete(&path).await.problem(403);
    scene.bob.post(&format!("{path}/push"), json!({"device": scene.phone})).await.problem(403);
    assert!(scene.bob.get("/call").await.expect(200).as_array().unwrap().is_empty());
    let marker = scene.bob.mark().await;
    let bob_saw = scene.phone_events.until_marker(&marker).await;
    assert!(bob_saw.iter().all(|e| e.data["id"] != call.as_str()), "Bob saw Alice's call");
    assert_eq!(scene.alice.get(&path).await.expect(200)["state"], "answered");
    let _ = carol_phone;
}

#[tokio::test]
async fn every_change_raises_the_calls_revision() {
    let mut scene = Scene::new().await;
    let call = scene.bob_calls().await;
    let before = scene.alice.get(&format!("/call/{call}")).await.expect(200)["revision"].as_u64().unwrap();
    scene.alice.report(&call, "answered", &scene.laptop).await.expect(200);
    let answered = scene.desk_events.wait_for_call(&call, |c| c["state"] == "answered").await;
    assert_eq!(answered["revision"].as_u64(), Some(before + 1));
    // A report that changes nothing leaves the revision alone.
    let again = scene.alice.report(&call, "answered", &scene.laptop).await.expect(200);
    assert_eq!(again["revision"].as_u64(), Some(before + 1));
}
