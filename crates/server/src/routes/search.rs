//! `GET /user?search=`: find people to call by name or email. It reveals no more than
//! the server already shows any signed-in user: who is online (`GET /login`), and
//! whether one exact email has an account and how many devices (`GET /login/{email}`).

use axum::extract::State;
use restphone_api::login::OnlineUser;
use restphone_api::{path, rules};
use serde::Deserialize;

use super::openapi as doc;
use crate::auth::User;
use crate::domain::validate;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::state::{AppState, now};

/// At most this many people in one answer.
pub const MAX_RESULTS: usize = 20;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    search: String,
}

/// Written out because utoipa's derive drops `required` from a parameter whose schema
/// comes from `schema_with` (the rule in `restphone_api::rules`).
impl utoipa::IntoParams for SearchQuery {
    fn into_params(_: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        vec![
            ParameterBuilder::new()
                .name("search")
                .parameter_in(ParameterIn::Query)
                .required(utoipa::openapi::Required::True)
                .description(Some("Part of a name or email"))
                .schema(Some(rules::search()))
                .build(),
        ]
    }
}

#[utoipa::path(
    get,
    path = "/user",
    tag = "accounts",
    operation_id = "search_users",
    summary = "Find people by name or email",
    description = "Online users whose name or email contains the text (ignoring case), and the user whose email it is exactly, online or not; never myself. At most 20, online first.",
    params(SearchQuery),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The people found", body = Vec<OnlineUser>),
        (status = 400, response = doc::BadRequest),
    ),
)]
pub async fn users(State(state): State<AppState>, user: User, Query(query): Query<SearchQuery>) -> ApiResult<axum::Json<Vec<OnlineUser>>> {
    let text = validate::text(&rules::SEARCH, &query.search).map_err(ApiError::BadRequest)?.to_lowercase();
    let now = now();
    let mut found: Vec<OnlineUser> = state
        .store
        .online_users(now)
        .await?
        .into_iter()
        .filter(|(u, _)| u.id != user.id && (u.email.contains(&text) || u.display_name.to_lowercase().contains(&text)))
        .map(|(u, devices)| OnlineUser { url: path::user(&u.email), email: u.email, display_name: u.display_name, devices })
        .collect();
    found.sort_by(|a, b| a.display_name.to_lowercase().cmp(&b.display_name.to_lowercase()).then_with(|| a.email.cmp(&b.email)));
    found.truncate(MAX_RESULTS);
    if let Ok(email) = validate::email(&text)
        && email != user.email
        && !found.iter().any(|u| u.email == email)
        && let Some(exact) = state.store.user_by_email(&email).await?
    {
        let devices = state.store.live_devices(exact.id, now).await?.len() as u32;
        found.truncate(MAX_RESULTS - 1);
        found.push(OnlineUser { url: path::user(&exact.email), email: exact.email, display_name: exact.display_name, devices });
    }
    Ok(axum::Json(found))
}
