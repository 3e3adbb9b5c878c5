//! What every handler shares: the configuration, the store, the live hub, the
//! credential caches, and the few operations that combine them.

use std::net::IpAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::watch;

use crate::auth::{self, CredentialCache, FailureLimiter, User};
use crate::config::Config;
use crate::domain::call::CallRecord;
use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;
use crate::store::{CallChange, DeviceRecord, NewEvent, Store};

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub hub: Hub,
    pub credentials: CredentialCache,
    pub limiter: FailureLimiter,
    /// Turns true when the server shuts down, so open streams end.
    pub closing: watch::Receiver<bool>,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, store: Arc<dyn Store>, closing: watch::Receiver<bool>) -> Self {
        Self(Arc::new(Shared { config, store, hub: Hub::default(), credentials: CredentialCache::default(), limiter: FailureLimiter::default(), closing }))
    }
}

/// Milliseconds since the Unix epoch: the one clock of the shell.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Shared {
    pub async fn user_by_token(&self, token: &str) -> ApiResult<User> {
        let token_hash = auth::digest(&[token]);
        if let Some(user) = self.credentials.token(&token_hash) {
            return Ok(user);
        }
        let record = self.store.user_by_token(&token_hash).await?;
        let user = User::from(&record.ok_or(ApiError::Unauthorized("the bearer token is unknown or was revoked: sign in again"))?);
        self.credentials.remember_token(token_hash, user.clone());
        Ok(user)
    }

    pub async fn verify_password(&self, email: &str, password: &str, address: Option<IpAddr>) -> ApiResult<User> {
        let key = auth::digest(&[email, password]);
        let now = Instant::now();
        // The lockout comes first: otherwise a cached password would answer guesses
        // at full speed during it.
        if let Some(retry_after) = self.limiter.check(email, address, now) {
            return Err(ApiError::TooManyRequests { retry_after });
        }
        if let Some(user) = self.credentials.password(&key, now) {
            return Ok(user);
        }
        let record = self.store.user_by_email(email).await?;
        let stored_hash = record.as_ref().map_or(auth::password::decoy(), |r| r.password_hash.as_str());
        let matches = auth::password::verify(password.to_owned(), stored_hash.to_owned()).await?;
        match record {
            Some(record) if matches => {
                let user = User::from(&record);
                self.credentials.remember_password(key, user.clone(), now);
                Ok(user)
            }
            _ => {
                self.limiter.failed(email, address, now);
                Err(ApiError::Unauthorized("wrong email or password"))
            }
        }
    }

    /// Appends events to the log and hands them to the open streams, in order.
    pub async fn log(&self, events: Vec<NewEvent>) -> ApiResult<()> {
        let publisher = self.hub.publisher().await;
        let stored = self.store.append_events(events, now()).await?;
        publisher.publish(stored);
        Ok(())
    }

    /// Changes a call atomically and tells everyone in it.
    pub async fn change_call(&self, call_id: &str, change: CallChange<'_>) -> ApiResult<CallRecord> {
        let publisher = self.hub.publisher().await;
        let (call, stored) = self.store.update_call(call_id, change, now()).await?.ok_or_else(|| ApiError::not_found("that call"))?;
        publisher.publish(stored);
        Ok(call)
    }

    /// One of `user`'s live devices, named by id or by its `/login/{email}/{id}` URL.
    pub async fn my_device(&self, user: &User, named: &str) -> ApiResult<DeviceRecord> {
        let id = match restphone_api::path::parse_login(named) {
            Some((email, _)) if !email.eq_ignore_ascii_case(&user.email) => return Err(ApiError::Forbidden(format!("{named} is not one of your devices"))),
            Some((_, id)) => id,
            None if named.contains('/') => return Err(ApiError::Unprocessable(format!("'{named}' is neither a device id nor a /login/{{email}}/{{id}} URL"))),
            None => named,
        };
        match self.store.live_device(id, now()).await? {
            Some(device) if device.user_id == user.id => Ok(device),
            Some(_) => Err(ApiError::Forbidden(format!("{named} is not one of your devices"))),
            None => {
                Err(ApiError::NotFound(format!("device {named} is not registered (or its registration lapsed): register it with POST /login/{}", user.email)))
            }
        }
    }
}
