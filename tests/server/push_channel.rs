use restphone_system_tests::{Client, TestServer};
use serde_json::json;

#[tokio::test]
async fn a_device_that_reconnects_with_last_event_id_misses_nothing() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let (laptop, mut events) = alice.device("Laptop").await;
    let first = bob.call(&alice).await;
    events.wait_for_call(&first, |_| true).await;
    let last_seen = events.last_id.clone().expect("events carry ids");
    drop(events);

    // While the laptop is away: a call rings, is cancelled, and another arrives.
    let second = bob.call(&alice).await;
    bob.delete(&format!("/call/{second}")).await.expect(204);
    let third = bob.call(&alice).await;

    let mut events = alice.events(&laptop, Some(&last_seen)).await;
    let marker = alice.mark().await;
    let missed = events.until_marker(&marker).await;
    let calls: Vec<(String, String)> = missed
        .iter()
        .filter(|e| e.event == "call")
        .map(|e| (e.data["id"].as_str().unwrap().to_owned(), e.data["state"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(calls, [(second.clone(), "proceeding".to_owned()), (second, "ended".to_owned()), (third, "proceeding".to_owned())]);
    let kinds: Vec<&str> = missed.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["call", "call", "history", "call"], "the missed call's history event is replayed in its place");
}

#[tokio::test]
async fn a_device_gone_longer_than_the_log_is_told_to_resync() {
    let server = TestServer::start_with(|config| {
        config.event_log_max = 2;
        config.prune_interval = std::time::Duration::from_millis(50);
    })
    .await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let (laptop, mut events) = alice.device("Laptop").await;
    let first = bob.call(&alice).await;
    events.wait_for_call(&first, |_| true).await;
    let last_seen = events.last_id.clone().unwrap();
    drop(events);
    for _ in 0..5 {
        bob.call(&alice).await;
    }
    // The log is pruned on a timer; the device's reconnection after that gets a reset.
    let deadline = tokio::time::Instant::now() + restphone_system_tests::DEADLINE;
    loop {
        let mut events = alice.events(&laptop, Some(&last_seen)).await;
        let first_event = events.next().await.unwrap();
        if first_event.event == "reset" {
            assert!(first_event.data["reason"].as_str().unwrap().contains("GET /call"));
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no reset after pruning");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await; // until the pruning timer has run
    }
}

#[tokio::test]
async fn a_malformed_last_event_id_is_refused() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let laptop = alice.register("Laptop").await;
    let request = alice.request(reqwest::Method::GET, &format!("/events?device={laptop}")).header("last-event-id", "yesterday");
    alice.send(request).await.problem(400);
}

#[tokio::test]
async fn invitations_reach_every_device_of_the_user_with_the_sender() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let (_, mut laptop) = alice.device("Laptop").await;
    let (_, mut desk) = alice.device("Desk").await;
    bob.post("/invite/alice@example.com", json!({"command": "invite", "url": "/call/abc", "note": "join us"})).await.expect(202);
    for events in [&mut laptop, &mut desk] {
        let invite = events.wait_for("invite", |i| i["url"] == "/call/abc").await.data;
        assert_eq!(invite, json!({"command": "invite", "url": "/call/abc", "note": "join us", "from": "bob@example.com"}));
    }
    // The seed form: SEND /login/{email}; a forged `from` is replaced.
    let send = bob
        .request(reqwest::Method::from_bytes(b"SEND").unwrap(), "/login/alice@example.com")
        .json(&json!({"command": "cancel", "url": "/call/abc", "from": "eve@example.com"}));
    bob.send(send).await.expect(202);
    let cancel = laptop.wait_for("invite", |i| i["command"] == "cancel").await.data;
    assert_eq!(cancel["from"], "bob@example.com");
    bob.post("/invite/alice@example.com", json!({"command": "shout", "url": "/x"})).await.problem(422);
    bob.post("/invite/alice@example.com", json!(["invite"])).await.problem(422);
    bob.post("/invite/nobody@example.com", json!({"command": "invite", "url": "/x"})).await.problem(404);
}

#[tokio::test]
async fn idle_streams_get_heartbeat_comments() {
    use futures::StreamExt;
    let server = TestServer::start_with(|config| config.heartbeat = std::time::Duration::from_millis(100)).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let laptop = alice.register("Laptop").await;
    let response = alice.request(reqwest::Method::GET, &format!("/events?device={laptop}")).send().await.unwrap();
    let mut body = response.bytes_stream();
    let chunk = tokio::time::timeout(restphone_system_tests::DEADLINE, body.next()).await.expect("a heartbeat in time").unwrap().unwrap();
    assert!(chunk.starts_with(b":"), "an SSE comment, got {chunk:?}");
}
