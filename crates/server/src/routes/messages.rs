//! `/user/{email}/message`: anyone signed in leaves a voice or text message; only the
//! owner lists, reads, plays, marks and deletes them.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use restphone_api::Created;
use restphone_api::event::{EventKind, MessageNotice};
use restphone_api::message::{Message, MessageChange, MessageKind, TextMessage};
use restphone_api::{path, rules};
use tower::ServiceExt;

use super::{created, only_owner, openapi as doc};
use crate::auth::User;
use crate::domain::{ids, validate};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Json, Path};
use crate::state::{AppState, Shared, now};
use crate::store::{MessageRecord, NewEvent, UserRecord};
use crate::{rate, storage, wire};

pub(super) async fn recipient(state: &AppState, email: &str) -> ApiResult<UserRecord> {
    let email = email.to_lowercase();
    state.store.user_by_email(&email).await?.ok_or_else(|| ApiError::NotFound(format!("there is no user {email}")))
}

/// The media type of the body, lower-case and without parameters.
pub(super) fn media_type(headers: &HeaderMap) -> String {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// `bytes=` and a list of `first-[last]` or `-suffix` ranges.
fn well_formed_range(range: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    range.strip_prefix("bytes=").is_some_and(|specs| {
        specs.split(',').all(|spec| match spec.trim().split_once('-') {
            Some(("", suffix)) => digits(suffix),
            Some((first, last)) => digits(first) && (last.is_empty() || digits(last)),
            None => false,
        })
    })
}

/// Checks that `body` is a usable Ogg Opus file (off the async workers: it decodes pages).
pub(super) async fn inspect_ogg_opus(body: &axum::body::Bytes) -> ApiResult<oggopus::OpusInfo> {
    let bytes = body.clone();
    let inspected = tokio::task::spawn_blocking(move || oggopus::inspect(&bytes)).await.map_err(ApiError::internal)?;
    inspected.map_err(|e| ApiError::Unprocessable(format!("this is not a usable Ogg Opus file: {e}")))
}

fn notice(owner_email: &str, record: &MessageRecord, deleted: bool) -> MessageNotice {
    MessageNotice {
        id: record.id.clone(),
        url: path::message(owner_email, &record.id),
        from: record.from_email.clone(),
        kind: record.kind,
        created_at: wire::time(record.created_at),
        heard: record.heard,
        deleted,
    }
}

#[utoipa::path(
    post,
    path = "/user/{email}/message",
    tag = "messages",
    operation_id = "leave_message",
    summary = "Leave a voice or text message",
    description = "Anyone signed in may leave one. A voice message is the Ogg Opus file itself (`audio/ogg`, also accepted as `audio/opus`); a text message is a `TextMessage` (`application/json`), and the sender keeps a copy, heard, in their own mailbox (`to` names the recipient). The owner's devices (and for a text, the sender's) hear of it as a `message` event.",
    params(("email" = String, Path, description = "The mailbox owner's email")),
    request_body(description = "The Ogg Opus file, or the text", content(
        ("audio/ogg"),
        ("audio/opus"),
        (TextMessage = "application/json"),
    )),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 201, description = "The message was left", body = Created, headers(("Location" = String, description = "The message: `/user/{email}/message/{id}`"))),
        (status = 400, response = doc::BadRequest),
        (status = 404, description = "There is no such user", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The message is larger than this server accepts", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The mailbox holds as many bytes of voice messages as the server allows (`--max-mailbox-bytes`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is neither `audio/ogg` nor `application/json`", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a usable Ogg Opus file, or an empty, too long or malformed text", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn leave(State(state): State<AppState>, user: User, Path(email): Path<String>, headers: HeaderMap, Body(body): Body) -> ApiResult<Response> {
    let owner = recipient(&state, &email).await?;
    let media_type = media_type(&headers);
    let now = now();
    let mut record = MessageRecord {
        id: ids::new_id(),
        owner_id: owner.id,
        from_email: user.email.clone(),
        kind: MessageKind::Text,
        text: None,
        audio_file: None,
        duration_ms: None,
        size: None,
        created_at: now,
        heard: false,
        to_email: None,
    };
    let audio = match media_type.as_str() {
        "audio/ogg" | "audio/opus" => {
            let info = inspect_ogg_opus(&body).await?;
            let held = state.store.mailbox_bytes(owner.id).await?;
            if held + body.len() as u64 > state.config.limits.mailbox_bytes {
                return Err(ApiError::Conflict(format!("the mailbox of {} is full", owner.email)));
            }
            record.kind = MessageKind::Voice;
            record.duration_ms = Some(info.duration_ms);
            record.size = Some(body.len() as u64);
            Some(body)
        }
        "application/json" => {
            let message: TextMessage =
                serde_json::from_slice(&body).map_err(|e| ApiError::Unprocessable(format!("a text message is {{\"text\": \"...\"}}: {e}")))?;
            record.text = Some(validate::text(&rules::TEXT_MESSAGE, &message.text).map_err(ApiError::Unprocessable)?);
            None
        }
        _ => return Err(ApiError::UnsupportedMediaType("send a voice message as audio/ogg (Ogg Opus) or a text message as application/json".to_owned())),
    };
    rate::take(&state.rates.messages, (user.id, owner.id), &format!("you left too many messages for {} in the last hour", owner.email))?;
    if let Some(audio) = audio {
        record.audio_file = Some(storage::write_audio(&state.config.messages_dir(), &record.id, &audio).await?);
    }
    let mut records = vec![record.clone()];
    let mut events = vec![NewEvent::to_user(owner.id, EventKind::Message, &notice(&owner.email, &record, false))];
    // A text is also kept, heard, in the sender's own mailbox: each of their devices
    // shows both sides of the chat.
    if record.kind == MessageKind::Text && owner.id != user.id {
        let copy = MessageRecord { id: ids::new_id(), owner_id: user.id, heard: true, to_email: Some(owner.email.clone()), ..record.clone() };
        events.push(NewEvent::to_user(user.id, EventKind::Message, &notice(&user.email, &copy, false)));
        records.push(copy);
    }
    if let Err(error) = state.store.insert_messages(&records, events, now).await {
        if let Some(file) = &record.audio_file {
            remove_audio(&state, file).await;
        }
        return Err(error);
    }
    let url = path::message(&owner.email, &record.id);
    Ok(created(&url.clone(), Created { id: record.id, url }))
}

#[utoipa::path(
    get,
    path = "/user/{email}/message",
    tag = "messages",
    operation_id = "list_messages",
    summary = "My messages",
    params(("email" = String, Path, description = "My email")),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "My messages", body = Vec<Message>),
        (status = 403, description = "This is not my mailbox", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(State(state): State<AppState>, user: User, Path(email): Path<String>) -> ApiResult<axum::Json<Vec<Message>>> {
    only_owner(&user, &email, "read these messages")?;
    let messages = state.store.messages_of(user.id).await?;
    Ok(axum::Json(messages.iter().map(|m| wire::message(&user.email, m)).collect()))
}

async fn owned(state: &AppState, user: &User, email: &str, id: &str) -> ApiResult<MessageRecord> {
    only_owner(user, email, "read or change these messages")?;
    state.store.message(user.id, id).await?.ok_or_else(|| ApiError::not_found("that message"))
}

#[utoipa::path(
    get,
    path = "/user/{email}/message/{id}",
    tag = "messages",
    operation_id = "get_message",
    summary = "One of my messages",
    params(("email" = String, Path, description = "My email"), ("id" = String, Path, description = "The message's id")),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The message", body = Message),
        (status = 403, description = "This is not my mailbox", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "There is no such message", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn get(State(state): State<AppState>, user: User, Path((email, id)): Path<(String, String)>) -> ApiResult<axum::Json<Message>> {
    let record = owned(&state, &user, &email, &id).await?;
    Ok(axum::Json(wire::message(&user.email, &record)))
}

#[utoipa::path(
    patch,
    path = "/user/{email}/message/{id}",
    tag = "messages",
    operation_id = "change_message",
    summary = "Mark one of my messages heard or unheard",
    description = "My devices hear of the change as a `message` event.",
    params(("email" = String, Path, description = "My email"), ("id" = String, Path, description = "The message's id")),
    request_body = MessageChange,
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The changed message", body = Message),
        (status = 400, response = doc::BadRequest),
        (status = 403, description = "This is not my mailbox", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "There is no such message", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, description = "The body does not fit", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn change(
    State(state): State<AppState>,
    user: User,
    Path((email, id)): Path<(String, String)>,
    Json(body): Json<MessageChange>,
) -> ApiResult<axum::Json<Message>> {
    let mut record = owned(&state, &user, &email, &id).await?;
    if record.heard != body.heard {
        state.store.set_heard(user.id, &id, body.heard).await?;
        record.heard = body.heard;
        state.log(vec![NewEvent::to_user(user.id, EventKind::Message, &notice(&user.email, &record, false))]).await?;
    }
    Ok(axum::Json(wire::message(&user.email, &record)))
}

#[utoipa::path(
    delete,
    path = "/user/{email}/message/{id}",
    tag = "messages",
    operation_id = "delete_message",
    summary = "Delete one of my messages",
    description = "My devices hear of it as a `message` event with `deleted`.",
    params(("email" = String, Path, description = "My email"), ("id" = String, Path, description = "The message's id")),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "The message is gone"),
        (status = 403, description = "This is not my mailbox", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "There is no such message", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn delete(State(state): State<AppState>, user: User, Path((email, id)): Path<(String, String)>) -> ApiResult<StatusCode> {
    owned(&state, &user, &email, &id).await?;
    let record = state.store.delete_message(user.id, &id).await?.ok_or_else(|| ApiError::not_found("that message"))?;
    if let Some(file) = &record.audio_file {
        remove_audio(&state, file).await;
    }
    state.log(vec![NewEvent::to_user(user.id, EventKind::Message, &notice(&user.email, &record, true))]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Streams the Ogg Opus file, honouring `Range` so a player can seek.
#[utoipa::path(
    get,
    path = "/user/{email}/message/{id}/audio",
    tag = "messages",
    operation_id = "get_message_audio",
    summary = "Play a voice message",
    description = "The Ogg Opus file. `Range` requests are honoured, so a player can seek.",
    params(
        ("email" = String, Path, description = "My email"),
        ("id" = String, Path, description = "The message's id"),
        ("Range" = Option<String>, Header, description = "A byte range, e.g. `bytes=0-1023`; a value that is not a byte-range list is ignored"),
    ),
    security(("basic" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The whole file", content(("audio/ogg")), headers(("Accept-Ranges" = String, description = "`bytes`"))),
        (status = 206, description = "The range asked for", content(("audio/ogg")), headers(("Content-Range" = String, description = "Which bytes of the file this is"))),
        (status = 403, description = "This is not my mailbox", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "There is no such message, or it is a text message", body = doc::Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range lies outside the file", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn audio(State(state): State<AppState>, user: User, Path((email, id)): Path<(String, String)>, mut request: Request) -> ApiResult<Response> {
    let record = owned(&state, &user, &email, &id).await?;
    let file = record.audio_file.ok_or_else(|| ApiError::NotFound("this is a text message: it has no audio".to_owned()))?;
    let path = state.config.messages_dir().join(file);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(ApiError::internal(format!("the audio of message {id} is missing from {}", path.display())));
    }
    // A Range that is not a byte-range list is ignored, as RFC 9110 allows: the whole
    // file follows. A well-formed one that the file cannot satisfy gets 416.
    if request.headers().get(header::RANGE).is_some_and(|range| !range.to_str().is_ok_and(well_formed_range)) {
        request.headers_mut().remove(header::RANGE);
    }
    let response = tower_http::services::ServeFile::new_with_mime(path, &"audio/ogg".parse().expect("a valid mime type"))
        .oneshot(request)
        .await
        .map_err(ApiError::internal)?;
    if response.status() == StatusCode::RANGE_NOT_SATISFIABLE {
        let size = record.size.unwrap_or(0);
        let mut refused = ApiError::RangeNotSatisfiable(format!("the range asked for lies outside the {size} bytes of this message")).into_response();
        refused.headers_mut().insert(header::CONTENT_RANGE, format!("bytes */{size}").parse().expect("a valid header"));
        return Ok(refused);
    }
    Ok(response.into_response())
}

pub async fn remove_audio(state: &Shared, file: &str) {
    if let Err(error) = tokio::fs::remove_file(state.config.messages_dir().join(file)).await {
        tracing::warn!(%file, %error, "could not remove a message's audio");
    }
}
