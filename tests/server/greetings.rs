use restphone_system_tests::{Client, TestServer};

/// A real Ogg Opus file made by opusenc: 2.5 s of a sine tone.
fn greeting() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/oggopus/testdata/sine_2500ms.opus")).unwrap()
}

async fn put_greeting(who: &Client, of: &str, content_type: &str, body: Vec<u8>) -> restphone_system_tests::Reply {
    who.send(who.request(reqwest::Method::PUT, &format!("/user/{of}/greeting")).header("content-type", content_type).body(body)).await
}

/// The greeting's bytes as anyone signed in fetches them, or the status when there are none.
async fn fetch_greeting(who: &Client, of: &str) -> Result<Vec<u8>, u16> {
    let response = who.request(reqwest::Method::GET, &format!("/user/{of}/greeting")).send().await.unwrap();
    match response.status().as_u16() {
        200 => {
            assert_eq!(response.headers()["content-type"], "audio/ogg");
            Ok(response.bytes().await.unwrap().to_vec())
        }
        status => Err(status),
    }
}

#[tokio::test]
async fn alice_sets_her_greeting_bob_hears_it_and_alice_clears_it() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    assert_eq!(fetch_greeting(&bob, "alice@example.com").await, Err(404), "no greeting yet");
    put_greeting(&alice, "alice@example.com", "audio/ogg", greeting()).await.expect(204);
    assert_eq!(fetch_greeting(&bob, "alice@example.com").await, Ok(greeting()));
    alice.delete("/user/alice@example.com/greeting").await.expect(204);
    assert_eq!(fetch_greeting(&bob, "alice@example.com").await, Err(404));
    alice.delete("/user/alice@example.com/greeting").await.expect(204);
}

#[tokio::test]
async fn only_the_owner_changes_a_greeting_and_bad_files_are_refused() {
    let server = TestServer::start_with(|config| config.max_message_bytes = 64 * 1024).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let bob = Client::sign_up(&server.base, "bob").await;
    put_greeting(&alice, "alice@example.com", "audio/ogg", greeting()).await.expect(204);

    put_greeting(&bob, "alice@example.com", "audio/ogg", greeting()).await.problem(403);
    bob.delete("/user/alice@example.com/greeting").await.problem(403);
    let mut corrupt = greeting();
    corrupt[200] ^= 0x55;
    let detail = put_greeting(&alice, "alice@example.com", "audio/ogg", corrupt).await.problem(422);
    assert!(detail.contains("Ogg Opus"), "{detail}");
    put_greeting(&alice, "alice@example.com", "audio/wav", greeting()).await.problem(415);
    put_greeting(&alice, "alice@example.com", "audio/ogg", vec![0; 100 * 1024]).await.problem(413);
    assert_eq!(fetch_greeting(&bob, "nobody@example.com").await, Err(404));
    // The greeting that was set survives every refused change.
    assert_eq!(fetch_greeting(&bob, "alice@example.com").await, Ok(greeting()));
}
