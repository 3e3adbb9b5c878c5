//! A flood of sign-ups against the bounded queue of password checks. Its own test
//! binary: the hashing threads and their queue are shared by every server in a
//! process, so the flood would make other tests' sign-ups busy too.

use futures::future::join_all;
use restphone_system_tests::{Client, TestServer};
use serde_json::json;

#[tokio::test]
async fn a_flood_of_password_checks_is_answered_429_at_once_instead_of_queueing() {
    let server = TestServer::start().await;
    let sign_ups = (0..200).map(|n| {
        let client = Client::new(&server.base, &format!("flood{n}"));
        async move {
            let body = json!({"email": client.email, "password": client.password, "display_name": "Flood"});
            let reply = client.post("/user", body).await;
            let retry_after = reply.headers.get("retry-after").map(|value| value.to_str().unwrap().to_owned());
            (reply.status.as_u16(), retry_after)
        }
    });
    let answers = join_all(sign_ups).await;
    assert!(answers.iter().all(|(status, _)| *status == 201 || *status == 429), "{answers:?}");
    let busy: Vec<_> = answers.iter().filter(|(status, _)| *status == 429).collect();
    assert!(!busy.is_empty(), "200 sign-ups at once all waited for a hashing thread");
    assert!(busy.iter().all(|(_, retry_after)| retry_after.is_some()));
    // Once the flood has passed, signing up works again.
    Client::sign_up(&server.base, "after").await.get("/user/after@example.com").await.expect(200);
}
