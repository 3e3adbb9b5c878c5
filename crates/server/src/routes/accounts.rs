//! `/user` (sign-up, profile, account changes) and `/session` (bearer tokens).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use restphone_api::Created;
use restphone_api::account::{Credentials, Profile, ProfileChange, Session, SignUp};
use restphone_api::path;

use super::{created, only_owner};
use crate::auth::{self, User};
use crate::domain::call::Actor;
use crate::domain::validate;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
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

pub async fn profile(State(state): State<AppState>, _user: User, Path(email): Path<String>) -> ApiResult<axum::Json<Profile>> {
    let record = state.store.user_by_email(&email.to_lowercase()).await?.ok_or_else(|| ApiError::NotFound(format!("there is no user {email}")))?;
    Ok(axum::Json(profile_of(&record)))
}

pub async fn change_profile(State(state): State<AppState>, user: User, Path(email): Path<String>, Json(body): Json<ProfileChange>) -> ApiResult<axum::Json<Profile>> {
    only_owner(&user, &email, "change this account")?;
    let display_name = body.display_name.as_deref().map(validate::display_name).transpose().map_err(ApiError::Unprocessable)?;
    let password_hash = match body.password {
        Some(password) => {
            validate::password(&password).map_err(ApiError::Unprocessable)?;
            Some(auth::password::hash(password).await?)
        }
        None => None,
    };
    state.store.update_user(user.id, display_name.as_deref(), password_hash.as_deref()).await?;
    state.credentials.forget_user(user.id);
    let record = state.store.user_by_email(&user.email).await?.ok_or_else(|| ApiError::not_found("this account"))?;
    Ok(axum::Json(profile_of(&record)))
}

/// Ends the user's calls, removes their devices, messages and tokens, then the account.
pub async fn delete_account(State(state): State<AppState>, user: User, Path(email): Path<String>) -> ApiResult<StatusCode> {
    only_owner(&user, &email, "delete this account")?;
    let actor = Actor { user_id: user.id, email: user.email.clone(), device: None };
    for call_id in state.store.unended_calls_of(user.id).await? {
        state.change_call(&call_id, &mut super::calls::decide(|call| call.end(&actor, now()))).await?;
    }
    let devices = state.store.live_devices(user.id, i64::MIN).await?;
    let files = state.store.delete_user(user.id).await?;
    state.credentials.forget_user(user.id);
    for device in devices {
        state.hub.device_gone(user.id, &device.id);
    }
    for file in files {
        super::messages::remove_audio(&state, &file).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn sign_in(State(state): State<AppState>, auth::ClientIp(address): auth::ClientIp, Json(body): Json<Credentials>) -> ApiResult<Response> {
    let email = body.email.trim().to_lowercase();
    let user = state.verify_password(&email, &body.password, address).await?;
    let token = crate::domain::ids::new_token();
    let token_hash = auth::digest(&[&token]);
    state.store.insert_token(&token_hash, user.id, now()).await?;
    state.credentials.remember_token(token_hash, user.clone());
    Ok((StatusCode::CREATED, axum::Json(Session { token, user: path::user(&user.email) })).into_response())
}

pub async fn sign_out(State(state): State<AppState>, _user: User, headers: HeaderMap) -> ApiResult<StatusCode> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .ok_or_else(|| ApiError::BadRequest("DELETE /session revokes the bearer token it is sent with".to_owned()))?;
    let token_hash = auth::digest(&[token.trim()]);
    state.store.delete_token(&token_hash).await?;
    state.credentials.forget_token(&token_hash);
    Ok(StatusCode::NO_CONTENT)
}
