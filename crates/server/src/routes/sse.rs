//! The Server-Sent Event streams: the push channel, and the active resources (a call,
//! a user's presence) that send their state and then every change.

use std::convert::Infallible;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use restphone_api::call::{Call, CallState};
use restphone_api::event::{EventKind, Reset};
use restphone_api::login::Presence;
use tokio::sync::broadcast::error::RecvError;

use crate::error::ApiResult;
use crate::open_streams::Opener;
use crate::state::{AppState, now};
use crate::store::StoredEvent;
use crate::wire;

type Events = axum::response::Response;

/// Replay reads the log in pages of this many events.
const REPLAY_PAGE: u32 = 500;

fn sse(heartbeat: std::time::Duration, stream: impl Stream<Item = Event> + Send + 'static) -> Events {
    use axum::response::IntoResponse;
    use futures::StreamExt;
    Sse::new(stream.map(Ok::<_, Infallible>)).keep_alive(KeepAlive::new().interval(heartbeat)).into_response()
}

fn frame(event: &StoredEvent) -> Event {
    Event::default().id(event.id.to_string()).event(event.kind.as_str()).data(&event.data)
}

fn json_frame(kind: EventKind, data: &impl serde::Serialize) -> Event {
    Event::default().event(kind.as_str()).data(serde_json::to_string(data).expect("wire types serialise"))
}

/// The device's push channel. Without `last_event_id` it starts with what happens
/// next (the device resyncs from `GET /call`); with it, it first replays every event
/// the device missed, or sends `reset` when the log no longer reaches back that far.
///
/// The subscription is made, and the log's position read, before the response is
/// sent: an event logged after the client sees the headers is never skipped.
pub async fn push_channel(state: AppState, opener: Opener, last_event_id: Option<i64>) -> ApiResult<Events> {
    let user_id = opener.user_id;
    let device_id = opener.device_id.clone().unwrap_or_default();
    let mut ticket = state.streams.open(opener, &state.config.limits)?;
    let mut deliveries = state.hub.subscribe(user_id);
    let last_logged = state.store.last_event_id().await?;
    let pruned_through = state.store.pruned_through().await?;
    let mut closing = state.closing.clone();
    let heartbeat = state.config.heartbeat;
    let stream = async_stream::stream! {
        let mut cursor = last_logged;
        match last_event_id {
            Some(seen) if seen >= pruned_through && seen <= last_logged => cursor = seen,
            Some(_) => {
                let reset = Reset { reason: "events were missed: resync from GET /call".to_owned() };
                yield json_frame(EventKind::Reset, &reset).id(cursor.to_string());
            }
            None => {}
        }
        let mut replay = last_event_id.is_some();
        loop {
            if replay {
                let Ok(missed) = state.store.events_after(user_id, &device_id, cursor, REPLAY_PAGE).await else { return };
                replay = missed.len() == REPLAY_PAGE as usize;
                for event in missed {
                    cursor = event.id;
                    yield frame(&event);
                }
                continue;
            }
            let delivery = tokio::select! {
                delivery = deliveries.recv() => delivery,
                _ = closing.changed() => return,
                _ = &mut ticket.closed => return,
            };
            match delivery {
                Ok(event) if event.id > cursor && event.is_for(&device_id) => {
                    cursor = event.id;
                    yield frame(&event);
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => replay = true,
                Err(RecvError::Closed) => return,
            }
        }
    };
    Ok(sse(heartbeat, stream))
}

/// `GET /call/{id}` as an active resource: the call now, then each change until it ends.
pub fn call_resource(state: AppState, opener: Opener, call: Call) -> ApiResult<Events> {
    let mut ticket = state.streams.open(opener.clone(), &state.config.limits)?;
    let mut deliveries = state.hub.subscribe(opener.user_id);
    let mut closing = state.closing.clone();
    let heartbeat = state.config.heartbeat;
    let stream = async_stream::stream! {
        let call_id = call.id.clone();
        // The hub may still hand over a change older than the call shown: the
        // revision tells.
        let mut revision = call.revision;
        let ended = call.state == CallState::Ended;
        yield json_frame(EventKind::Call, &call);
        if ended {
            return;
        }
        loop {
            let delivery = tokio::select! {
                delivery = deliveries.recv() => delivery,
                _ = closing.changed() => return,
                _ = &mut ticket.closed => return,
            };
            match delivery {
                Ok(event) if event.kind == EventKind::Call => {
                    let Ok(changed) = serde_json::from_str::<Call>(&event.data) else { continue };
                    if changed.id == call_id && changed.revision > revision {
                        revision = changed.revision;
                        yield frame(&event);
                        if changed.state == CallState::Ended {
                            return;
                        }
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    };
    Ok(sse(heartbeat, stream))
}

/// `GET /login/{email}` as an active resource: the user's devices now, then after
/// each change. Contacts are only shown to the owner.
///
/// It subscribes, notes the log's position, then reads the devices: no change is
/// missed, and a change the devices already show (the hub may hand it over late) is
/// not sent again.
pub async fn presence_resource(state: AppState, opener: Opener, watched_user_id: i64, email: &str) -> ApiResult<Events> {
    let owner_watching = opener.user_id == watched_user_id;
    let mut ticket = state.streams.open(opener, &state.config.limits)?;
    let mut deliveries = state.hub.subscribe(watched_user_id);
    let shown_through = state.store.last_event_id().await?;
    let presence = wire::presence(email, &state.store.live_devices(watched_user_id, now()).await?, owner_watching);
    let mut closing = state.closing.clone();
    let heartbeat = state.config.heartbeat;
    let stream = async_stream::stream! {
        yield json_frame(EventKind::Presence, &presence);
        loop {
            let delivery = tokio::select! {
                delivery = deliveries.recv() => delivery,
                _ = closing.changed() => return,
                _ = &mut ticket.closed => return,
            };
            match delivery {
                Ok(event) if event.kind == EventKind::Presence && event.id > shown_through => {
                    let Ok(mut changed) = serde_json::from_str::<Presence>(&event.data) else { continue };
                    if !owner_watching {
                        changed.devices.iter_mut().for_each(|device| device.contact = None);
                    }
                    yield json_frame(EventKind::Presence, &changed).id(event.id.to_string());
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    };
    Ok(sse(heartbeat, stream))
}
