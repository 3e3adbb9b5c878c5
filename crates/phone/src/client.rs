//! The server's REST interface as typed calls. Each call returns the wire type or a
//! `PhoneError` built from the problem body the server sent.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use restphone_api::Created;
use restphone_api::account::{Credentials, Profile, ProfileChange, Session, SignUp};
use restphone_api::call::{Call, CallEvent, NewCall, Report, Take, Target};
use restphone_api::history::{EntryId, HistoryPage, HistorySeen};
use restphone_api::login::{DeviceInfo, OnlineUser, Presence, Refresh, Register, Registered};
use restphone_api::message::{Message, MessageChange, TextMessage};
use restphone_api::path;
use restphone_api::problem::Problem;
use serde::de::DeserializeOwned;

use crate::error::PhoneError;
use crate::tls::{self, ServerAddress};

#[derive(Clone)]
pub struct ServerClient {
    http: reqwest::Client,
    base: String,
    pub email: String,
    /// Shared by every clone (REST, push, voicemail), so signing in again after a
    /// password change reaches them all.
    token: Arc<RwLock<String>>,
}

/// The `detail` of a problem body, or the status when the body is not one.
async fn refusal(response: reqwest::Response) -> PhoneError {
    let status = response.status().as_u16();
    match response.json::<Problem>().await {
        Ok(problem) => PhoneError::Refused { status, detail: problem.detail },
        Err(_) => PhoneError::Refused { status, detail: format!("HTTP {status}") },
    }
}

/// A request that got no answer: what TLS said, when it failed there, in words.
fn unreachable(base: &str, error: reqwest::Error) -> PhoneError {
    if let Some(reason) = tls::describe(&error) {
        return PhoneError::Insecure { server: base.to_owned(), reason };
    }
    let reason = if error.is_timeout() { format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()) } else { error.to_string() };
    PhoneError::ServerUnreachable { server: base.to_owned(), reason }
}

/// How long a REST request may take, answer included. The push channel has no overall
/// limit (a stream is long-lived) but gives up on a stream silent for longer than
/// `STREAM_SILENCE`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The server sends a heartbeat every 15 s; twice that with nothing means the stream
/// (or the server) stalled.
pub const STREAM_SILENCE: Duration = Duration::from_secs(30);

/// Idle connections are dropped before the server's idle limit (its 30 s read
/// timeout), so a request never goes out on a connection the server is closing.
fn http(server: &ServerAddress) -> reqwest::Client {
    reqwest::Client::builder()
        .use_preconfigured_tls(server.client_config())
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(STREAM_SILENCE)
        .pool_idle_timeout(Duration::from_secs(20))
        .build()
        .expect("an HTTP client")
}

fn address(server: &str) -> Result<ServerAddress, PhoneError> {
    ServerAddress::parse(server).map_err(PhoneError::NotPossible)
}

/// A bearer token for `email` (`POST /session`); a wrong password is `WrongPassword`.
async fn new_token(http: &reqwest::Client, base: &str, email: &str, password: &str) -> Result<String, PhoneError> {
    let body = Credentials { email: email.to_owned(), password: password.to_owned() };
    let request = http.post(format!("{base}/session")).timeout(REQUEST_TIMEOUT).json(&body);
    let response = request.send().await.map_err(|e| unreachable(base, e))?;
    match response.status() {
        StatusCode::CREATED => Ok(response.json::<Session>().await.map_err(|e| PhoneError::Protocol(e.to_string()))?.token),
        StatusCode::UNAUTHORIZED => Err(PhoneError::WrongPassword),
        _ => Err(refusal(response).await),
    }
}

impl ServerClient {
    /// What people type is trimmed: the server takes names and emails only without
    /// space around them.
    pub async fn sign_up(server: &str, email: &str, password: &str, display_name: &str) -> Result<(), PhoneError> {
        let server = address(server)?;
        let base = &server.base;
        let body = SignUp { email: email.trim().to_owned(), password: password.to_owned(), display_name: display_name.trim().to_owned() };
        let request = http(&server).post(format!("{base}/user")).timeout(REQUEST_TIMEOUT).json(&body);
        let response = request.send().await.map_err(|e| unreachable(base, e))?;
        if response.status() == StatusCode::CREATED { Ok(()) } else { Err(refusal(response).await) }
    }

    /// Whether a restphone server answers at `server` (a URL or a pairing link).
    pub async fn check(server: &str) -> Result<(), PhoneError> {
        let server = address(server)?;
        let request = http(&server).get(format!("{}/healthz", server.base)).timeout(REQUEST_TIMEOUT);
        let response = request.send().await.map_err(|e| unreachable(&server.base, e))?;
        if response.status().is_success() { Ok(()) } else { Err(refusal(response).await) }
    }

    /// Signs in for a bearer token; the password is not kept. `server` is a URL or a
    /// pairing link (see `ServerAddress`).
    pub async fn sign_in(server: &str, email: &str, password: &str) -> Result<Self, PhoneError> {
        let server = address(server)?;
        let http = http(&server);
        let token = new_token(&http, &server.base, email, password).await?;
        Ok(Self { http, base: server.base, email: email.trim().to_lowercase(), token: Arc::new(RwLock::new(token)) })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A REST request, with its timeout.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.stream_request(method, path).timeout(REQUEST_TIMEOUT)
    }

    /// A request for a long-lived stream: no overall timeout.
    pub fn stream_request(&self, method: Method, path: &str) -> RequestBuilder {
        let token = self.token.read().expect("token lock").clone();
        self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token)
    }

    async fn send(&self, request: RequestBuilder) -> Result<reqwest::Response, PhoneError> {
        let response = request.send().await.map_err(|e| unreachable(&self.base, e))?;
        if response.status().is_success() { Ok(response) } else { Err(refusal(response).await) }
    }

    async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, PhoneError> {
        self.send(request).await?.json().await.map_err(|e| PhoneError::Protocol(e.to_string()))
    }

    pub async fn sign_out(&self) -> Result<(), PhoneError> {
        self.send(self.request(Method::DELETE, "/session")).await.map(drop)
    }

    pub async fn register(&self, device_name: &str, expires: u32) -> Result<Registered, PhoneError> {
        let device_name = device_name.trim();
        let body = Register { contact: format!("sse:{device_name}"), device: DeviceInfo { name: device_name.to_owned() }, expires: Some(expires) };
        self.json(self.request(Method::POST, &path::logins(&self.email)).json(&body)).await
    }

    /// `RegistrationGone` when the server forgot the device (lapsed, or a reset server).
    pub async fn refresh(&self, device_id: &str, expires: u32) -> Result<Registered, PhoneError> {
        match self.update_registration(device_id, Refresh { expires: Some(expires), device: None }).await {
            Err(PhoneError::Refused { status: 404, .. }) => Err(PhoneError::RegistrationGone),
            other => other,
        }
    }

    /// Renames one of my devices; its registration is refreshed with it.
    pub async fn rename_device(&self, device_id: &str, name: &str, expires: u32) -> Result<Registered, PhoneError> {
        self.update_registration(device_id, Refresh { expires: Some(expires), device: Some(DeviceInfo { name: name.to_owned() }) }).await
    }

    /// `PUT /login/{email}/{id}`.
    async fn update_registration(&self, device_id: &str, change: Refresh) -> Result<Registered, PhoneError> {
        self.json(self.request(Method::PUT, &path::login(&self.email, device_id)).json(&change)).await
    }

    pub async fn unregister(&self, device_id: &str) -> Result<(), PhoneError> {
        self.send(self.request(Method::DELETE, &path::login(&self.email, device_id))).await.map(drop)
    }

    pub async fn devices_of(&self, email: &str) -> Result<Presence, PhoneError> {
        self.json(self.request(Method::GET, &path::logins(email))).await
    }

    pub async fn online(&self) -> Result<Vec<OnlineUser>, PhoneError> {
        self.json(self.request(Method::GET, "/login")).await
    }

    pub async fn calls(&self) -> Result<Vec<Call>, PhoneError> {
        self.json(self.request(Method::GET, "/call")).await
    }

    /// Changes my password. The server revokes every token of mine with it, this one
    /// too: this client signs in again with the new password, for all its clones.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), PhoneError> {
        let change = ProfileChange { password: Some(new.to_owned()), current_password: Some(current.to_owned()), ..ProfileChange::default() };
        self.send(self.request(Method::PATCH, &path::user(&self.email)).json(&change)).await?;
        let token = new_token(&self.http, &self.base, &self.email, new).await?;
        *self.token.write().expect("token lock") = token;
        Ok(())
    }

    /// My profile: the name others see me by.
    pub async fn profile(&self) -> Result<Profile, PhoneError> {
        self.json(self.request(Method::GET, &path::user(&self.email))).await
    }

    /// Changes the name others see me by.
    pub async fn set_display_name(&self, name: &str) -> Result<(), PhoneError> {
        let change = ProfileChange { display_name: Some(name.to_owned()), ..ProfileChange::default() };
        self.send(self.request(Method::PATCH, &path::user(&self.email)).json(&change)).await.map(drop)
    }

    /// The newest page of my call history, with the count of missed calls unseen.
    pub async fn history(&self, limit: u32) -> Result<HistoryPage, PhoneError> {
        self.json(self.request(Method::GET, &format!("/call?history=all&limit={limit}"))).await
    }

    /// Missed calls through entry `through` are seen, on every device of mine.
    pub async fn see_missed_calls(&self, through: Option<u64>) -> Result<(), PhoneError> {
        self.send(self.request(Method::POST, "/call/history/seen").json(&HistorySeen { through: through.map(EntryId) })).await.map(drop)
    }

    /// People whose name or email contains `text` (online), or whose email it is.
    pub async fn search(&self, text: &str) -> Result<Vec<OnlineUser>, PhoneError> {
        self.json(self.request(Method::GET, "/user").query(&[("search", text)])).await
    }

    /// `None` when the call is gone: it ended.
    pub async fn call(&self, call_id: &str) -> Result<Option<Call>, PhoneError> {
        match self.json(self.request(Method::GET, &path::call(call_id))).await {
            Ok(call) => Ok(Some(call)),
            Err(PhoneError::Refused { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Creates a call to `to`; with `from_device`, that device of mine is told to dial.
    pub async fn dial(&self, to: &str, from_device: Option<&str>) -> Result<Created, PhoneError> {
        let body = NewCall { subject: None, to: Some(to.to_owned()), device: from_device.map(str::to_owned) };
        match self.json(self.request(Method::POST, "/call").json(&body)).await {
            Err(PhoneError::Refused { status: 404, .. }) => Err(PhoneError::UserUnknown(to.to_owned())),
            other => other,
        }
    }

    pub async fn take(&self, call_id: &str, device_id: &str, session: Option<String>) -> Result<Created, PhoneError> {
        let body = Take { url: path::login(&self.email, device_id), session };
        self.json(self.request(Method::POST, &path::call(call_id)).json(&body)).await
    }

    pub async fn report(&self, call_id: &str, event: CallEvent, device_id: &str) -> Result<Call, PhoneError> {
        let body = Report { event, device: device_id.to_owned() };
        match self.json(self.request(Method::POST, &format!("{}/events", path::call(call_id))).json(&body)).await {
            Err(PhoneError::Refused { status: 409, detail }) if event == CallEvent::Answered => Err(PhoneError::TakenElsewhere(detail)),
            other => other,
        }
    }

    /// Taps another of my devices: `push` (take) or `answer`.
    pub async fn tap(&self, call_id: &str, action: &str, device_id: &str) -> Result<(), PhoneError> {
        let body = Target { device: device_id.to_owned() };
        self.send(self.request(Method::POST, &format!("{}/{action}", path::call(call_id))).json(&body)).await.map(drop)
    }

    /// Ends the call for everyone, naming the device that did it.
    pub async fn end(&self, call_id: &str, device_id: &str) -> Result<(), PhoneError> {
        self.send(self.request(Method::DELETE, &format!("{}?device={device_id}", path::call(call_id)))).await.map(drop)
    }

    /// Passes `body` (`{command, url, ...}`) on to every device of `to`.
    pub async fn invite(&self, to: &str, body: &serde_json::Value) -> Result<(), PhoneError> {
        match self.send(self.request(Method::POST, &format!("/invite/{to}")).json(body)).await {
            Err(PhoneError::Refused { status: 404, .. }) => Err(PhoneError::UserUnknown(to.to_owned())),
            other => other.map(drop),
        }
    }

    /// My mailbox.
    pub async fn messages(&self) -> Result<Vec<Message>, PhoneError> {
        self.json(self.request(Method::GET, &path::messages(&self.email))).await
    }

    pub async fn send_text(&self, to: &str, text: &str) -> Result<Created, PhoneError> {
        let body = TextMessage { text: text.to_owned() };
        match self.json(self.request(Method::POST, &path::messages(to)).json(&body)).await {
            Err(PhoneError::Refused { status: 404, .. }) => Err(PhoneError::UserUnknown(to.to_owned())),
            other => other,
        }
    }

    /// Leaves `ogg`, an Ogg Opus file, as a voice message for `to`.
    pub async fn leave_voice_message(&self, to: &str, ogg: Vec<u8>) -> Result<Created, PhoneError> {
        let request = self.request(Method::POST, &path::messages(to)).header(reqwest::header::CONTENT_TYPE, "audio/ogg").body(ogg);
        match self.json(request).await {
            Err(PhoneError::Refused { status: 404, .. }) => Err(PhoneError::UserUnknown(to.to_owned())),
            other => other,
        }
    }

    /// The Ogg Opus file of voice message `id` in my mailbox, as stored.
    pub async fn message_audio(&self, id: &str) -> Result<Vec<u8>, PhoneError> {
        let response = self.send(self.request(Method::GET, &path::message_audio(&self.email, id))).await?;
        let bytes = response.bytes().await.map_err(|e| PhoneError::Protocol(e.to_string()))?;
        Ok(bytes.to_vec())
    }

    /// Marks message `id` in my mailbox heard or unheard.
    pub async fn mark_heard(&self, id: &str, heard: bool) -> Result<(), PhoneError> {
        self.send(self.request(Method::PATCH, &path::message(&self.email, id)).json(&MessageChange { heard })).await.map(drop)
    }

    /// `email`'s greeting (an Ogg Opus file), or `None` when they have none.
    pub async fn greeting(&self, email: &str) -> Result<Option<Vec<u8>>, PhoneError> {
        match self.send(self.request(Method::GET, &path::greeting(email))).await {
            Ok(response) => Ok(Some(response.bytes().await.map_err(|e| PhoneError::Protocol(e.to_string()))?.to_vec())),
            Err(PhoneError::Refused { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Sets my greeting to `ogg`, an Ogg Opus file.
    pub async fn set_greeting(&self, ogg: Vec<u8>) -> Result<(), PhoneError> {
        let request = self.request(Method::PUT, &path::greeting(&self.email)).header(reqwest::header::CONTENT_TYPE, "audio/ogg").body(ogg);
        self.send(request).await.map(drop)
    }

    /// Clears my greeting: callers hear the default prompt again.
    pub async fn delete_greeting(&self) -> Result<(), PhoneError> {
        self.send(self.request(Method::DELETE, &path::greeting(&self.email))).await.map(drop)
    }

    pub async fn delete_message(&self, id: &str) -> Result<(), PhoneError> {
        self.send(self.request(Method::DELETE, &path::message(&self.email, id))).await.map(drop)
    }
}
