//! Guessing passwords is slowed down without locking the owner out, and a stolen
//! token can do less than a password: it expires, it cannot change the password, and
//! revoking it closes what it opened.

use std::net::IpAddr;
use std::time::Duration;

use futures::future::join_all;
use restphone_system_tests::{Client, TestServer};
use serde_json::json;

fn from(server: &TestServer, name: &str, address: &str, password: &str) -> Client {
    let mut client = Client::from_address(&server.base, name, address.parse::<IpAddr>().unwrap());
    client.password = password.to_owned();
    client
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out_elsewhere() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let guesser = from(&server, "alice", "127.0.0.1", "wrong guess");
    let mut refused = 0;
    for _ in 0..10 {
        let reply = guesser.get("/user/alice@example.com").await;
        if reply.status == 429 {
            let retry_after: u64 = reply.headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry_after));
            refused += 1;
        } else {
            assert!(reply.problem(401).contains("wrong email or password"));
        }
    }
    assert_eq!(refused, 5, "after five failures the guesser waits");
    // Alice's right password from the same address waits too; from another it works.
    let same_place = from(&server, "alice", "127.0.0.1", &alice.password);
    same_place.post("/session", json!({"email": alice.email, "password": alice.password})).await.problem(429);
    let elsewhere = from(&server, "alice", "127.0.0.2", &alice.password);
    elsewhere.post("/session", json!({"email": alice.email, "password": alice.password})).await.expect(201);
    elsewhere.get("/user/alice@example.com").await.expect(200);
    // A device holding a token is never affected.
    alice.get("/user/alice@example.com").await.expect(200);
}

#[tokio::test]
async fn parallel_guesses_get_only_a_handful_of_password_checks() {
    let server = TestServer::start().await;
    Client::sign_up(&server.base, "alice").await;
    let guesses = (0..50).map(|n| {
        let guesser = from(&server, "alice", "127.0.0.3", &format!("guess number {n}"));
        async move { guesser.post("/session", json!({"email": guesser.email, "password": guesser.password})).await.status.as_u16() }
    });
    let statuses = join_all(guesses).await;
    let checked = statuses.iter().filter(|status| **status == 401).count();
    let refused = statuses.iter().filter(|status| **status == 429).count();
    assert_eq!(checked + refused, 50, "{statuses:?}");
    assert!(checked <= 5, "{checked} passwords were checked: {statuses:?}");
}

#[tokio::test]
async fn a_token_cannot_change_the_password_or_delete_the_account_without_the_current_one() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let thief = alice.clone();
    let detail = thief.patch("/user/alice@example.com", json!({"password": "the thief's password"})).await.problem(403);
    assert!(detail.contains("current_password"), "{detail}");
    let wrong = json!({"password": "the thief's password", "current_password": "a guess at it"});
    thief.patch("/user/alice@example.com", wrong).await.problem(403);
    thief.delete("/user/alice@example.com").await.problem(415);
    thief.delete_with("/user/alice@example.com", json!({"current_password": "a guess at it"})).await.problem(403);
    // Alice's password still works, and so does her account.
    let mut with_password = alice.clone();
    with_password.token = None;
    with_password.get("/user/alice@example.com").await.expect(200);
    // The display name needs no password.
    thief.patch("/user/alice@example.com", json!({"display_name": "Alice L."})).await.expect(200);
}

#[tokio::test]
async fn revoking_a_token_or_changing_the_password_closes_the_streams_opened_with_it() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let laptop = alice.register("laptop").await;
    let desk = alice.register("desk").await;
    // The laptop has its own token; the desk phone another.
    let mut laptop_client = alice.clone();
    let session = alice.post("/session", json!({"email": alice.email, "password": alice.password})).await.expect(201);
    laptop_client.token = Some(session["token"].as_str().unwrap().to_owned());
    let mut laptop_events = laptop_client.events(&laptop, None).await;
    let mut desk_events = alice.events(&desk, None).await;
    laptop_client.delete("/session").await.expect(204);
    laptop_events.wait_closed().await;
    let marker = alice.mark().await;
    desk_events.until_marker(&marker).await;
    // A new password revokes every token: the desk phone's stream closes too.
    alice.patch("/user/alice@example.com", json!({"password": "a brand new password", "current_password": alice.password})).await.expect(200);
    desk_events.wait_closed().await;
    alice.get("/user/alice@example.com").await.problem(401);
}

#[tokio::test]
async fn tokens_expire_when_unused_and_each_use_extends_them() {
    let idle = Duration::from_millis(1500);
    let server = TestServer::start_with(|config| config.token_idle_expiry = idle).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    // Used every half of the idle limit, the token lives well past it.
    for _ in 0..6 {
        alice.get("/user/alice@example.com").await.expect(200);
        tokio::time::sleep(idle / 2).await;
    }
    // Unused for longer than the limit, it stops working.
    tokio::time::sleep(idle + Duration::from_millis(200)).await;
    let detail = alice.get("/user/alice@example.com").await.problem(401);
    assert!(detail.contains("expired"), "{detail}");
}

#[tokio::test]
async fn signing_in_past_the_token_limit_revokes_the_least_recently_used() {
    let server = TestServer::start_with(|config| config.limits.tokens_per_account = 3).await;
    let oldest = Client::sign_up(&server.base, "alice").await;
    let mut newer = Vec::new();
    for _ in 0..3 {
        let mut client = oldest.clone();
        let session = client.post("/session", json!({"email": client.email, "password": client.password})).await.expect(201);
        client.token = Some(session["token"].as_str().unwrap().to_owned());
        newer.push(client);
    }
    oldest.get("/user/alice@example.com").await.problem(401);
    for client in &newer {
        client.get("/user/alice@example.com").await.expect(200);
    }
}

/// Behind a trusted load balancer every connection comes from the balancer: the
/// per-address limits then count the client it names in X-Forwarded-For, and from
/// anyone else that header is ignored.
#[tokio::test]
async fn behind_a_trusted_balancer_failures_count_for_the_forwarded_client() {
    let server = TestServer::start_with(|config| config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let balancer = from(&server, "alice", "127.0.0.1", "wrong guess");
    let guess = |forwarded_for: &'static str| balancer.request(reqwest::Method::GET, "/user/alice@example.com").header("x-forwarded-for", forwarded_for);
    for _ in 0..5 {
        balancer.send(guess("192.0.2.66")).await.problem(401);
    }
    balancer.send(guess("192.0.2.66")).await.problem(429);
    // Another client behind the same balancer is not held up.
    let right = balancer.request(reqwest::Method::POST, "/session").header("x-forwarded-for", "192.0.2.7");
    balancer.send(right.json(&json!({"email": alice.email, "password": alice.password}))).await.expect(201);

    // Not behind a trusted balancer, the header changes nothing.
    let direct = from(&server, "alice", "127.0.0.3", "wrong guess");
    for n in 0..6 {
        let spoofed = direct.request(reqwest::Method::GET, "/user/alice@example.com").header("x-forwarded-for", format!("198.51.100.{n}"));
        let reply = direct.send(spoofed).await;
        assert_eq!(reply.status, if n < 5 { 401 } else { 429 }, "guess {n}");
    }
}
