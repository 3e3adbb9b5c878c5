//! Wire types of the restphone REST interface: what travels between the server and
//! every phone, as JSON bodies and as Server-Sent Events.
//!
//! Architecture invariant: this crate does no I/O. It holds serde types, path builders
//! and the problem body, so a field is renamed in exactly one place.
#![forbid(unsafe_code)]

pub mod account;
pub mod call;
pub mod event;
pub mod history;
pub mod login;
pub mod message;
pub mod pairing;
pub mod path;
pub mod problem;
pub mod rules;
pub mod sse;

pub use chrono::{DateTime, Utc};

/// The body of every `201 Created`: the new resource's id and URL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Created {
    pub id: String,
    pub url: String,
}
