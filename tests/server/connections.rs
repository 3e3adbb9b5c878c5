//! Slow or greedy clients cannot hold the server: half-sent requests are dropped after
//! the read timeout, and one address can keep only so many connections open.

use std::net::IpAddr;
use std::time::Duration;

use restphone_system_tests::raw::{connect_from, read_until_closed};
use restphone_system_tests::{Client, TestServer};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const READ_TIMEOUT: Duration = Duration::from_secs(2);

async fn half_sent(server: &TestServer, from: &str, part: &[u8]) -> TcpStream {
    let mut stream = connect_from(server.address, from.parse::<IpAddr>().unwrap()).await;
    stream.write_all(part).await.unwrap();
    stream
}

#[tokio::test]
async fn half_sent_headers_and_bodies_are_dropped_and_do_not_slow_real_requests() {
    let server = TestServer::start_with(|config| config.read_timeout = READ_TIMEOUT).await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let mut stalled = Vec::new();
    for _ in 0..300 {
        stalled.push(half_sent(&server, "127.0.0.1", b"GET /healthz HTTP/1.1\r\nHost: loc").await);
    }
    let body_part = b"POST /user HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":";
    let mut stalled_body = half_sent(&server, "127.0.0.1", body_part).await;
    // Real requests are served while they wait.
    alice.get("/user/alice@example.com").await.expect(200);
    let wait = READ_TIMEOUT + restphone_system_tests::DEADLINE;
    for stream in &mut stalled {
        let answer = read_until_closed(stream, wait).await.expect("a half-sent header is dropped");
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    let answer = read_until_closed(&mut stalled_body, wait).await.expect("a half-sent body is dropped");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // On a new connection: the server closes idle ones after the read timeout too.
    let fresh = Client { token: alice.token.clone(), ..Client::new(&server.base, "alice") };
    fresh.get("/user/alice@example.com").await.expect(200);
}

#[tokio::test]
async fn one_address_keeps_only_so_many_connections() {
    let server = TestServer::start_with(|config| config.limits.connections_per_address = 5).await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(half_sent(&server, "127.0.0.5", b"GET /healthz HTTP/1.1\r\n").await);
    }
    let mut refused = half_sent(&server, "127.0.0.5", b"GET /healthz HTTP/1.1\r\n").await;
    assert_eq!(read_until_closed(&mut refused, restphone_system_tests::DEADLINE).await.as_deref(), Some(""), "the sixth connection is closed at once");
    // Other addresses are served, and a closed connection frees its place.
    let alice = Client::sign_up(&server.base, "alice").await;
    alice.get("/user/alice@example.com").await.expect(200);
    drop(held.pop());
    // The server notices the close a moment later: try until then.
    let deadline = tokio::time::Instant::now() + restphone_system_tests::DEADLINE;
    loop {
        let mut again = half_sent(&server, "127.0.0.5", b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
        let answer = read_until_closed(&mut again, restphone_system_tests::DEADLINE).await.unwrap();
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(answer.is_empty() && tokio::time::Instant::now() < deadline, "{answer}");
        tokio::time::sleep(Duration::from_millis(20)).await; // until the server has seen the close
    }
}
