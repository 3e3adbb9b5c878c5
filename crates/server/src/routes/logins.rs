//! `/login`: registering, refreshing and removing devices, and who is online.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use restphone_api::event::EventKind;
use restphone_api::login::{OnlineUser, Refresh, Register, Registered};
use restphone_api::path;

use super::{created, only_owner, sse, wants_event_stream};
use crate::auth::User;
use crate::domain::{ids, validate};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Json};
use crate::state::{AppState, Shared, now};
use crate::store::{DeviceRecord, NewEvent};
use crate::wire;

fn registered(email: &str, device: &DeviceRecord, now: i64) -> Registered {
    let expires = ((device.expires_at - now).max(0) / 1000) as u32;
    Registered { id: device.id.clone(), url: path::login(email, &device.id), expires }
}

/// Tells the user's devices, and anyone watching, that the device list changed.
pub async fn announce_presence(state: &Shared, user_id: i64, email: &str) -> ApiResult<()> {
    let devices = state.store.live_devices(user_id, now()).await?;
    state.log(vec![NewEvent::to_user(user_id, EventKind::Presence, &wire::presence(email, &devices, true))]).await
}

pub async fn register(State(state): State<AppState>, user: User, Path(email): Path<String>, Json(body): Json<Register>) -> ApiResult<Response> {
    only_owner(&user, &email, "register devices for this account")?;
    let name = validate::device_name(&body.device.name).map_err(ApiError::Unprocessable)?;
    let contact = validate::text("the contact", &body.contact, 2048).map_err(ApiError::Unprocessable)?;
    let now = now();
    let expires = state.config.grant_expires(body.expires);
    let device = DeviceRecord { id: ids::new_id(), user_id: user.id, name, contact, registered_at: now, refreshed_at: now, expires_at: now + i64::from(expires) * 1000 };
    state.store.insert_device(&device).await?;
    announce_presence(&state, user.id, &user.email).await?;
    let body = registered(&user.email, &device, now);
    Ok(created(&body.url.clone(), body))
}

/// The hot path of every device: keep it to one indexed update.
pub async fn refresh(State(state): State<AppState>, user: User, Path((email, id)): Path<(String, String)>, Body(body): Body) -> ApiResult<axum::Json<Registered>> {
    only_owner(&user, &email, "refresh this registration")?;
    let change: Refresh = if body.iter().all(u8::is_ascii_whitespace) {
        Refresh::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::Unprocessable(format!("the JSON body does not fit: {e}")))?
    };
    let name = change.device.map(|d| validate::device_name(&d.name)).transpose().map_err(ApiError::Unprocessable)?;
    let now = now();
    let expires_at = now + i64::from(state.config.grant_expires(change.expires)) * 1000;
    let device = state.store.refresh_device(user.id, &id, expires_at, name.as_deref(), now).await?;
    let device = device.ok_or_else(|| ApiError::NotFound(format!("registration {id} does not exist or has lapsed: register again with POST /login/{email}")))?;
    if name.is_some() {
        announce_presence(&state, user.id, &user.email).await?;
    }
    Ok(axum::Json(registered(&user.email, &device, now)))
}

pub async fn unregister(State(state): State<AppState>, user: User, Path((email, id)): Path<(String, String)>) -> ApiResult<StatusCode> {
    only_owner(&user, &email, "remove this account's devices")?;
    if !state.store.delete_device(user.id, &id).await? {
        return Err(ApiError::NotFound(format!("registration {id} does not exist")));
    }
    state.hub.device_gone(user.id, &id);
    announce_presence(&state, user.id, &user.email).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(State(state): State<AppState>, user: User, Path(email): Path<String>, headers: HeaderMap) -> ApiResult<Response> {
    let email = email.to_lowercase();
    let owner = state.store.user_by_email(&email).await?.ok_or_else(|| ApiError::NotFound(format!("there is no user {email}")))?;
    let devices = state.store.live_devices(owner.id, now()).await?;
    let is_owner = owner.id == user.id;
    let presence = wire::presence(&owner.email, &devices, is_owner);
    if wants_event_stream(&headers) {
        return Ok(sse::presence_resource(state, owner.id, presence, is_owner));
    }
    Ok(axum::Json(presence).into_response())
}

pub async fn online(State(state): State<AppState>, _user: User) -> ApiResult<axum::Json<Vec<OnlineUser>>> {
    let users = state.store.online_users(now()).await?;
    Ok(axum::Json(
        users.into_iter().map(|(u, devices)| OnlineUser { url: path::user(&u.email), email: u.email, display_name: u.display_name, devices }).collect(),
    ))
}
