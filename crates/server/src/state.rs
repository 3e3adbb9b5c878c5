//! What every handler shares: the configuration, the store, the live hub, the
//! credential caches, and the few operations that combine them.

use std::net::IpAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::watch;

use crate::auth::{self, CredentialCache, SignInThrottle, TokenUse, User};
use crate::config::Config;
use crate::domain::call::CallRecord;
use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;
use crate::open_streams::OpenStreams;
use crate::rate::Rates;
use crate::registrations::Registrations;
use crate::store::{CallChange, DeviceRecord, NewEvent, Store};

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub hub: Hub,
    pub credentials: CredentialCache,
    pub throttle: SignInThrottle,
    pub streams: OpenStreams,
    pub rates: Rates,
    pub registrations: Registrations,
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
        let rates = Rates::new(&config.limits);
        let throttle = SignInThrottle::new(config.limits.failed_sign_ins, config.limits.failed_sign_ins_per_address);
        Self(Arc::new(Shared {
            config,
            store,
            hub: Hub::default(),
            credentials: CredentialCache::default(),
            throttle,
            streams: OpenStreams::default(),
            rates,
            registrations: Registrations::default(),
            closing,
        }))
    }
}

/// Milliseconds since the Unix epoch: the one clock of the shell.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Shared {
    /// The token's user. A token unused for `token_idle_expiry` is refused; each use
    /// extends it (written to the store only now and then, see `CredentialCache::token`).
    pub async fn user_by_token(&self, token: &str) -> ApiResult<User> {
        let token_hash = auth::digest(&[token]);
        let now = now();
        let idle_limit = self.config.token_idle_expiry.as_millis() as i64;
        let user = match self.credentials.token(&token_hash, now, idle_limit) {
            TokenUse::Valid { user, touch } => {
                if touch {
                    self.store.touch_token(&token_hash, now).await?;
                }
                user
            }
            TokenUse::Unknown => {
                let record = self.store.user_by_token(&token_hash, now - idle_limit).await?;
                let unknown = ApiError::Unauthorized("the bearer token is unknown, expired or was revoked: sign in again");
                let user = User { token_hash: Some(token_hash.clone()), ..User::from(&record.ok_or(unknown)?) };
                self.store.touch_token(&token_hash, now).await?;
                self.credentials.remember_token(token_hash, user.clone(), now);
                user
            }
        };
        Ok(user)
    }

    /// Checks a password, throttled per account and address (see `SignInThrottle`).
    pub async fn verify_password(&self, email: &str, password: &str, address: Option<IpAddr>) -> ApiResult<User> {
        let key = auth::digest(&[email, password]);
        let now = Instant::now();
        // The throttle comes first: otherwise a cached password would answer guesses
        // at full speed.
        let attempt =
            self.throttle.begin(email, address, now).map_err(|retry_after| ApiError::too_many("too many failed sign-ins from this address", retry_after))?;
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
                attempt.failed();
                Err(ApiError::Unauthorized("wrong email or password"))
            }
        }
    }

    /// Issues a bearer token for `user`, revoking the account's least recently used
    /// ones beyond the limit.
    pub async fn issue_token(&self, user: &User) -> ApiResult<String> {
        let token = crate::domain::ids::new_token();
        let token_hash = auth::digest(&[&token]);
        let now = now();
        let revoked = self.store.insert_token(&token_hash, user.id, now, self.config.limits.tokens_per_account).await?;
        self.forget_tokens(&revoked);
        self.credentials.remember_token(token_hash.clone(), User { token_hash: Some(token_hash), ..user.clone() }, now);
        Ok(token)
    }

    /// After tokens were revoked: they stop working at once, and their streams close.
    pub fn forget_tokens(&self, token_hashes: &[String]) {
        for hash in token_hashes {
            self.credentials.forget_token(hash);
        }
        self.streams.close_tokens(token_hashes);
    }

    /// Appends events to the log (the hub hands them to the open streams).
    pub async fn log(&self, events: Vec<NewEvent>) -> ApiResult<()> {
        self.store.append_events(events, now()).await?;
        Ok(())
    }

    /// Changes a call atomically and tells everyone in it.
    pub async fn change_call(&self, call_id: &str, change: CallChange<'_>) -> ApiResult<CallRecord> {
        let call = self.store.update_call(call_id, change, now()).await?.ok_or_else(|| ApiError::not_found("that call"))?;
        Ok(call)
    }

    /// One of `user`'s live devices, named by id or by its `/login/{email}/{id}` URL.
    pub async fn my_device(&self, user: &User, named: &str) -> ApiResult<DeviceRecord> {
        let id = match restphone_api::path::parse_login(named) {
            Some((email, _)) if !email.eq_ignore_ascii_case(&user.email) => return Err(ApiError::Forbidden(format!("{named} is not one of your devices"))),
            Some((_, id)) => id,
            None if named.contains('/') => return Err(ApiError::NotFound(format!("'{named}' is neither a device id nor a /login/{{email}}/{{id}} URL"))),
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
