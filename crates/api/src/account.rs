//! Accounts (`/user`) and bearer sessions (`/session`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /user`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUp {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::email))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::password))]
    pub password: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::display_name))]
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
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::optional_display_name))]
    pub display_name: Option<String>,
    /// A new password; needs `current_password`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::optional_password))]
    pub password: Option<String>,
    /// The password now: required to set a new one, so a stolen token cannot.
    pub current_password: Option<String>,
}

/// `DELETE /user/{email}`: the password now, so a stolen token cannot delete the account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountDeletion {
    pub current_password: String,
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
