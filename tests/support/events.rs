//! A Server-Sent Events reader over a streaming HTTP response, with JSON data.

use std::collections::VecDeque;
use std::time::Duration;

use futures::StreamExt;
use restphone_api::sse::{SseEvent as RawEvent, SseParser};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

pub struct EventStream {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    parser: SseParser,
    parsed: VecDeque<RawEvent>,
    pub last_id: Option<String>,
    /// The id of every event read so far, in order.
    pub ids: Vec<i64>,
}

impl EventStream {
    pub async fn open(request: reqwest::RequestBuilder) -> Self {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        assert_eq!(status, 200, "the event stream opens");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let headers = response.headers().clone();
        Self { status, headers, body: response.bytes_stream().boxed(), parser: SseParser::default(), parsed: VecDeque::new(), last_id: None, ids: Vec::new() }
    }

    /// The next event, or `None` when the stream ended or nothing came within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<SseEvent> {
        tokio::time::timeout(wait, self.next()).await.ok().flatten()
    }

    /// The next event, or `None` when the server closed the stream.
    pub async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(parsed) = self.parsed.pop_front() {
                if let Some(id) = &parsed.id {
                    self.ids.extend(id.parse::<i64>().ok());
                    self.last_id = Some(id.clone());
                }
                let data = serde_json::from_str(&parsed.data).expect("event data is JSON");
                return Some(SseEvent { id: parsed.id, event: parsed.event, data });
            }
            let chunk = self.body.next().await?.ok()?;
            self.parsed.extend(self.parser.feed(&chunk));
        }
    }

    /// Waits for an event of `kind` for which `accept` holds, skipping others.
    pub async fn wait_for(&mut self, kind: &str, accept: impl Fn(&Value) -> bool) -> SseEvent {
        let deadline = tokio::time::Instant::now() + crate::DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                Some(event) if event.event == kind && accept(&event.data) => return event,
                Some(_) => continue,
                None => panic!("no '{kind}' event as expected arrived within {:?}", crate::DEADLINE),
            }
        }
    }

    /// Waits for the `call` event of `call_id` in which `accept` holds.
    pub async fn wait_for_call(&mut self, call_id: &str, accept: impl Fn(&Value) -> bool) -> Value {
        let call_id = call_id.to_owned();
        self.wait_for("call", move |call| call["id"] == call_id.as_str() && accept(call)).await.data
    }

    /// Every event before the marker invitation `marker` (see `Client::mark`): what
    /// the server sent before a known later event, with no waiting on a clock.
    pub async fn until_marker(&mut self, marker: &str) -> Vec<SseEvent> {
        let mut before = Vec::new();
        loop {
            let event = self.next_within(crate::DEADLINE).await.unwrap_or_else(|| panic!("marker {marker} never arrived"));
            if event.event == "invite" && event.data["url"] == marker {
                return before;
            }
            before.push(event);
        }
    }

    /// Waits until the server closes the stream.
    pub async fn wait_closed(&mut self) {
        let deadline = tokio::time::Instant::now() + crate::DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.next()).await {
                Ok(None) => return,
                Ok(Some(_)) => continue,
                Err(_) => panic!("the event stream stayed open"),
            }
        }
    }
}
