//! `GET /events`: a device's push channel.

use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;

use super::sse;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct WhichDevice {
    /// The device's id or its `/login/{email}/{id}` URL.
    device: Option<String>,
}

pub async fn push_channel(State(state): State<AppState>, user: User, Query(query): Query<WhichDevice>, headers: HeaderMap) -> ApiResult<axum::response::Response> {
    let named = query.device.ok_or_else(|| ApiError::BadRequest("name the device: GET /events?device={id}".to_owned()))?;
    let device = state.my_device(&user, &named).await?;
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(value) => {
            let parsed = value.to_str().ok().and_then(|v| v.trim().parse::<i64>().ok()).filter(|id| *id >= 0);
            Some(parsed.ok_or_else(|| ApiError::BadRequest("Last-Event-ID must be an event id this server sent".to_owned()))?)
        }
    };
    Ok(sse::push_channel(state, user.id, device.id, last_event_id))
}
