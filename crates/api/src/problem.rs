//! The error body of every failed request (RFC 9457 `application/problem+json`).

use serde::{Deserialize, Serialize};

pub const CONTENT_TYPE: &str = "application/problem+json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Always `about:blank`: the status and title say what kind of problem it is.
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    /// The HTTP reason phrase of `status`, e.g. "Conflict".
    pub title: String,
    pub status: u16,
    /// A sentence a person can read: what was wrong and, where it helps, what to do.
    pub detail: String,
}

fn about_blank() -> String {
    "about:blank".to_owned()
}
