//! Registrations (`/login`): the devices a user is logged in on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// Seconds as JSON Schema reads an integer: `600`, and also `600.0`.
fn whole_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let seconds: Option<f64> = Option::deserialize(deserializer)?;
    seconds
        .map(|seconds| match seconds {
            whole if whole.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&whole) => Ok(whole as u32),
            _ => Err(serde::de::Error::custom("expires must be a whole number of seconds from 0 to 4294967295")),
        })
        .transpose()
}

/// `POST /login/{email}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Register {
    /// Where the device can be reached; opaque to the server (e.g. `sse:` or a URL).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::contact))]
    pub contact: String,
    pub device: DeviceInfo,
    /// Requested lifetime in seconds; the server may raise it to its minimum.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>, maximum = 4294967295.0))]
    #[serde(default, deserialize_with = "whole_seconds")]
    pub expires: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceInfo {
    /// A name the user recognises: "Laptop", "Desk phone".
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::rules::device_name))]
    pub name: String,
}

/// The answer to `POST` and `PUT /login/{email}/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registered {
    pub id: String,
    pub url: String,
    /// Seconds until the registration lapses unless refreshed.
    pub expires: u32,
}

/// `PUT /login/{email}/{id}`: refresh, optionally with a new lifetime or name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refresh {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>, maximum = 4294967295.0))]
    #[serde(default, deserialize_with = "whole_seconds")]
    pub expires: Option<u32>,
    pub device: Option<DeviceInfo>,
}

/// One registered device, as `GET /login/{email}` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: String,
    pub url: String,
    pub name: String,
    /// Only the owner sees where the device is reached.
    pub contact: Option<String>,
    pub registered_at: DateTime<Utc>,
    /// Last registration or refresh.
    pub refreshed_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// `GET /login/{email}` and the data of a `presence` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presence {
    pub user: String,
    pub email: String,
    pub devices: Vec<Device>,
}

/// One entry of `GET /login`: a user with at least one live registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnlineUser {
    pub email: String,
    pub display_name: String,
    pub url: String,
    pub devices: u32,
}
