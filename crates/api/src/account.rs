//! Accounts (`/user`) and bearer sessions (`/session`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /user`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUp {
    pub email: String,
    pub password: String,
    pub display_name: String,
}

/// `GET /user/{email}`: visible to every signed-in user, so callers show by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Profile {
    pub email: String,
    pub display_name: String,
    pub url: String,
    /// The user's registrations: `/login/{email}`.
    pub login_url: String,
    /// The user's mailbox: `/user/{email}/message`.
    pub message_url: String,
    pub created_at: DateTime<Utc>,
}

/// `PATCH /user/{email}`: change what is given, keep the rest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub password: Option<String>,
}

/// `POST /session`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// The answer to `POST /session`: send `Authorization: Bearer {token}` from then on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub token: String,
    /// The signed-in user: `/user/{email}`.
    pub user: String,
}
