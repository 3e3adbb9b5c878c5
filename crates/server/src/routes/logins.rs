//! `/login`: registering, refreshing and removing devices, and who is online.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use restphone_api::event::EventKind;
use restphone_api::login::{OnlineUser, Refresh, Register, Registered};
use restphone_api::{path, rules};

use super::{created, only_owner, openapi as doc, sse, wants_event_stream};
use crate::auth::User;
use crate::domain::{ids, validate};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Json, Path};
use crate::state::{AppState, Shared, now};
use crate::store::{DeviceRecord, NewEvent};
use crate::wire;

fn registered(email: &str, device: &DeviceRecord, now: i64) -> Registered {
    let expires = ((device.expires_at - now).max(0) / 1000) as u32;
    Registered { id: device.id.clone(), url: path::login(email, &device.id), expires }
}

/// Tells the user's devices, and anyone watching, that the device list changed. The
/// event leaves out the contacts (`GET /login/{email}` has them), so it stays small
/// however long they are.
pub async fn announce_presence(state: &Shared, user_id: i64, email: &str) -> ApiResult<()> {
    let devices = state.store.live_devices(user_id, now()).await?;
    state.log(vec![NewEvent::to_user(user_id, EventKind::Presence, &wire::presence(email, &devices, false))]).await
}

#[utoipa::path(
    post,
    path = "/login/{email}",
    tag = "logins",
    operation_id = "register_device",
    summary = "Register one of my devices",
    description = "The registration lapses after `expires` seconds unless refreshed with `PUT /login/{email}/{id}`.",
    params(("email" = String, Path, description = "My email")),
    request_body = Register,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 201, description = "The device is registered", body = Registered, headers(("Location" = String, description = "The registration: `/login/{email}/{id}`"))),
        (status = 400, response = doc::BadRequest),
        (status = 403, description = "This is not my account", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account has as many devices as the server allows (`--max-devices-per-account`): remove one first", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, description = "The device name or contact is not acceptable, or the body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn register(State(state): State<AppState>, user: User, Path(email): Path<String>, Json(body): Json<Register>) -> ApiResult<Response> {
    only_owner(&user, &email, "register devices for this account")?;
    let name = validate::device_name(&body.device.name).map_err(ApiError::Unprocessable)?;
    let contact = validate::text(&rules::CONTACT, &body.contact).map_err(ApiError::Unprocessable)?;
    let now = now();
    let expires = state.config.grant_expires(body.expires);
    let device = DeviceRecord {
        id: ids::new_id(),
        user_id: user.id,
        name,
        contact,
        registered_at: now,
        refreshed_at: now,
        expires_at: now + i64::from(expires) * 1000,
        token_hash: user.token_hash.clone(),
    };
    let max = state.config.limits.devices_per_account;
    if !state.store.insert_device(&device, max).await? {
        return Err(ApiError::Conflict(format!("this account has {max} registered devices, the most this server allows: remove one first")));
    }
    state.registrations.remember(&device);
    announce_presence(&state, user.id, &user.email).await?;
    let body = registered(&user.email, &device, now);
    Ok(created(&body.url.clone(), body))
}

/// The hot path of every device: a refresh that only extends a registration this
/// instance knows is answered from memory and written behind (`registrations`).
#[utoipa::path(
    put,
    path = "/login/{email}/{id}",
    tag = "logins",
    operation_id = "refresh_device",
    summary = "Refresh a registration",
    description = "Keeps the registration alive, optionally with a new lifetime or device name. The body may be empty.",
    params(("email" = String, Path, description = "My email"), ("id" = String, Path, description = "The registration's id")),
    request_body(content = Option<Refresh>, description = "What to change; empty to only refresh", content_type = "application/json"),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The refreshed registration", body = Registered),
        (status = 400, response = doc::BadRequest),
        (status = 403, description = "This is not my account", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The registration does not exist or has lapsed: register again", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 422, description = "The device name is not acceptable, or the body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn refresh(
    State(state): State<AppState>,
    user: User,
    Path((email, id)): Path<(String, String)>,
    Body(body): Body,
) -> ApiResult<axum::Json<Registered>> {
    only_owner(&user, &email, "refresh this registration")?;
    let change: Refresh = if body.iter().all(u8::is_ascii_whitespace) {
        Refresh::default()
    } else {
        let change: Option<Refresh> = serde_json::from_slice(&body).map_err(|e| ApiError::Unprocessable(format!("the JSON body does not fit: {e}")))?;
        change.unwrap_or_default()
    };
    let name = change.device.map(|d| validate::device_name(&d.name)).transpose().map_err(ApiError::Unprocessable)?;
    let now = now();
    let expires_at = now + i64::from(state.config.grant_expires(change.expires)) * 1000;
    let token_hash = user.token_hash.as_deref();
    if name.is_none()
        && let Some(device) = state.registrations.extend(user.id, &id, expires_at, token_hash, now)
    {
        return Ok(axum::Json(registered(&user.email, &device, now)));
    }
    let device = state.store.refresh_device(user.id, &id, expires_at, name.as_deref(), token_hash, now).await?;
    let device =
        device.ok_or_else(|| ApiError::NotFound(format!("registration {id} does not exist or has lapsed: register again with POST /login/{email}")))?;
    state.registrations.remember(&device);
    if name.is_some() {
        announce_presence(&state, user.id, &user.email).await?;
    }
    Ok(axum::Json(registered(&user.email, &device, now)))
}

#[utoipa::path(
    delete,
    path = "/login/{email}/{id}",
    tag = "logins",
    operation_id = "unregister_device",
    summary = "Remove a registration",
    description = "The device's push channel closes. Removed with another bearer token than the one it registered with (from another device), the device is signed out: that token is revoked too.",
    params(("email" = String, Path, description = "My email"), ("id" = String, Path, description = "The registration's id")),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "The registration is gone"),
        (status = 403, description = "This is not my account", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The registration does not exist", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn unregister(State(state): State<AppState>, user: User, Path((email, id)): Path<(String, String)>) -> ApiResult<StatusCode> {
    only_owner(&user, &email, "remove this account's devices")?;
    state.registrations.forget(&id);
    let device = state.store.delete_device(user.id, &id).await?.ok_or_else(|| ApiError::NotFound(format!("registration {id} does not exist")))?;
    state.streams.close_device(user.id, &id);
    // Removed by another signed-in device, the device is signed out: its token goes
    // too, so it cannot quietly register again. (With the password, this is a plain
    // unregister, as for a registration the server forgot: the device registers again.)
    if let Some(token_hash) = device.token_hash.filter(|hash| user.token_hash.as_ref().is_some_and(|mine| mine != hash)) {
        state.store.delete_token(&token_hash).await?;
        state.forget_tokens(&[token_hash]);
    }
    announce_presence(&state, user.id, &user.email).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/login/{email}",
    tag = "logins",
    operation_id = "get_presence",
    summary = "A user's registered devices (presence)",
    description = "Any signed-in user may look; only the owner sees the devices' `contact`. With `Accept: text/event-stream` this is an active resource: a `presence` event now, then one after every change.",
    params(("email" = String, Path, description = "The user's email")),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The user's live registrations, or a stream of `presence` events", content(
            (restphone_api::login::Presence = "application/json"),
            (String = "text/event-stream"),
        )),
        (status = 404, description = "There is no such user", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(State(state): State<AppState>, user: User, Path(email): Path<String>, headers: HeaderMap) -> ApiResult<Response> {
    let email = email.to_lowercase();
    let owner = state.store.user_by_email(&email).await?.ok_or_else(|| ApiError::NotFound(format!("there is no user {email}")))?;
    if wants_event_stream(&headers) {
        return sse::presence_resource(state, user.opener(None), owner.id, &owner.email).await;
    }
    let devices = state.store.live_devices(owner.id, now()).await?;
    Ok(axum::Json(wire::presence(&owner.email, &devices, owner.id == user.id)).into_response())
}

#[utoipa::path(
    get,
    path = "/login",
    tag = "logins",
    operation_id = "list_online",
    summary = "Who is online",
    description = "Every user with at least one live registration.",
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The users online", body = Vec<OnlineUser>),
    ),
)]
pub async fn online(State(state): State<AppState>, _user: User) -> ApiResult<axum::Json<Vec<OnlineUser>>> {
    let users = state.store.online_users(now()).await?;
    Ok(axum::Json(
        users.into_iter().map(|(u, devices)| OnlineUser { url: path::user(&u.email), email: u.email, display_name: u.display_name, devices }).collect(),
    ))
}
