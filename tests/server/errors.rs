use restphone_system_tests::{Client, TestServer};
use serde_json::json;

#[tokio::test]
async fn client_mistakes_get_a_clear_problem_and_never_a_500() {
    let server = TestServer::start().await;
    let alice = Client::sign_up(&server.base, "alice").await;
    let raw = |method: &str, path: &str| alice.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), path);
    let cases = [
        (raw("POST", "/call").header("content-type", "application/json").body("{not json"), 400),
        (raw("POST", "/call").body("to=bob"), 415),
        (raw("POST", "/call").json(&json!({"to": 42})), 422),
        (raw("POST", "/call").json(&json!({"to": "nobody@example.com"})), 404),
        (raw("POST", "/call").json(&json!({"to": "alice@example.com"})), 409),
        (raw("POST", "/call").json(&json!({})), 422),
        (raw("GET", "/call/doesnotexist"), 404),
        (raw("GET", "/no/such/thing"), 404),
        (raw("GET", "/user/%FF%FE"), 400),
        (raw("PUT", "/call"), 405),
        (raw("BREW", "/login/alice@example.com"), 405),
        (raw("POST", "/login/alice@example.com").json(&json!({"contact": "x", "device": {"name": ""}})), 422),
        (raw("POST", "/login/alice@example.com").json(&json!({"contact": "x", "device": {"name": "ok"}, "expires": -1})), 422),
        (raw("POST", "/login/alice@example.com").header("content-type", "application/json").body(vec![b'['; 100_000]), 413),
        (raw("GET", "/events"), 400),
        (raw("GET", "/events?device=unknown"), 404),
        (raw("POST", "/call/x/events").json(&json!({"event": "explode", "device": "d"})), 422),
    ];
    for (request, status) in cases {
        let reply = alice.send(request).await;
        let shown = format!("{:?}", reply.body);
        let detail = reply.problem(status);
        assert!(!detail.contains("panicked"), "{shown}");
    }
}

#[tokio::test]
async fn requests_without_valid_credentials_are_refused() {
    let server = TestServer::start().await;
    Client::sign_up(&server.base, "alice").await;
    let http = reqwest::Client::new();
    let url = format!("{}/call", server.base);
    let none = http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    for header in ["Bearer nope", "Basic !!!", "Digest abc", "Basic YWxpY2U="] {
        let reply = http.get(&url).header("authorization", header).send().await.unwrap();
        assert_eq!(reply.status(), 401, "{header}");
    }
    let health = http.get(format!("{}/healthz", server.base)).send().await.unwrap();
    assert_eq!(health.status(), 200);
}
