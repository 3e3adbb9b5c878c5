//! The push channel: one SSE stream to `GET /events`, reconnected with backoff and
//! `Last-Event-ID`, feeding the owner task through a channel.

use futures::StreamExt;
use reqwest::Method;
use tokio::sync::mpsc;

use crate::client::ServerClient;
use crate::core::registration::backoff;
use crate::sse::{SseEvent, SseParser};

/// What the push task tells the owner task.
#[derive(Debug)]
pub enum PushInput {
    /// The stream is open: resync from `GET /call`.
    Connected,
    Event(SseEvent),
    /// The stream broke; `reason` says why. A reconnection follows.
    Disconnected {
        reason: String,
    },
    /// The server no longer knows this device (404): register again.
    DeviceUnknown,
}

/// Runs until `inputs` is closed. `device_id` is read each time the stream (re)opens,
/// so a device that registered again streams under its new id.
pub async fn run(client: ServerClient, device_id: tokio::sync::watch::Receiver<String>, inputs: mpsc::Sender<PushInput>) {
    let mut last_event_id: Option<String> = None;
    let mut attempt = 0;
    loop {
        let device = device_id.borrow().clone();
        let mut request = client.request(Method::GET, &format!("/events?device={device}")).header("accept", "text/event-stream");
        if let Some(id) = &last_event_id {
            request = request.header("last-event-id", id);
        }
        let outcome = match request.send().await {
            Ok(response) if response.status().is_success() => {
                attempt = 0;
                if inputs.send(PushInput::Connected).await.is_err() {
                    return;
                }
                stream(response, &mut last_event_id, &inputs).await
            }
            Ok(response) if response.status() == reqwest::StatusCode::NOT_FOUND => {
                if inputs.send(PushInput::DeviceUnknown).await.is_err() {
                    return;
                }
                "the server does not know this device".to_owned()
            }
            Ok(response) => format!("the server answered {}", response.status()),
            Err(error) => error.to_string(),
        };
        if inputs.send(PushInput::Disconnected { reason: outcome }).await.is_err() {
            return;
        }
        tokio::time::sleep(backoff(attempt)).await;
        attempt += 1;
    }
}

/// Reads events until the stream ends; returns why it ended.
async fn stream(response: reqwest::Response, last_event_id: &mut Option<String>, inputs: &mpsc::Sender<PushInput>) -> String {
    let mut body = response.bytes_stream();
    let mut parser = SseParser::default();
    loop {
        match body.next().await {
            Some(Ok(bytes)) => {
                for event in parser.feed(&bytes) {
                    if event.id.is_some() {
                        last_event_id.clone_from(&event.id);
                    }
                    if inputs.send(PushInput::Event(event)).await.is_err() {
                        return "the phone stopped".to_owned();
                    }
                }
            }
            Some(Err(error)) => return error.to_string(),
            None => return "the server closed the stream".to_owned(),
        }
    }
}
