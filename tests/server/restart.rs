use restphone_system_tests::{Client, TestServer};
use serde_json::json;

#[tokio::test]
async fn a_restart_keeps_accounts_devices_calls_messages_and_the_event_log() {
    let mut server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let (laptop, mut events) = alice.device("Laptop").await;
    let phone = bob.register("Phone").await;
    let call = bob.call(&alice).await;
    bob.take(&call, &phone, "offer").await.expect(200);
    alice.report(&call, "answered", &laptop).await.expect(200);
    events.wait_for_call(&call, |c| c["state"] == "answered").await;
    let last_seen = events.last_id.clone().unwrap();
    bob.post("/user/alice@example.com/message", json!({"text": "before the restart"})).await.expect(201);

    server.restart().await;
    // The old stream was closed by the shutdown.
    events.wait_closed().await;

    // Tokens, registrations, the live call and the message all survived.
    assert_eq!(alice.get("/login/alice@example.com").await.expect(200)["devices"][0]["id"], laptop.as_str());
    let shown = alice.get(&format!("/call/{call}")).await.expect(200);
    assert_eq!(shown["state"], "answered");
    assert_eq!(shown["children"][0]["session"], "offer");
    assert_eq!(alice.get("/user/alice@example.com/message").await.expect(200)[0]["text"], "before the restart");
    // The device reconnects with Last-Event-ID and gets what it missed.
    let mut events = alice.events(&laptop, Some(&last_seen)).await;
    let missed = events.wait_for("message", |_| true).await;
    assert_eq!(missed.data["from"], "bob@example.com");
    alice.put(&format!("/login/alice@example.com/{laptop}"), json!({})).await.expect(200);
    bob.delete(&format!("/call/{call}")).await.expect(204);
    events.wait_for_call(&call, |c| c["state"] == "ended").await;
}

/// Refreshes are answered from memory and written behind: what was answered is what a
/// restarted server (or another instance) finds, and a removed device is not revived.
#[tokio::test]
async fn refreshes_written_behind_are_kept_across_a_restart() {
    let mut server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let laptop = alice.register_for("Laptop", 600).await;
    let desk = alice.register_for("Desk phone", 600).await;
    for _ in 0..3 {
        let refreshed = alice.put(&format!("/login/alice@example.com/{laptop}"), json!({"expires": 3600})).await.expect(200);
        assert!(refreshed["expires"].as_u64().unwrap() > 3590);
    }
    alice.delete(&format!("/login/alice@example.com/{desk}")).await.expect(204);
    alice.put(&format!("/login/alice@example.com/{desk}"), json!({})).await.problem(404);

    server.restart().await;
    let devices = alice.get("/login/alice@example.com").await.expect(200)["devices"].as_array().unwrap().clone();
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(devices[0]["id"], laptop.as_str());
    let at = |field: &str| chrono::DateTime::parse_from_rfc3339(devices[0][field].as_str().unwrap()).unwrap();
    let lifetime = at("expires_at") - at("refreshed_at");
    assert_eq!(lifetime.num_seconds(), 3600, "the last refresh was written: {}", devices[0]);
}
