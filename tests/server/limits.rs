//! What one account or sender can create is bounded, each limit answered with a clear
//! 429 (with `Retry-After`) or 409, and others' normal use goes on.

use std::time::Duration;

use restphone_system_tests::{Client, Reply, TestServer};
use serde_json::json;

#[track_caller]
fn limited(reply: Reply, mentions: &str) {
    let retry_after: u64 = reply.headers.get("retry-after").expect("a Retry-After header").to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    let detail = reply.problem(429);
    assert!(detail.contains(mentions), "{detail}");
}

#[tokio::test]
async fn registrations_past_the_device_limit_are_refused_and_the_database_stays_small() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let contact = "x".repeat(2000);
    let mut registered = Vec::new();
    for n in 0..300 {
        let body = json!({"contact": contact, "device": {"name": format!("phone {n}")}, "expires": 600});
        let reply = alice.post("/login/alice@example.com", body).await;
        if reply.status == 409 {
            assert!(reply.problem(409).contains("remove one"));
            continue;
        }
        registered.push(reply.expect(201)["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(registered.len(), 100, "the default limit is 100 devices");
    let bytes = server.database_bytes();
    assert!(bytes < 20 * 1024 * 1024, "the database grew to {bytes} bytes");
    // Presence events leave the contacts out; the owner still reads them with GET.
    let (_, mut events) = bob.device("desk").await;
    alice.delete(&format!("/login/alice@example.com/{}", registered[0])).await.expect(204);
    let presence = alice.get("/login/alice@example.com").await.expect(200);
    assert_eq!(presence["devices"][0]["contact"], contact.as_str());
    // With one removed, one more fits; Bob is unaffected throughout.
    alice.register("one more").await;
    bob.call(&alice).await;
    events.wait_for("call", |_| true).await;
}

#[tokio::test]
async fn presence_events_stay_small_whatever_the_contacts() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let (_, mut events) = alice.device("laptop").await;
    let body = json!({"contact": "y".repeat(2000), "device": {"name": "desk"}, "expires": 600});
    alice.post("/login/alice@example.com", body).await.expect(201);
    let presence = events.wait_for("presence", |p| p["devices"].as_array().unwrap().len() == 2).await.data;
    assert!(presence.to_string().len() < 1000, "{presence}");
    assert!(presence["devices"].as_array().unwrap().iter().all(|device| device["contact"].is_null()));
}

#[tokio::test]
async fn calls_per_minute_are_limited_per_account() {
    let server = TestServer::start_with(|config| config.limits.calls_per_minute = 3).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let carol = Client::sign_up(&server.base, "carol").await;
    alice.register("laptop").await;
    for _ in 0..3 {
        bob.call(&alice).await;
    }
    limited(bob.post("/call", json!({"to": alice.email})).await, "too many calls");
    // Another caller is unaffected.
    carol.call(&alice).await;
}

#[tokio::test]
async fn messages_per_sender_and_mailbox_bytes_are_limited() {
    let voice = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/oggopus/testdata/sine_2500ms.opus")).unwrap();
    let server = TestServer::start_with(|config| {
        config.limits.messages_per_sender_per_hour = 2;
        config.limits.mailbox_bytes = 3 * voice.len() as u64;
    })
    .await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let carol = Client::sign_up(&server.base, "carol").await;
    let dave = Client::sign_up(&server.base, "dave").await;
    let leave = async |from: &Client| {
        let request = from.request(reqwest::Method::POST, "/user/alice@example.com/message").header("content-type", "audio/ogg").body(voice.clone());
        from.send(request).await
    };
    leave(&bob).await.expect(201);
    bob.post("/user/alice@example.com/message", json!({"text": "call me"})).await.expect(201);
    limited(leave(&bob).await, "too many messages");
    limited(bob.post("/user/alice@example.com/message", json!({"text": "again"})).await, "too many messages");
    // Bob may still write to others; Carol may still write to Alice until the mailbox is full.
    bob.post("/user/carol@example.com/message", json!({"text": "hello"})).await.expect(201);
    leave(&carol).await.expect(201);
    leave(&carol).await.expect(201);
    assert!(leave(&dave).await.problem(409).contains("full"));
    // Text still fits in a full mailbox, and nothing refused was kept.
    dave.post("/user/alice@example.com/message", json!({"text": "your mailbox is full"})).await.expect(201);
    let messages = alice.get("/user/alice@example.com/message").await.expect(200);
    assert_eq!(messages.as_array().unwrap().len(), 5);
    let stored = std::fs::read_dir(server.data_dir().join("messages")).unwrap().count();
    assert_eq!(stored, 3, "one file per voice message kept");
}

#[tokio::test]
async fn invitations_per_minute_are_limited() {
    let server = TestServer::start_with(|config| config.limits.invitations_per_minute = 2).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    for _ in 0..2 {
        bob.post("/invite/alice@example.com", json!({"command": "invite", "url": "/call/x"})).await.expect(202);
    }
    limited(bob.post("/invite/alice@example.com", json!({"command": "invite", "url": "/call/x"})).await, "too many invitations");
    alice.post("/invite/bob@example.com", json!({"command": "invite", "url": "/call/y"})).await.expect(202);
}

#[tokio::test]
async fn a_device_reconnecting_replaces_its_oldest_stream_and_an_account_has_a_stream_limit() {
    let server = TestServer::start_with(|config| {
        config.limits.streams_per_device = 2;
        config.limits.streams_per_account = 3;
    })
    .await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let laptop = alice.register("laptop").await;
    let mut first = alice.events(&laptop, None).await;
    let mut second = alice.events(&laptop, None).await;
    let mut third = alice.events(&laptop, None).await;
    first.wait_closed().await;
    let desk = alice.register("desk").await;
    let mut desk_events = alice.events(&desk, None).await;
    let request = alice.request(reqwest::Method::GET, "/login/alice@example.com").header("accept", "text/event-stream");
    limited(alice.send(request).await, "event streams open");
    let marker = alice.mark().await;
    for events in [&mut second, &mut third, &mut desk_events] {
        events.until_marker(&marker).await;
    }
}

#[tokio::test]
async fn the_event_log_is_bounded_by_size() {
    let server = TestServer::start_with(|config| {
        config.limits.event_log_bytes = 4000;
        config.prune_interval = Duration::from_millis(50);
    })
    .await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let (laptop, mut events) = alice.device("laptop").await;
    let padding = "z".repeat(1500);
    bob.post("/invite/alice@example.com", json!({"command": "invite", "url": "/call/first", "padding": padding})).await.expect(202);
    events.wait_for("invite", |_| true).await;
    let first_id = events.last_id.clone().unwrap();
    drop(events);
    for n in 0..5 {
        bob.post("/invite/alice@example.com", json!({"command": "invite", "url": format!("/call/{n}"), "padding": padding})).await.expect(202);
    }
    // Pruning runs on a timer: reconnect until the log no longer reaches back.
    let deadline = tokio::time::Instant::now() + restphone_system_tests::DEADLINE;
    loop {
        let mut events = alice.events(&laptop, Some(&first_id)).await;
        if events.next().await.unwrap().event == "reset" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the log still holds more than 4000 bytes");
        tokio::time::sleep(Duration::from_millis(50)).await; // until the pruning timer has run
    }
}
