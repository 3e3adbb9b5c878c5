//! The HTTP surface: one module per resource, assembled into one router.

mod accounts;
mod calls;
mod events;
mod greetings;
mod history;
mod invites;
mod logins;
mod messages;
mod openapi;
mod search;
mod sse;

pub use calls::decide;
pub use logins::announce_presence;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};

use crate::error::ApiError;
use crate::state::AppState;

/// JSON bodies are small; voice messages get the configured limit instead.
const JSON_BODY_LIMIT: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    let message_limit = DefaultBodyLimit::max(state.config.max_message_bytes);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi::document))
        .route("/user", get(search::users).post(accounts::sign_up))
        .route("/user/{email}", get(accounts::profile).patch(accounts::change_profile).delete(accounts::delete_account))
        .route("/session", post(accounts::sign_in).delete(accounts::sign_out))
        .route("/login", get(logins::online))
        .route("/login/{email}", get(logins::list).post(logins::register).fallback(invites::send_to_login))
        .route("/login/{email}/{id}", put(logins::refresh).delete(logins::unregister))
        .route("/events", get(events::push_channel))
        .route("/call", get(calls::list).post(calls::create))
        .route("/call/history/seen", post(history::seen))
        .route("/call/{id}", get(calls::get).post(calls::take).delete(calls::end))
        .route("/call/{id}/events", post(calls::report))
        .route("/call/{id}/push", post(calls::push))
        .route("/call/{id}/answer", post(calls::answer_on))
        .route("/call/{id}/{pid}", axum::routing::delete(calls::leave))
        .route("/invite/{email}", post(invites::invite))
        .route("/user/{email}/message", get(messages::list).post(messages::leave).layer(message_limit))
        .route("/user/{email}/message/{id}", get(messages::get).patch(messages::change).delete(messages::delete))
        .route("/user/{email}/message/{id}/audio", get(messages::audio))
        .route("/user/{email}/greeting", get(greetings::get).put(greetings::set).delete(greetings::delete).layer(message_limit))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(crate::guard::KnownHosts::of(&state.config), crate::guard::only_known_hosts))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "server",
    operation_id = "healthz",
    summary = "Whether the server and its database answer",
    responses(
        (status = 200, description = "The server is up", body = serde_json::Value, example = json!({"status": "ok"})),
        (status = 500, response = openapi::Internal),
    ),
)]
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Result<impl IntoResponse, ApiError> {
    state.store.last_event_id().await?;
    Ok((StatusCode::OK, axum::Json(serde_json::json!({ "status": "ok" }))))
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("there is no resource at {}", uri.path()))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not accept {method}", uri.path()))
}

/// 201 Created with a `Location` header.
fn created<T: serde::Serialize>(url: &str, body: T) -> axum::response::Response {
    (StatusCode::CREATED, [(axum::http::header::LOCATION, url.to_owned())], axum::Json(body)).into_response()
}

/// Only the owner of `email` may do this.
fn only_owner(user: &crate::auth::User, email: &str, what: &str) -> Result<(), ApiError> {
    if user.email == email.to_lowercase() { Ok(()) } else { Err(ApiError::Forbidden(format!("only {email} can {what}"))) }
}

fn wants_event_stream(headers: &axum::http::HeaderMap) -> bool {
    headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/event-stream"))
}
