//! Who is asking: HTTP Basic or a bearer token on every request.
//!
//! Verifying a password costs tens of milliseconds by design (argon2id), so verified
//! credentials are cached for a short while and tokens are looked up in memory; hot
//! paths (refresh, events, call control) never pay for argon2 twice.

mod cache;
mod limiter;
pub mod password;

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
pub use cache::{CredentialCache, TokenUse};
pub use limiter::SignInThrottle;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated user: the sender ("From") of everything the request does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// The hash of the bearer token the request came with; `None` for a password.
    /// Streams remember it, so that revoking the token closes them.
    pub token_hash: Option<String>,
}

impl From<&crate::store::UserRecord> for User {
    fn from(record: &crate::store::UserRecord) -> Self {
        Self { id: record.id, email: record.email.clone(), display_name: record.display_name.clone(), token_hash: None }
    }
}

impl User {
    /// Who opens a stream with this request's credential.
    pub fn opener(&self, device_id: Option<String>) -> crate::open_streams::Opener {
        crate::open_streams::Opener { user_id: self.id, device_id, token_hash: self.token_hash.clone() }
    }
}

/// SHA-256 in hex: how tokens are stored and cached credentials are keyed.
pub fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

enum Presented {
    Basic { email: String, password: String },
    Bearer(String),
}

fn presented(parts: &Parts) -> Result<Presented, ApiError> {
    let missing = ApiError::Unauthorized("sign in with HTTP Basic (email and password) or a bearer token from POST /session");
    let header = parts.headers.get(AUTHORIZATION).ok_or(missing)?;
    let malformed = || ApiError::Unauthorized("the Authorization header is malformed");
    let header = header.to_str().map_err(|_| malformed())?;
    let (scheme, value) = header.split_once(' ').ok_or_else(malformed)?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Ok(Presented::Bearer(value.trim().to_owned()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(value.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (email, password) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Presented::Basic { email: email.trim().to_lowercase(), password: password.to_owned() })
}

fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

/// The client's address when the server knows it (not in tests without a socket).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(client_ip(parts)))
    }
}

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match presented(parts)? {
            Presented::Bearer(token) => state.user_by_token(&token).await,
            Presented::Basic { email, password } => state.verify_password(&email, &password, client_ip(parts)).await,
        }
    }
}
