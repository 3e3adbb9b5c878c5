//! `POST /invite/{email}` and its seed form `SEND /login/{email}`: pass a JSON
//! object on to every device of the user, with the sender added as `from`.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use restphone_api::event::{EventKind, INVITE_COMMANDS};

use super::openapi as doc;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::rate;
use crate::state::AppState;
use crate::store::NewEvent;

#[utoipa::path(
    post,
    path = "/invite/{email}",
    tag = "invites",
    operation_id = "invite",
    summary = "Pass an invitation on to every device of a user",
    description = "The body is a JSON object with `command` (`invite`, `cancel`, `reject` or `accept`) and `url` (what the invitation is about, e.g. `/call/{id}`); the rest is passed on as it is. Every device of the user gets it as an `invite` event, with the sender added as `from`.\n\n`SEND /login/{email}` with the same body does the same: a custom method, so OpenAPI cannot list it as an operation.",
    params(("email" = String, Path, description = "Whom to invite")),
    request_body(content = doc::Invitation, description = "The invitation", content_type = "application/json", example = json!({"command": "invite", "url": "/call/abc"})),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 202, description = "The invitation was passed on"),
        (status = 400, response = doc::BadRequest),
        (status = 404, description = "There is no such user", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, description = "The body is not an object, or lacks a known `command` or a string `url`", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn invite(State(state): State<AppState>, user: User, Path(email): Path<String>, Json(body): Json<serde_json::Value>) -> ApiResult<StatusCode> {
    let serde_json::Value::Object(mut body) = body else {
        return Err(ApiError::Unprocessable("the invitation must be a JSON object".to_owned()));
    };
    let command = body.get("command").and_then(|c| c.as_str()).unwrap_or_default();
    if !INVITE_COMMANDS.contains(&command) {
        return Err(ApiError::Unprocessable(format!("command must be one of {}", INVITE_COMMANDS.join(", "))));
    }
    if !body.get("url").is_some_and(|u| u.is_string()) {
        return Err(ApiError::Unprocessable("url must be a string: what the invitation is about, e.g. /call/{id}".to_owned()));
    }
    rate::take(&state.rates.invitations, user.id, "this account sent too many invitations in the last minute")?;
    let email = email.to_lowercase();
    let to = state.store.user_by_email(&email).await?.ok_or_else(|| ApiError::NotFound(format!("there is no user {email}")))?;
    body.insert("from".to_owned(), serde_json::Value::String(user.email));
    state.log(vec![NewEvent::to_user(to.id, EventKind::Invite, &body)]).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The method fallback of `/login/{email}`: `SEND` is an invitation; anything else
/// is not allowed there.
pub async fn send_to_login(State(state): State<AppState>, Path(email): Path<String>, request: Request) -> ApiResult<StatusCode> {
    if request.method() != Method::from_bytes(b"SEND").expect("SEND is a valid method") {
        return Err(ApiError::MethodNotAllowed(format!("/login/{email} accepts GET, POST and SEND")));
    }
    let (mut parts, body) = request.into_parts();
    let user = <User as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, &state).await?;
    let Json(body) = <Json<serde_json::Value> as axum::extract::FromRequest<()>>::from_request(Request::from_parts(parts, body), &()).await?;
    invite(State(state), user, Path(email), Json(body)).await
}
