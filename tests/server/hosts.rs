//! A server on loopback answers only to loopback names and the names its operator
//! gives, and refuses what a browser sends from another site: a web page that rebinds
//! its DNS name to 127.0.0.1 cannot reach a server a user hosts on their machine.

use restphone_system_tests::raw::status_of;
use restphone_system_tests::{Client, TestServer};
use serde_json::json;

fn sign_up_request(host: &str, extra_headers: &str) -> String {
    let body = json!({"email": "mallory@example.com", "password": "long enough", "display_name": "Mallory"}).to_string();
    format!(
        "POST /user HTTP/1.1\r\nHost: {host}\r\n{extra_headers}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn get(path: &str, host: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
}

#[tokio::test]
async fn a_rebound_host_name_is_refused_and_loopback_names_work() {
    let server = TestServer::start().await;
    let port = server.address.port();
    assert_eq!(status_of(server.address, &sign_up_request(&format!("evil.example:{port}"), "")).await, 421);
    assert_eq!(status_of(server.address, &get("/healthz", "localhost.evil.example")).await, 421);
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}"), "localhost".to_owned()] {
        assert_eq!(status_of(server.address, &get("/healthz", &host)).await, 200, "{host}");
    }
    // Nothing was created by the refused sign-up: the email is still free.
    assert_eq!(status_of(server.address, &sign_up_request(&format!("localhost:{port}"), "")).await, 201);
}

#[tokio::test]
async fn requests_from_another_web_site_are_refused() {
    let server = TestServer::start().await;
    let host = format!("localhost:{}", server.address.port());
    let from_evil = sign_up_request(&host, "Origin: https://evil.example\r\n");
    assert_eq!(status_of(server.address, &from_evil).await, 403);
    let cross_site = sign_up_request(&host, "Sec-Fetch-Site: cross-site\r\n");
    assert_eq!(status_of(server.address, &cross_site).await, 403);
    let same_origin = sign_up_request(&host, &format!("Origin: http://{host}\r\nSec-Fetch-Site: same-origin\r\n"));
    assert_eq!(status_of(server.address, &same_origin).await, 201);
    // Clients without a browser's headers are unaffected.
    Client::sign_up(&server.base, "alice").await.get("/user/alice@example.com").await.expect(200);
}

#[tokio::test]
async fn the_operator_names_the_public_host() {
    let server = TestServer::start_with(|config| config.public_hosts = vec!["phone.example.org".to_owned()]).await;
    assert_eq!(status_of(server.address, &get("/healthz", "phone.example.org")).await, 200);
    assert_eq!(status_of(server.address, &get("/healthz", "other.example.org")).await, 421);
}
