//! A user of the server: signs up, signs in, registers devices, sends requests.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::events::EventStream;

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub email: String,
    pub password: String,
    /// Bearer token once signed in; Basic otherwise.
    pub token: Option<String>,
}

/// Status and body (JSON, or the text as a JSON string when it is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// Asserts the status, showing the body when it is not the one expected.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected reply: {:#}", self.body);
        self.body
    }

    /// Asserts a problem+json error with this status and returns its detail.
    #[track_caller]
    pub fn problem(self, status: u16) -> String {
        let content_type = self.headers.get("content-type").map(|v| v.to_str().unwrap().to_owned());
        let body = self.expect(status);
        assert_eq!(content_type.as_deref(), Some("application/problem+json"));
        assert_eq!(body["status"], status);
        let detail = body["detail"].as_str().expect("a problem has a detail").to_owned();
        assert!(!detail.is_empty());
        detail
    }
}

impl Client {
    pub fn new(base: &str, name: &str) -> Self {
        Self::from_address(base, name, std::net::Ipv4Addr::LOCALHOST.into())
    }

    /// A client whose connections come from `address` (any of 127.0.0.0/8 works on
    /// loopback), to tell places apart.
    pub fn from_address(base: &str, name: &str, address: std::net::IpAddr) -> Self {
        Self {
            http: reqwest::Client::builder().timeout(crate::DEADLINE).local_address(address).build().unwrap(),
            base: base.to_owned(),
            email: format!("{name}@example.com"),
            password: format!("{name}-secret-password"),
            token: None,
        }
    }

    /// Signs up `name@example.com` and signs in with a bearer token.
    pub async fn sign_up(base: &str, name: &str) -> Self {
        let mut client = Self::new(base, name);
        let display_name = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        client.post("/user", json!({"email": client.email, "password": client.password, "display_name": display_name})).await.expect(201);
        let session = client.post("/session", json!({"email": client.email, "password": client.password})).await.expect(201);
        client.token = Some(session["token"].as_str().unwrap().to_owned());
        client
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request.basic_auth(&self.email, Some(&self.password)),
        }
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body, headers }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::POST, path).json(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::PUT, path).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::PATCH, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.request(Method::DELETE, path)).await
    }

    pub async fn delete_with(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::DELETE, path).json(&body)).await
    }

    /// Registers a device with the given lifetime; returns its id.
    pub async fn register_for(&self, name: &str, expires: u32) -> String {
        let body = json!({"contact": format!("sse:{name}"), "device": {"name": name}, "expires": expires});
        let reply = self.post(&format!("/login/{}", self.email), body).await.expect(201);
        reply["id"].as_str().unwrap().to_owned()
    }

    pub async fn register(&self, name: &str) -> String {
        self.register_for(name, 600).await
    }

    /// Registers a device and opens its push channel.
    pub async fn device(&self, name: &str) -> (String, EventStream) {
        let id = self.register(name).await;
        let events = self.events(&id, None).await;
        (id, events)
    }

    pub async fn events(&self, device_id: &str, last_event_id: Option<&str>) -> EventStream {
        let mut request = self
            .request(Method::GET, &format!("/events?device={device_id}"))
            .header("accept", "text/event-stream")
            .timeout(std::time::Duration::from_secs(3600));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        EventStream::open(request).await
    }

    /// Sends this user a marker invitation; `EventStream::until_marker` finds it.
    pub async fn mark(&self) -> String {
        static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let marker = format!("/marker/{}", COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        self.post(&format!("/invite/{}", self.email), json!({"command": "invite", "url": marker})).await.expect(202);
        marker
    }

    pub fn device_url(&self, device_id: &str) -> String {
        format!("/login/{}/{device_id}", self.email)
    }

    /// Calls `to` and returns the call's id.
    pub async fn call(&self, to: &Client) -> String {
        let created = self.post("/call", json!({"to": to.email})).await.expect(201);
        created["id"].as_str().unwrap().to_owned()
    }

    pub async fn report(&self, call_id: &str, event: &str, device_id: &str) -> Reply {
        self.post(&format!("/call/{call_id}/events"), json!({"event": event, "device": device_id})).await
    }

    pub async fn take(&self, call_id: &str, device_id: &str, session: &str) -> Reply {
        self.post(&format!("/call/{call_id}"), json!({"url": self.device_url(device_id), "session": session})).await
    }
}
