//! Call history (`GET /call?history=`), the missed-call count every device shares,
//! and finding people (`GET /user?search=`).

use restphone_system_tests::{Client, DEADLINE, EventStream, TestServer};
use serde_json::{Value, json};

/// Alice with a laptop and a desk phone, Bob with a phone; calls forgotten soon after
/// they end, so the history is all that is left of them.
struct Scene {
    server: TestServer,
    alice: Client,
    laptop: String,
    laptop_events: EventStream,
    desk_events: EventStream,
    bob: Client,
    phone: String,
}

impl Scene {
    async fn new() -> Self {
        let server = TestServer::start_with(|config| config.ended_grace = std::time::Duration::from_millis(200)).await;
        let alice = Client::sign_up(&server.base, "alice").await;
        let bob = Client::sign_up(&server.base, "bob").await;
        let (laptop, laptop_events) = alice.device("Laptop").await;
        let (_, desk_events) = alice.device("Desk").await;
        let phone = bob.register("Phone").await;
        Self { server, alice, laptop, laptop_events, desk_events, bob, phone }
    }

    /// Bob calls Alice and gives up while it rings: a missed call for her.
    async fn bob_calls_and_gives_up(&mut self) -> String {
        let call = self.bob.call(&self.alice).await;
        self.bob.delete(&format!("/call/{call}")).await.expect(204);
        call
    }

    /// Bob calls, the laptop answers, Bob hangs up.
    async fn bob_calls_and_alice_answers(&mut self) -> String {
        let call = self.bob.call(&self.alice).await;
        self.bob.take(&call, &self.phone, "bob-offer").await.expect(200);
        self.alice.report(&call, "answered", &self.laptop).await.expect(200);
        self.alice.take(&call, &self.laptop, "laptop-answer").await.expect(200);
        self.bob.delete(&format!("/call/{call}")).await.expect(204);
        call
    }
}

async fn history(who: &Client, query: &str) -> Value {
    who.get(&format!("/call?{query}")).await.expect(200)
}

fn calls_of(page: &Value) -> Vec<&str> {
    page["entries"].as_array().unwrap().iter().map(|e| e["call"].as_str().unwrap()).collect()
}

/// Waits until the ended call is forgotten: only the history keeps it then.
async fn until_forgotten(who: &Client, call: &str) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while who.get(&format!("/call/{call}")).await.status != 404 {
        assert!(tokio::time::Instant::now() < deadline, "the ended call was never forgotten");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn each_participant_keeps_ended_calls_after_the_calls_are_forgotten() {
    let mut scene = Scene::new().await;
    let missed = scene.bob_calls_and_gives_up().await;
    let answered = scene.bob_calls_and_alice_answers().await;
    until_forgotten(&scene.alice, &answered).await;

    let alices = history(&scene.alice, "history=all").await;
    assert_eq!(calls_of(&alices), [answered.as_str(), missed.as_str()], "newest first");
    assert_eq!(alices["missed_unseen"], 1);
    assert!(alices["next"].is_null());
    let (latest, earlier) = (&alices["entries"][0], &alices["entries"][1]);
    assert_eq!(
        (&latest["direction"], &latest["reason"], &latest["missed"], &latest["device"]),
        (&json!("incoming"), &json!("hangup"), &json!(false), &json!("Laptop"))
    );
    assert_eq!(latest["peer"], json!({"email": "bob@example.com", "display_name": "Bob"}));
    assert!(latest["answered_at"].is_string());
    assert_eq!((&earlier["reason"], &earlier["missed"], &earlier["device"]), (&json!("cancelled"), &json!(true), &Value::Null));

    let bobs = history(&scene.bob, "history=all").await;
    assert_eq!(calls_of(&bobs), [answered.as_str(), missed.as_str()]);
    assert_eq!(bobs["missed_unseen"], 0, "a call I made is never missed");
    assert!(bobs["entries"].as_array().unwrap().iter().all(|e| e["direction"] == "outgoing" && e["peer"]["email"] == "alice@example.com"));
    assert_eq!(bobs["entries"][0]["device"], "Phone");

    assert_eq!(calls_of(&history(&scene.alice, "history=missed").await), [missed.as_str()]);
    // Without `history`, the list is still the calls going on: none.
    assert_eq!(scene.alice.get("/call").await.expect(200), json!([]));
}

#[tokio::test]
async fn seeing_missed_calls_clears_the_count_on_every_device() {
    let mut scene = Scene::new().await;
    scene.bob_calls_and_gives_up().await;
    for events in [&mut scene.laptop_events, &mut scene.desk_events] {
        events.wait_for("history", |data| data["missed_unseen"] == 1).await;
    }
    scene.alice.post("/call/history/seen", json!({})).await.expect(204);
    for events in [&mut scene.laptop_events, &mut scene.desk_events] {
        events.wait_for("history", |data| data["missed_unseen"] == 0).await;
    }
    assert_eq!(history(&scene.alice, "history=all").await["missed_unseen"], 0);

    // Seeing through an older entry leaves a newer missed call unseen.
    let seen_through = history(&scene.alice, "history=all").await["entries"][0]["id"].clone();
    scene.bob_calls_and_gives_up().await;
    scene.alice.post("/call/history/seen", json!({"through": seen_through})).await.expect(204);
    assert_eq!(history(&scene.alice, "history=all").await["missed_unseen"], 1);
    scene.laptop_events.wait_for("history", |data| data["missed_unseen"] == 1).await;
}

#[tokio::test]
async fn history_pages_go_back_through_next() {
    let mut scene = Scene::new().await;
    let mut calls = Vec::new();
    for _ in 0..3 {
        calls.push(scene.bob_calls_and_gives_up().await);
    }
    let first = history(&scene.alice, "history=missed&limit=2").await;
    assert_eq!(calls_of(&first), [calls[2].as_str(), calls[1].as_str()]);
    let next = first["next"].as_str().expect("a full page links the next one");
    let second = scene.alice.get(next).await.expect(200);
    assert_eq!(calls_of(&second), [calls[0].as_str()]);
    assert!(second["next"].is_null());
    assert_eq!(second["missed_unseen"], 3);
}

#[tokio::test]
async fn bad_history_requests_are_refused_and_nobody_sees_another_users_history() {
    let mut scene = Scene::new().await;
    scene.bob_calls_and_gives_up().await;
    for query in ["history=everything", "history=all&limit=0", "history=all&limit=101", "history=all&before=-1", "history=all&limit=x"] {
        let detail = scene.alice.get(&format!("/call?{query}")).await.problem(400);
        assert!(!detail.is_empty(), "{query}");
    }
    scene.alice.post("/call/history/seen", json!({"through": "newest"})).await.problem(422);
    scene.alice.post("/call/history/seen", json!([])).await.problem(422);

    let carol = Client::sign_up(&scene.server.base, "carol").await;
    let carols = history(&carol, "history=all").await;
    assert_eq!(carols, json!({"entries": [], "missed_unseen": 0, "next": null}));
    // Carol marking her own calls seen leaves Alice's count alone.
    carol.post("/call/history/seen", json!({})).await.expect(204);
    assert_eq!(history(&scene.alice, "history=all").await["missed_unseen"], 1);
}

#[tokio::test]
async fn search_finds_online_people_by_name_or_email_and_others_only_by_exact_email() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let dave = Client::sign_up(&server.base, "dave").await;
    let carol = Client::sign_up(&server.base, "carol").await;
    alice.register("Laptop").await;
    alice.register("Desk").await;
    bob.register("Phone").await;
    let _ = dave;

    let found = |query: &'static str| {
        let carol = &carol;
        async move { carol.get(&format!("/user?search={query}")).await.expect(200) }
    };
    assert_eq!(found("ALI").await, json!([{"email": "alice@example.com", "display_name": "Alice", "url": "/user/alice@example.com", "devices": 2}]));
    assert_eq!(found("example.com").await.as_array().unwrap().len(), 2, "online people only: Alice and Bob");
    // Dave is offline: found only by his exact email, as GET /login/{email} would.
    assert_eq!(found("dave").await, json!([]));
    assert_eq!(found("dave%40example.com").await[0]["devices"], 0);
    // Nobody finds themselves.
    alice.get("/user?search=alice").await.expect(200).as_array().unwrap().iter().for_each(|u| assert_ne!(u["email"], "alice@example.com"));

    for bad in ["/user", "/user?search=", "/user?search=%20%20", &format!("/user?search={}", "a".repeat(101))] {
        let detail = carol.get(bad).await.problem(400);
        assert!(!detail.is_empty(), "{bad}");
    }
    let anonymous = reqwest::Client::new().get(format!("{}/user?search=alice", server.base)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
