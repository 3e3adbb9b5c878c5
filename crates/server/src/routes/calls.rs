//! `/call`: create, list, read (also as an active resource), take, report, push,
//! remote answer, leave and end.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use restphone_api::Created;
use restphone_api::call::{CallEvent, NewCall, Report, Take, Target};
use restphone_api::event::{CommandKind, EventKind};
use restphone_api::history::{CallList, HistoryFilter};
use restphone_api::{path, rules};
use serde::Deserialize;

use super::history::ListQuery;
use super::{created, openapi as doc, sse, wants_event_stream};
use crate::auth::User;
use crate::domain::call::{Actor, CallError, CallRecord, DeviceRef, Party};
use crate::domain::{ids, validate};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::rate;
use crate::state::{AppState, now};
use crate::store::{DeviceRecord, NewEvent};
use crate::wire;

/// Wraps a decision on a call so that a change raises the call's revision and is
/// logged as a `call` event for everyone in it, and no change logs nothing.
pub fn decide(mut decision: impl FnMut(&mut CallRecord) -> Result<bool, CallError> + Send) -> impl FnMut(&mut CallRecord) -> ApiResult<Vec<NewEvent>> + Send {
    move |call| {
        if !decision(call)? {
            return Ok(Vec::new());
        }
        call.revision += 1;
        Ok(call_events(call))
    }
}

fn call_events(call: &CallRecord) -> Vec<NewEvent> {
    let wire = wire::call(call);
    call.audience().into_iter().map(|user_id| NewEvent::to_user(user_id, EventKind::Call, &wire)).collect()
}

fn device_ref(device: &DeviceRecord) -> DeviceRef {
    DeviceRef { id: device.id.clone(), name: device.name.clone() }
}

async fn actor(state: &AppState, user: &User, device: Option<&str>) -> ApiResult<Actor> {
    let device = match device {
        Some(named) => Some(device_ref(&state.my_device(user, named).await?)),
        None => None,
    };
    Ok(Actor { user_id: user.id, email: user.email.clone(), device })
}

/// A call the user takes part in and may still see: ended calls vanish after the grace.
async fn visible_call(state: &AppState, user: &User, call_id: &str) -> ApiResult<CallRecord> {
    let call = state.store.call(call_id).await?.filter(|call| still_visible(state, call)).ok_or_else(|| ApiError::not_found("that call"))?;
    if call.participant_of(user.id).is_none() {
        return Err(CallError::NotParticipant.into());
    }
    Ok(call)
}

fn still_visible(state: &AppState, call: &CallRecord) -> bool {
    call.ended.as_ref().is_none_or(|ended| ended.at + state.config.ended_grace.as_millis() as i64 > now())
}

#[utoipa::path(
    post,
    path = "/call",
    tag = "calls",
    operation_id = "create_call",
    summary = "Call a user",
    description = "Every registered device of the callee rings. With `device`, that device of mine is told to dial (third-party dial).",
    request_body = NewCall,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 201, description = "The call was created", body = Created, headers(("Location" = String, description = "The call: `/call/{id}`"))),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 403, description = "The device is not mine", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "There is no such user, or the device is not registered", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The callee is myself: move a call between my devices with a pull or push instead", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No callee, an unacceptable subject or device, or the body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn create(State(state): State<AppState>, user: User, Json(body): Json<NewCall>) -> ApiResult<Response> {
    let subject = body.subject.as_deref().map(|s| validate::text(&rules::SUBJECT, s)).transpose().map_err(ApiError::Unprocessable)?;
    let to = body.to.ok_or_else(|| ApiError::Unprocessable("say whom to call: {\"to\": \"email\"}".to_owned()))?;
    let to = validate::email(&to).map_err(ApiError::Unprocessable)?;
    if to == user.email {
        return Err(ApiError::Conflict("you cannot call yourself; to move a call between your devices, pull or push it".to_owned()));
    }
    rate::take(&state.rates.calls, user.id, "this account started too many calls in the last minute")?;
    let dialer = match body.device.as_deref() {
        Some(named) => Some(state.my_device(&user, named).await?),
        None => None,
    };
    let callee = state.store.user_by_email(&to).await?.ok_or_else(|| ApiError::NotFound(format!("there is no user {to}")))?;
    let now = now();
    let reachable = !state.store.live_devices(callee.id, now).await?.is_empty();
    let caller = Party { user_id: user.id, email: user.email.clone(), display_name: user.display_name.clone() };
    let callee = Party { user_id: callee.id, email: callee.email, display_name: callee.display_name };
    let deadline = now + state.config.ring_timeout.as_millis() as i64;
    let call = CallRecord::new(ids::new_id(), subject, caller, Some((callee, reachable)), now, deadline);
    let mut events = call_events(&call);
    if let Some(device) = &dialer {
        let actor = Actor { user_id: user.id, email: user.email.clone(), device: None };
        events.push(NewEvent::to_device(user.id, &device.id, EventKind::Command, &call.command(CommandKind::Dial, &actor)));
    }
    state.store.create_call(&call, events, now).await?;
    let url = path::call(&call.id);
    Ok(created(&url.clone(), Created { id: call.id, url }))
}

#[utoipa::path(
    get,
    path = "/call",
    tag = "calls",
    operation_id = "list_calls",
    summary = "My calls, or my call history",
    description = "Without `history`: the calls I take part in, ended ones for a short grace period. With `history`: a page of my ended calls, newest first, kept for every participant (`before` and `limit` page it; `next` is the older page).",
    params(
        ("history" = Option<HistoryFilter>, Query, description = "`all` or `missed`: list my call history instead"),
        ("before" = Option<u64>, Query, maximum = 9007199254740991.0, description = "History entries older than this id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "How many history entries at most (50 unless given)"),
    ),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "My calls, or a page of my history", body = CallList),
        (status = 400, response = doc::BadRequest),
    ),
)]
pub async fn list(State(state): State<AppState>, user: User, Query(query): Query<ListQuery>) -> ApiResult<axum::Json<CallList>> {
    let (before, limit) = query.paging()?;
    if let Some(filter) = query.history {
        return Ok(axum::Json(CallList::History(super::history::page(&state, &user, filter, before, limit).await?)));
    }
    let calls = state.store.calls_of(user.id).await?;
    Ok(axum::Json(CallList::Calls(calls.iter().filter(|call| still_visible(&state, call)).map(wire::call).collect())))
}

#[utoipa::path(
    get,
    path = "/call/{id}",
    tag = "calls",
    operation_id = "get_call",
    summary = "A call",
    description = "With `Accept: text/event-stream` this is an active resource: a `call` event now, then one after every change, until the call ends.",
    params(("id" = String, Path, description = "The call's id")),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The call, or a stream of `call` events", content(
            (restphone_api::call::Call = "application/json"),
            (String = "text/event-stream"),
        )),
        (status = 403, description = "I am not a participant of this call", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The call does not exist, or ended too long ago", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn get(State(state): State<AppState>, user: User, Path(call_id): Path<String>, headers: HeaderMap) -> ApiResult<Response> {
    let call = visible_call(&state, &user, &call_id).await?;
    if wants_event_stream(&headers) {
        return sse::call_resource(state, user.opener(None), wire::call(&call));
    }
    Ok(axum::Json(wire::call(&call)).into_response())
}

#[utoipa::path(
    post,
    path = "/call/{id}",
    tag = "calls",
    operation_id = "take_call",
    summary = "Take my side of the call on a device",
    description = "Joins, pulls the call from another of my devices, or updates the session description of the device that has it.",
    params(("id" = String, Path, description = "The call's id")),
    request_body = Take,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "My participant in the call", body = Created),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 403, description = "I am not a participant of this call, or the device is not mine", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The call does not exist, or the device is not registered", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call does not allow this now (ended, left, or still ringing for the callee)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unacceptable device or session, or the body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn take(State(state): State<AppState>, user: User, Path(call_id): Path<String>, Json(body): Json<Take>) -> ApiResult<axum::Json<Created>> {
    let session = body.session.as_deref().map(|s| validate::text(&rules::SESSION, s)).transpose().map_err(ApiError::Unprocessable)?;
    let device = device_ref(&state.my_device(&user, &body.url).await?);
    let actor = Actor { user_id: user.id, email: user.email.clone(), device: Some(device.clone()) };
    let call = state.change_call(&call_id, &mut decide(|call| call.take(&actor, device.clone(), session.clone()))).await?;
    let participant = call.participant_of(user.id).ok_or(CallError::NotParticipant)?;
    Ok(axum::Json(Created { id: participant.id.clone(), url: path::participant(&call.id, &participant.id) }))
}

#[utoipa::path(
    post,
    path = "/call/{id}/events",
    tag = "calls",
    operation_id = "report_call_event",
    summary = "Report what happened on a device",
    description = "Alerting, answered, declined, hold, resume, end and the like, as seen by the reporting device.",
    params(("id" = String, Path, description = "The call's id")),
    request_body = Report,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The call after the report", body = restphone_api::call::Call),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 403, description = "I am not a participant of this call, or the device is not mine", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The call does not exist, or the device is not registered", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call does not allow this event now", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unacceptable device, or the body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn report(
    State(state): State<AppState>,
    user: User,
    Path(call_id): Path<String>,
    Json(body): Json<Report>,
) -> ApiResult<axum::Json<restphone_api::call::Call>> {
    let actor = actor(&state, &user, Some(&body.device)).await?;
    let now = now();
    let call = state.change_call(&call_id, &mut decide(|call| call.report(&actor, body.event, now))).await?;
    Ok(axum::Json(wire::call(&call)))
}

/// Taps another of my devices with a command about this call.
async fn tap(state: &AppState, user: &User, call_id: &str, target: &str, kind: CommandKind) -> ApiResult<StatusCode> {
    let target = state.my_device(user, target).await?;
    let call = visible_call(state, user, call_id).await?;
    let actor = Actor { user_id: user.id, email: user.email.clone(), device: None };
    let command = match kind {
        CommandKind::Take => call.push(&actor, &device_ref(&target))?,
        _ => call.answer_on(&actor)?,
    };
    state.log(vec![NewEvent::to_device(user.id, &target.id, EventKind::Command, &command)]).await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(
    post,
    path = "/call/{id}/push",
    tag = "calls",
    operation_id = "push_call",
    summary = "Push the call to another of my devices",
    description = "Sends that device a `take` command on its push channel.",
    params(("id" = String, Path, description = "The call's id")),
    request_body = Target,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 202, description = "The device was told"),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 403, description = "I am not a participant of this call, or the device is not mine", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The call does not exist, or the device is not registered", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is not live, or is already on that device", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unacceptable device, or the body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn push(State(state): State<AppState>, user: User, Path(call_id): Path<String>, Json(body): Json<Target>) -> ApiResult<StatusCode> {
    tap(&state, &user, &call_id, &body.device, CommandKind::Take).await
}

#[utoipa::path(
    post,
    path = "/call/{id}/answer",
    tag = "calls",
    operation_id = "answer_call_on",
    summary = "Answer the ringing call on another of my devices",
    description = "Sends that device an `answer` command on its push channel (third-party answer).",
    params(("id" = String, Path, description = "The call's id")),
    request_body = Target,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 202, description = "The device was told"),
        (status = 400, response = doc::BadRequest),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 403, description = "I am not a participant of this call, or the device is not mine", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The call does not exist, or the device is not registered", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "I am not the callee, or the call no longer rings", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unacceptable device, or the body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn answer_on(State(state): State<AppState>, user: User, Path(call_id): Path<String>, Json(body): Json<Target>) -> ApiResult<StatusCode> {
    tap(&state, &user, &call_id, &body.device, CommandKind::Answer).await
}

/// `?device=` names the device that hangs up, so others can show where it happened.
#[derive(Deserialize)]
pub struct FromDevice {
    device: Option<String>,
}

#[utoipa::path(
    delete,
    path = "/call/{id}/{pid}",
    tag = "calls",
    operation_id = "leave_call",
    summary = "Take myself out of a call",
    description = "Leaving a ringing call cancels or declines it; a live call ends when fewer than two participants remain.",
    params(
        ("id" = String, Path, description = "The call's id"),
        ("pid" = String, Path, description = "My participant's id"),
        ("device" = Option<String>, Query, description = "The device that hangs up (id or `/login/...` URL)"),
    ),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "I left the call"),
        (status = 400, response = doc::BadRequest),
        (status = 403, description = "I am not a participant, the participant is not me, or the device is not mine", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The call or participant does not exist, or the device is not registered", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call has ended, or I already left", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The device is named by something that is neither an id nor a `/login/...` URL", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn leave(
    State(state): State<AppState>,
    user: User,
    Path((call_id, pid)): Path<(String, String)>,
    Query(from): Query<FromDevice>,
) -> ApiResult<StatusCode> {
    let actor = actor(&state, &user, from.device.as_deref()).await?;
    let call = visible_call(&state, &user, &call_id).await?;
    let participant = call.participants.iter().find(|p| p.id == pid).ok_or_else(|| ApiError::not_found("that participant"))?;
    if participant.party.user_id != user.id {
        return Err(ApiError::Forbidden("you can only take yourself out of a call; DELETE /call/{id} ends it for everyone".to_owned()));
    }
    let now = now();
    state.change_call(&call_id, &mut decide(|call| call.report(&actor, CallEvent::End, now))).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    delete,
    path = "/call/{id}",
    tag = "calls",
    operation_id = "end_call",
    summary = "End the call for everyone",
    description = "Also from a device that does not handle the call (third-party hang-up).",
    params(
        ("id" = String, Path, description = "The call's id"),
        ("device" = Option<String>, Query, description = "The device that hangs up (id or `/login/...` URL)"),
    ),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "The call has ended"),
        (status = 400, response = doc::BadRequest),
        (status = 403, description = "I am not a participant of this call, or the device is not mine", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The call does not exist, or the device is not registered", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call has already ended, or I left it", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The device is named by something that is neither an id nor a `/login/...` URL", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn end(State(state): State<AppState>, user: User, Path(call_id): Path<String>, Query(from): Query<FromDevice>) -> ApiResult<StatusCode> {
    let actor = actor(&state, &user, from.device.as_deref()).await?;
    visible_call(&state, &user, &call_id).await?;
    let now = now();
    state.change_call(&call_id, &mut decide(|call| call.end(&actor, now))).await?;
    Ok(StatusCode::NO_CONTENT)
}
