//! `/user/{email}/greeting`: what callers hear before they leave a message. Anyone signed
//! in may fetch it; only the owner sets or clears it. It is one Ogg Opus file per user,
//! checked like a voice message and written the same crash-safe way.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::messages::{inspect_ogg_opus, media_type, recipient};
use super::{only_owner, openapi as doc};
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Path};
use crate::state::AppState;
use crate::storage;

fn file_id(user_id: i64) -> String {
    format!("greeting-{user_id}")
}

fn file_path(state: &AppState, user_id: i64) -> std::path::PathBuf {
    state.config.greetings_dir().join(format!("{}.opus", file_id(user_id)))
}

#[utoipa::path(
    get,
    path = "/user/{email}/greeting",
    tag = "messages",
    operation_id = "get_greeting",
    summary = "A user's voicemail greeting",
    description = "The Ogg Opus file callers hear before the beep. Anyone signed in may fetch it.",
    params(("email" = String, Path, description = "The user's email")),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The greeting", content(("audio/ogg"))),
        (status = 404, description = "There is no such user, or they have no greeting", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn get(State(state): State<AppState>, _user: User, Path(email): Path<String>) -> ApiResult<Response> {
    let owner = recipient(&state, &email).await?;
    let path = file_path(&state, owner.id);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok(([(header::CONTENT_TYPE, "audio/ogg")], bytes).into_response()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(ApiError::NotFound(format!("{email} has no greeting"))),
        Err(error) => Err(ApiError::internal(error)),
    }
}

#[utoipa::path(
    put,
    path = "/user/{email}/greeting",
    tag = "messages",
    operation_id = "set_greeting",
    summary = "Set my voicemail greeting",
    description = "The Ogg Opus file itself (`audio/ogg`, also accepted as `audio/opus`); it replaces the greeting I had.",
    params(("email" = String, Path, description = "My email")),
    request_body(description = "The Ogg Opus file", content(("audio/ogg"), ("audio/opus"))),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "The greeting is set"),
        (status = 400, response = doc::BadRequest),
        (status = 403, description = "This is not my greeting", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The greeting is larger than this server accepts", body = doc::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `audio/ogg`", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a usable Ogg Opus file", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn set(State(state): State<AppState>, user: User, Path(email): Path<String>, headers: HeaderMap, Body(body): Body) -> ApiResult<StatusCode> {
    only_owner(&user, &email, "set this greeting")?;
    if !matches!(media_type(&headers).as_str(), "audio/ogg" | "audio/opus") {
        return Err(ApiError::UnsupportedMediaType("send a greeting as audio/ogg (Ogg Opus)".to_owned()));
    }
    inspect_ogg_opus(&body).await?;
    storage::write_audio(&state.config.greetings_dir(), &file_id(user.id), &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    delete,
    path = "/user/{email}/greeting",
    tag = "messages",
    operation_id = "delete_greeting",
    summary = "Clear my voicemail greeting",
    description = "Callers hear the default prompt again. Clearing a greeting I do not have is no error.",
    params(("email" = String, Path, description = "My email")),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "There is no greeting now"),
        (status = 403, description = "This is not my greeting", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn delete(State(state): State<AppState>, user: User, Path(email): Path<String>) -> ApiResult<StatusCode> {
    only_owner(&user, &email, "clear this greeting")?;
    let path = file_path(&state, user.id);
    match tokio::fs::remove_file(&path).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(StatusCode::NO_CONTENT),
        Err(error) => Err(ApiError::internal(error)),
    }
}
