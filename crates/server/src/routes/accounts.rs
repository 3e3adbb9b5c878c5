//! `/user` (sign-up, profile, account changes) and `/session` (bearer tokens).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use restphone_api::Created;
use restphone_api::account::{AccountDeletion, Credentials, Profile, ProfileChange, Session, SignUp};
use restphone_api::path;

use super::{created, only_owner, openapi as doc};
use crate::auth::{self, User};
use crate::domain::call::Actor;
use crate::domain::validate;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::{AppState, now};
use crate::store::UserRecord;
use crate::wire;

fn profile_of(record: &UserRecord) -> Profile {
    Profile {
        email: record.email.clone(),
        display_name: record.display_name.clone(),
        url: path::user(&record.email),
        login_url: path::logins(&record.email),
        message_url: path::messages(&record.email),
        created_at: wire::time(record.created_at),
    }
}

#[utoipa::path(
    post,
    path = "/user",
    tag = "accounts",
    operation_id = "sign_up",
    summary = "Create an account",
    request_body = SignUp,
    responses(
        (status = 201, description = "The account was created", body = Created, headers(("Location" = String, description = "The new user: `/user/{email}`"))),
        (status = 400, response = doc::BadRequest),
        (status = 409, description = "The email already has an account: sign in instead", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, description = "The email, display name or password is not acceptable, or the body does not fit", body = doc::Problem, content_type = "application/problem+json"),
        (status = 429, response = doc::TooManyRequests),
    ),
)]
pub async fn sign_up(State(state): State<AppState>, Json(body): Json<SignUp>) -> ApiResult<Response> {
    let email = validate::email(&body.email).map_err(ApiError::Unprocessable)?;
    let display_name = validate::display_name(&body.display_name).map_err(ApiError::Unprocessable)?;
    validate::password(&body.password).map_err(ApiError::Unprocessable)?;
    let hash = auth::password::hash(body.password).await?;
    let record = state.store.create_user(&email, &display_name, &hash, now()).await?;
    let record = record.ok_or_else(|| ApiError::Conflict(format!("{email} already has an account: sign in instead")))?;
    let url = path::user(&record.email);
    Ok(created(&url.clone(), Created { id: record.id.to_string(), url }))
}

#[utoipa::path(
    get,
    path = "/user/{email}",
    tag = "accounts",
    operation_id = "get_profile",
    summary = "A user's profile",
    description = "Any signed-in user may read it, so phones can show callers by name.",
    params(("email" = String, Path, description = "The user's email")),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = Profile),
        (status = 404, description = "There is no such user", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn profile(State(state): State<AppState>, _user: User, Path(email): Path<String>) -> ApiResult<axum::Json<Profile>> {
    let record = state.store.user_by_email(&email.to_lowercase()).await?.ok_or_else(|| ApiError::NotFound(format!("there is no user {email}")))?;
    Ok(axum::Json(profile_of(&record)))
}

#[utoipa::path(
    patch,
    path = "/user/{email}",
    tag = "accounts",
    operation_id = "change_profile",
    summary = "Change my display name or password",
    description = "Changes what is given and keeps the rest. A new password needs `current_password`, and revokes every bearer token of the account (their streams close).",
    params(("email" = String, Path, description = "My email")),
    request_body = ProfileChange,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The changed profile", body = Profile),
        (status = 400, response = doc::BadRequest),
        (status = 403, description = "This is not my account, or `current_password` is missing or wrong", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The account was deleted meanwhile", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, description = "The display name or password is not acceptable, or the body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn change_profile(
    State(state): State<AppState>,
    user: User,
    auth::ClientIp(address): auth::ClientIp,
    Path(email): Path<String>,
    Json(body): Json<ProfileChange>,
) -> ApiResult<axum::Json<Profile>> {
    only_owner(&user, &email, "change this account")?;
    let display_name = body.display_name.as_deref().map(validate::display_name).transpose().map_err(ApiError::Unprocessable)?;
    let password_hash = match body.password {
        Some(password) => {
            validate::password(&password).map_err(ApiError::Unprocessable)?;
            let current = body.current_password.ok_or_else(|| ApiError::Forbidden("a new password needs current_password".to_owned()))?;
            confirm_password(&state, &user, &current, address).await?;
            Some(auth::password::hash(password).await?)
        }
        None => None,
    };
    state.store.update_user(user.id, display_name.as_deref(), password_hash.as_deref()).await?;
    state.credentials.forget_user(user.id);
    if password_hash.is_some() {
        // Every token was revoked: what they opened closes, and so does what the old
        // password opened.
        state.streams.close_where(user.id, |_| true);
    }
    let record = state.store.user_by_email(&user.email).await?.ok_or_else(|| ApiError::not_found("this account"))?;
    Ok(axum::Json(profile_of(&record)))
}

/// Asks for the current password before what a stolen token must not do. A wrong one
/// counts as a failed sign-in.
async fn confirm_password(state: &AppState, user: &User, password: &str, address: Option<std::net::IpAddr>) -> ApiResult<()> {
    match state.verify_password(&user.email, password, address).await {
        Ok(_) => Ok(()),
        Err(ApiError::Unauthorized(_)) => Err(ApiError::Forbidden("current_password is not this account's password".to_owned())),
        Err(other) => Err(other),
    }
}

/// Ends the user's calls, removes their devices, messages and tokens, then the account.
#[utoipa::path(
    delete,
    path = "/user/{email}",
    tag = "accounts",
    operation_id = "delete_account",
    summary = "Delete my account",
    description = "Needs the current password. Ends my calls, removes my devices, messages and tokens, then the account.",
    params(("email" = String, Path, description = "My email")),
    request_body = AccountDeletion,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "The account is gone"),
        (status = 400, response = doc::BadRequest),
        (status = 403, description = "This is not my account, or `current_password` is wrong", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "One of my calls ended at the same moment: try again", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, description = "The body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn delete_account(
    State(state): State<AppState>,
    user: User,
    auth::ClientIp(address): auth::ClientIp,
    Path(email): Path<String>,
    Json(body): Json<AccountDeletion>,
) -> ApiResult<StatusCode> {
    only_owner(&user, &email, "delete this account")?;
    confirm_password(&state, &user, &body.current_password, address).await?;
    let actor = Actor { user_id: user.id, email: user.email.clone(), device: None };
    for call_id in state.store.unended_calls_of(user.id).await? {
        // A call may end on its own meanwhile; that is as good.
        state.change_call(&call_id, &mut super::calls::decide(|call| if call.ended.is_some() { Ok(false) } else { call.end(&actor, now()) })).await?;
    }
    let files = state.store.delete_user(user.id).await?;
    state.credentials.forget_user(user.id);
    state.streams.close_where(user.id, |_| true);
    for file in files {
        super::messages::remove_audio(&state, &file).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/session",
    tag = "accounts",
    operation_id = "sign_in",
    summary = "Sign in for a bearer token",
    description = "Send `Authorization: Bearer {token}` from then on, instead of the password. A token unused for 30 days (the server's `--token-expiry-days`) stops working; an account keeps its 20 most recently used tokens (`--max-tokens-per-account`), signing in again revokes the oldest.",
    request_body = Credentials,
    responses(
        (status = 201, description = "A new bearer token", body = Session),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 401, response = doc::Unauthorized),
        (status = 422, description = "The body does not fit", body = doc::Problem, content_type = "application/problem+json"),
        (status = 429, response = doc::TooManyRequests),
    ),
)]
pub async fn sign_in(State(state): State<AppState>, auth::ClientIp(address): auth::ClientIp, Json(body): Json<Credentials>) -> ApiResult<Response> {
    let email = body.email.trim().to_lowercase();
    let user = state.verify_password(&email, &body.password, address).await?;
    let token = state.issue_token(&user).await?;
    Ok((StatusCode::CREATED, axum::Json(Session { token, user: path::user(&user.email) })).into_response())
}

#[utoipa::path(
    delete,
    path = "/session",
    tag = "accounts",
    operation_id = "sign_out",
    summary = "Revoke the bearer token this request is sent with",
    description = "The streams opened with the token close.",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The token is revoked"),
    ),
)]
pub async fn sign_out(State(state): State<AppState>, user: User) -> ApiResult<StatusCode> {
    let token_hash = user.token_hash.ok_or(ApiError::Unauthorized("DELETE /session revokes the bearer token it is sent with: send one"))?;
    state.store.delete_token(&token_hash).await?;
    state.forget_tokens(&[token_hash]);
    Ok(StatusCode::NO_CONTENT)
}
