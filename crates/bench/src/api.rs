//! The requests the measurements make, as a phone makes them: bearer-token auth,
//! JSON bodies, HTTP/1.1 keep-alive connections from one shared pool.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use reqwest::{RequestBuilder, Response, StatusCode};
use restphone_api::Created;
use restphone_api::account::{Credentials, Session, SignUp};
use restphone_api::login::{DeviceInfo, Presence, Register, Registered};
use restphone_api::path;

use crate::BenchResult;

/// Every account gets this password; argon2 makes signing up cost tens of ms.
const PASSWORD: &str = "bench-password";
/// Ordinary requests give up after this; event streams have no time limit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How many accounts are created at once: each one is two argon2 hashes.
const ACCOUNT_CONCURRENCY: usize = 4;

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub token: String,
}

/// The server's base URL and a connection pool.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base_url: String,
}

impl Api {
    pub fn new(base_url: &str) -> BenchResult<Self> {
        let http = reqwest::Client::builder().no_proxy().tcp_nodelay(true).build()?;
        Ok(Self { http, base_url: base_url.to_owned() })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Signs up `{name}@bench.example` and signs in for a bearer token.
    pub async fn create_account(&self, name: &str) -> BenchResult<Account> {
        let email = format!("{name}@bench.example");
        let sign_up = SignUp { email: email.clone(), password: PASSWORD.to_owned(), display_name: name.to_owned() };
        expect(self.http.post(self.url("/user")).json(&sign_up), StatusCode::CREATED).await?;
        let credentials = Credentials { email: email.clone(), password: PASSWORD.to_owned() };
        let session: Session = expect(self.http.post(self.url("/session")).json(&credentials), StatusCode::CREATED).await?.json().await?;
        Ok(Account { email, token: session.token })
    }

    /// Accounts `{prefix}-0` … `{prefix}-{count - 1}`, a few at a time.
    pub async fn create_accounts(&self, prefix: &str, count: usize) -> BenchResult<Vec<Account>> {
        futures::stream::iter(0..count)
            .map(|i| async move { self.create_account(&format!("{prefix}-{i}")).await })
            .buffered(ACCOUNT_CONCURRENCY)
            .try_collect()
            .await
    }

    /// `POST /login/{email}`: registers a new device for the shortest lifetime.
    pub async fn register(&self, account: &Account, device_name: &str) -> BenchResult<Registered> {
        let register = Register { contact: "sse:".to_owned(), device: DeviceInfo { name: device_name.to_owned() }, expires: Some(60) };
        let request = self.http.post(self.url(&path::logins(&account.email))).bearer_auth(&account.token).json(&register);
        Ok(expect(request, StatusCode::CREATED).await?.json().await?)
    }

    /// Registers `count` devices of one account, `concurrency` at a time; their ids.
    pub async fn register_devices(&self, account: &Account, count: usize, concurrency: usize) -> BenchResult<Vec<String>> {
        futures::stream::iter(0..count)
            .map(|i| async move { self.register(account, &format!("phone {i}")).await.map(|registered| registered.id) })
            .buffered(concurrency)
            .try_collect()
            .await
    }

    /// `PUT /login/{email}/{id}` with an empty body: the device is still there.
    pub async fn refresh(&self, account: &Account, device_id: &str) -> BenchResult<()> {
        let request = self.http.put(self.url(&path::login(&account.email, device_id))).bearer_auth(&account.token);
        let response = expect(request, StatusCode::OK).await?;
        response.bytes().await?;
        Ok(())
    }

    /// `GET /login/{email}`: the account's live devices.
    pub async fn devices(&self, account: &Account) -> BenchResult<Presence> {
        let request = self.http.get(self.url(&path::logins(&account.email))).bearer_auth(&account.token);
        Ok(expect(request, StatusCode::OK).await?.json().await?)
    }

    /// `POST /call {to}`: every registered device of the callee rings.
    pub async fn call(&self, caller: &Account, to: &str) -> BenchResult<Created> {
        let body = restphone_api::call::NewCall { to: Some(to.to_owned()), ..Default::default() };
        let request = self.http.post(self.url("/call")).bearer_auth(&caller.token).json(&body);
        Ok(expect(request, StatusCode::CREATED).await?.json().await?)
    }

    /// `GET /events?device={id}`: the device's push channel, once its headers arrived.
    pub async fn open_events(&self, account: &Account, device_id: &str) -> BenchResult<Response> {
        let request =
            self.http.get(self.url("/events")).query(&[("device", device_id)]).bearer_auth(&account.token).header(reqwest::header::ACCEPT, "text/event-stream");
        let response = request.send().await?;
        if response.status() == StatusCode::OK { Ok(response) } else { Err(unexpected(response).await) }
    }
}

/// Sends `request` and insists on `status`; otherwise an error with the path, the
/// status and the problem body.
async fn expect(request: RequestBuilder, status: StatusCode) -> BenchResult<Response> {
    let response = request.timeout(REQUEST_TIMEOUT).send().await?;
    if response.status() == status { Ok(response) } else { Err(unexpected(response).await) }
}

async fn unexpected(response: Response) -> Box<dyn std::error::Error + Send + Sync> {
    let (path, status) = (response.url().path().to_owned(), response.status());
    let body = response.text().await.unwrap_or_default();
    format!("{path}: {status}: {body}").into()
}
