//! `GET /call?history=...` and `POST /call/history/seen`: my ended calls, kept after
//! the calls themselves are forgotten, and the missed-call count every device shares.

use axum::extract::State;
use axum::http::StatusCode;
use restphone_api::history::{HistoryFilter, HistoryPage, HistorySeen, MAX_ENTRY_ID};
use serde::Deserialize;

use super::openapi as doc;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::{AppState, now};
use crate::wire;

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 100;

/// The query of `GET /call`: without `history`, the calls going on (and `before` and
/// `limit` are only checked).
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub history: Option<HistoryFilter>,
    before: Option<u64>,
    limit: Option<u32>,
}

impl ListQuery {
    /// `before` and `limit`, checked.
    pub fn paging(&self) -> ApiResult<(Option<u64>, u32)> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::BadRequest(format!("limit must be from 1 to {MAX_PAGE}")));
        }
        if self.before.is_some_and(|before| before > MAX_ENTRY_ID) {
            return Err(ApiError::BadRequest(format!("before must be a history entry id, at most {MAX_ENTRY_ID}")));
        }
        Ok((self.before, limit))
    }
}

pub async fn page(state: &AppState, user: &User, filter: HistoryFilter, before: Option<u64>, limit: u32) -> ApiResult<HistoryPage> {
    let (stored, missed_unseen) = state.store.history(user.id, filter, before, limit).await?;
    let next = match stored.last() {
        Some(oldest) if stored.len() == limit as usize => Some(format!("/call?history={}&before={}&limit={limit}", filter_name(filter), oldest.id)),
        _ => None,
    };
    Ok(HistoryPage { entries: stored.iter().map(wire::history_entry).collect(), missed_unseen, next })
}

fn filter_name(filter: HistoryFilter) -> &'static str {
    match filter {
        HistoryFilter::All => "all",
        HistoryFilter::Missed => "missed",
    }
}

#[utoipa::path(
    post,
    path = "/call/history/seen",
    tag = "calls",
    operation_id = "see_missed_calls",
    summary = "Mark my missed calls seen",
    description = "Missed calls up to `through` (all of them without it) no longer count as unseen, on every device of mine: each gets a `history` event with the new count.",
    request_body = HistorySeen,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "The missed calls are seen"),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, description = "The body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn seen(State(state): State<AppState>, user: User, Json(body): Json<HistorySeen>) -> ApiResult<StatusCode> {
    state.store.mark_missed_seen(user.id, body.through.map(|id| id.0), now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
