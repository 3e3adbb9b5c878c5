//! `GET /events`: a device's push channel.

use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;

use super::{openapi as doc, sse};
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct WhichDevice {
    /// The device's id or its `/login/{email}/{id}` URL.
    device: Option<String>,
}

#[utoipa::path(
    get,
    path = "/events",
    tag = "events",
    operation_id = "push_channel",
    summary = "A device's push channel (Server-Sent Events)",
    description = "Every event for this device, each with an `id:`, an `event:` naming an `EventKind` and JSON data. Without `Last-Event-ID` the stream starts with what happens next; with it, it first replays what the device missed, or sends `reset` when the log no longer reaches back that far. The stream ends when the registration is removed or lapses.",
    params(
        ("device" = String, Query, description = "The device's id or its `/login/{email}/{id}` URL"),
        ("Last-Event-ID" = Option<i64>, Header, description = "The id of the last event the device received"),
    ),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The event stream", body = String, content_type = "text/event-stream"),
        (status = 400, description = "No device named, a malformed query string, or a `Last-Event-ID` this server did not send", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The device is not mine", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The device is not registered, or its registration lapsed", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The device is named by something that is neither an id nor a `/login/...` URL", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn push_channel(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<WhichDevice>,
    headers: HeaderMap,
) -> ApiResult<axum::response::Response> {
    let named = query.device.ok_or_else(|| ApiError::BadRequest("name the device: GET /events?device={id}".to_owned()))?;
    let device = state.my_device(&user, &named).await?;
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(value) => {
            let parsed = value.to_str().ok().and_then(|v| v.trim().parse::<i64>().ok()).filter(|id| *id >= 0);
            Some(parsed.ok_or_else(|| ApiError::BadRequest("Last-Event-ID must be an event id this server sent".to_owned()))?)
        }
    };
    sse::push_channel(state, user.opener(Some(device.id)), last_event_id).await
}
