use restphone_system_tests::{Client, TestServer};
use serde_json::json;

#[tokio::test]
async fn sign_up_then_sign_in_with_basic_or_a_token() {
    let server = TestServer::start().await;
    let alice = Client::new(&server.base, "alice");
    let created = alice.post("/user", json!({"email": "Alice@Example.com", "password": alice.password, "display_name": "Alice"})).await.expect(201);
    assert_eq!(created["url"], "/user/alice@example.com");
    // Basic on any request.
    let profile = alice.get("/user/alice@example.com").await.expect(200);
    assert_eq!(profile["display_name"], "Alice");
    assert_eq!(profile["login_url"], "/login/alice@example.com");
    assert_eq!(profile["message_url"], "/user/alice@example.com/message");
    // A bearer token works as well, and stops working after sign-out.
    let session = alice.post("/session", json!({"email": alice.email, "password": alice.password})).await.expect(201);
    let mut with_token = alice.clone();
    with_token.token = Some(session["token"].as_str().unwrap().to_owned());
    with_token.get("/user/alice@example.com").await.expect(200);
    with_token.delete("/session").await.expect(204);
    with_token.get("/user/alice@example.com").await.problem(401);
}

#[tokio::test]
async fn an_email_has_one_account_and_bad_sign_ups_say_why() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let again = alice.post("/user", json!({"email": "alice@example.com", "password": "another password", "display_name": "A"})).await;
    assert!(again.problem(409).contains("already has an account"));
    let cases = [
        (json!({"email": "not-an-email", "password": "long enough", "display_name": "X"}), 422, "email"),
        (json!({"email": "x@example.com", "password": "short", "display_name": "X"}), 422, "8 to 1024 characters"),
        (json!({"email": "x@example.com", "password": "long enough", "display_name": ""}), 422, "display name"),
        (json!({"email": "x@example.com", "password": 12345678, "display_name": "X"}), 422, "password"),
        (json!({"email": "x@example.com"}), 422, "password"),
        (json!({"email": "x@example.com", "password": "long enough", "display_name": "evil\u{202E}gpj.exe"}), 422, "direction overrides"),
        (json!({"email": "x@example.com", "password": "long enough", "display_name": "Al\u{200B}ice"}), 422, "zero-width"),
        (json!({"email": "x@xn--exmple-4nf.com", "password": "long enough", "display_name": "X"}), 422, "mixes scripts"),
        (json!({"email": "jöe@example.com", "password": "long enough", "display_name": "X"}), 422, "ASCII local part"),
    ];
    for (body, status, mentions) in cases {
        let detail = alice.post("/user", body.clone()).await.problem(status);
        assert!(detail.contains(mentions), "{body}: {detail}");
    }
}

#[tokio::test]
async fn passwords_are_stored_only_as_argon2id_hashes() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let everything = server.database_contents();
    let contains = |needle: &[u8]| everything.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(alice.password.as_bytes()), "the password is in the database");
    assert!(contains(b"$argon2id$"), "no argon2id hash in the database");
}

#[tokio::test]
async fn a_user_changes_name_and_password_and_deletes_the_account() {
    let server = TestServer::start().await;
    let mut alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    bob.patch("/user/alice@example.com", json!({"display_name": "Mallory"})).await.problem(403);
    let profile = alice.patch("/user/alice@example.com", json!({"display_name": "Alice Liddell"})).await.expect(200);
    assert_eq!(profile["display_name"], "Alice Liddell");
    // A new password needs the current one, and revokes tokens and the old password.
    let change = json!({"password": "a brand new password", "current_password": alice.password});
    alice.patch("/user/alice@example.com", change).await.expect(200);
    alice.get("/user/alice@example.com").await.problem(401);
    alice.token = None;
    alice.get("/user/alice@example.com").await.problem(401);
    alice.password = "a brand new password".to_owned();
    alice.get("/user/alice@example.com").await.expect(200);
    // Deleting the account removes it for everyone.
    alice.delete_with("/user/alice@example.com", json!({"current_password": alice.password})).await.expect(204);
    bob.get("/user/alice@example.com").await.problem(404);
    alice.get("/user/alice@example.com").await.problem(401);
}
