use restphone_system_tests::{Client, TestServer};
use serde_json::json;

#[tokio::test]
async fn devices_register_refresh_list_and_unregister() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let registered = alice.post("/login/alice@example.com", json!({"contact": "sse:laptop", "device": {"name": "Laptop"}, "expires": 300})).await.expect(201);
    let id = registered["id"].as_str().unwrap();
    assert_eq!(registered["url"], format!("/login/alice@example.com/{id}"));
    assert_eq!(registered["expires"], 300);
    let desk = alice.register("Desk phone").await;

    let listed = alice.get("/login/alice@example.com").await.expect(200);
    let names: Vec<&str> = listed["devices"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Laptop", "Desk phone"]);
    assert_eq!(listed["devices"][0]["contact"], "sse:laptop");
    // Others see the devices but not where they are reached.
    let seen_by_bob = bob.get("/login/alice@example.com").await.expect(200);
    assert_eq!(seen_by_bob["devices"].as_array().unwrap().len(), 2);
    assert!(seen_by_bob["devices"][0]["contact"].is_null());

    let online = bob.get("/login").await.expect(200);
    assert_eq!(online, json!([{"email": "alice@example.com", "display_name": "Alice", "url": "/user/alice@example.com", "devices": 2}]));

    let refreshed = alice.put(&format!("/login/alice@example.com/{id}"), json!({"expires": 120})).await.expect(200);
    assert_eq!(refreshed["expires"], 120);
    let empty_body = alice.send(alice.request(reqwest::Method::PUT, &format!("/login/alice@example.com/{id}"))).await.expect(200);
    assert_eq!(empty_body["id"], id);

    alice.delete(&format!("/login/alice@example.com/{desk}")).await.expect(204);
    alice.put(&format!("/login/alice@example.com/{desk}"), json!({})).await.problem(404);
    assert_eq!(alice.get("/login/alice@example.com").await.expect(200)["devices"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn only_the_owner_registers_refreshes_or_removes_devices() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let laptop = alice.register("Laptop").await;
    let path = format!("/login/alice@example.com/{laptop}");
    bob.post("/login/alice@example.com", json!({"contact": "x", "device": {"name": "Evil"}})).await.problem(403);
    bob.put(&path, json!({})).await.problem(403);
    bob.delete(&path).await.problem(403);
    bob.send(bob.request(reqwest::Method::GET, &format!("/events?device={path}"))).await.problem(403);
    assert_eq!(alice.get("/login/alice@example.com").await.expect(200)["devices"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_server_grants_at_least_its_minimum_lifetime() {
    let server = TestServer::start_with(|config| config.min_expires = 60).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let registered = alice.post("/login/alice@example.com", json!({"contact": "c", "device": {"name": "Laptop"}, "expires": 5})).await.expect(201);
    assert_eq!(registered["expires"], 60);
    let registered = alice.post("/login/alice@example.com", json!({"contact": "c", "device": {"name": "Desk"}, "expires": 3600})).await.expect(201);
    assert_eq!(registered["expires"], 3600);
}

#[tokio::test]
async fn a_registration_lapses_unless_refreshed_and_a_lapsed_device_stops_ringing() {
    let server = TestServer::start_with(|config| config.min_expires = 1).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let (laptop, mut laptop_events) = alice.device("Laptop").await;
    let brief = alice.register_for("Old tablet", 1).await;
    let mut brief_events = alice.events(&brief, None).await;
    // The lapse is announced to the owner's other devices, and the lapsed device's
    // push channel closes.
    laptop_events.wait_for("presence", |p| p["devices"].as_array().unwrap().len() == 1).await;
    brief_events.wait_closed().await;
    alice.put(&format!("/login/alice@example.com/{brief}"), json!({})).await.problem(404);
    let listed = alice.get("/login/alice@example.com").await.expect(200);
    assert_eq!(listed["devices"][0]["id"], laptop.as_str());
    // A call now rings only the device that is still registered; with none, the
    // call ends at once as unavailable.
    alice.delete(&format!("/login/alice@example.com/{laptop}")).await.expect(204);
    let call = bob.call(&alice).await;
    let call = bob.get(&format!("/call/{call}")).await.expect(200);
    assert_eq!(call["state"], "ended");
    assert_eq!(call["ended"]["reason"], "unavailable");
}

#[tokio::test]
async fn presence_is_an_active_resource_that_hides_contacts_from_others() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    let request = bob.request(reqwest::Method::GET, "/login/alice@example.com").header("accept", "text/event-stream");
    let mut watch = restphone_system_tests::EventStream::open(request).await;
    let initial = watch.next().await.unwrap();
    assert_eq!((initial.event.as_str(), initial.data["devices"].as_array().unwrap().len()), ("presence", 0));
    let laptop = alice.register("Laptop").await;
    let online = watch.wait_for("presence", |p| p["devices"].as_array().unwrap().len() == 1).await.data;
    assert_eq!(online["devices"][0]["name"], "Laptop");
    assert!(online["devices"][0]["contact"].is_null(), "Bob sees Alice's contact");
    alice.delete(&format!("/login/alice@example.com/{laptop}")).await.expect(204);
    watch.wait_for("presence", |p| p["devices"].as_array().unwrap().is_empty()).await;
}

#[tokio::test]
async fn a_device_removed_from_another_is_signed_out_and_cannot_register_again() {
    let server = TestServer::start().await;
    let desk = Client::sign_up(&server.base, "alice").await;
    // The laptop signs in with a token of its own and registers with it.
    let mut laptop = Client::new(&server.base, "alice");
    let session = laptop.post("/session", serde_json::json!({"email": laptop.email, "password": laptop.password})).await.expect(201);
    laptop.token = Some(session["token"].as_str().unwrap().to_owned());
    let (laptop_id, mut laptop_events) = laptop.device("Laptop").await;

    desk.delete(&format!("/login/alice@example.com/{laptop_id}")).await.expect(204);
    laptop_events.wait_closed().await;
    let detail = laptop.post("/login/alice@example.com", serde_json::json!({"contact": "sse:x", "device": {"name": "Laptop"}})).await.problem(401);
    assert!(!detail.is_empty());
    // The desk's own token is untouched, and a device removing itself keeps its token.
    let desk_id = desk.register("Desk").await;
    desk.delete(&format!("/login/alice@example.com/{desk_id}")).await.expect(204);
    let desk_id = desk.register("Desk").await;
    // With the password it is a plain unregister: the device may register again.
    let with_password = Client::new(&server.base, "alice");
    with_password.delete(&format!("/login/alice@example.com/{desk_id}")).await.expect(204);
    desk.register("Desk").await;
}
