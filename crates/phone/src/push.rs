//! The push channel: one SSE stream to `GET /events`, on eventsource-client, which
//! reconnects with backoff and sends `Last-Event-ID`. Its requests go out through the
//! engine's own HTTP client (`Transport`), so REST and push share one TLS setup and one
//! bearer token.

use eventsource_client::{Client, ClientBuilder, ReconnectOptions, SSE};
use futures::StreamExt;
use launchdarkly_sdk_transport::{ByteStream, HttpTransport, ResponseFuture, TransportError};
use restphone_api::sse::SseEvent;
use tokio::sync::{mpsc, watch};

use crate::client::ServerClient;
use crate::core::registration::{FIRST_BACKOFF, MAX_BACKOFF};
use crate::tls;

/// What the push task tells the owner task.
#[derive(Debug)]
pub enum PushInput {
    /// The stream is open: resync from `GET /call`.
    Connected,
    Event(SseEvent),
    /// The stream broke, or an attempt to open it failed; `reason` says why. Another
    /// attempt follows.
    Disconnected {
        reason: String,
    },
    /// The server no longer knows this device (404): register again.
    DeviceUnknown,
    /// The server no longer takes this device's token (401): it was signed out from
    /// another device, or the password changed.
    SignedOut,
}

/// Runs until `inputs` is closed. When the device id is sent again (a new registration,
/// or the owner asking for a fresh stream), the stream is opened anew for that id,
/// carrying on from the last event seen.
pub async fn run(client: ServerClient, mut device_id: watch::Receiver<String>, inputs: mpsc::Sender<PushInput>) {
    let mut last_event_id: Option<String> = None;
    loop {
        let device = device_id.borrow_and_update().clone();
        let transport = Transport { client: client.clone(), failures: inputs.clone() };
        let events = match events_client(&device, last_event_id.clone(), transport) {
            Ok(events) => events,
            Err(error) => {
                // A device id the server made up that no URL can carry: say so, and wait
                // for a new registration.
                let _ = inputs.send(PushInput::Disconnected { reason: format!("the server gave an unusable device id: {error}") }).await;
                if device_id.changed().await.is_err() {
                    return;
                }
                continue;
            }
        };
        let mut stream = events.stream();
        loop {
            let item = tokio::select! {
                changed = device_id.changed() => match changed {
                    Ok(()) => break,
                    Err(_) => return,
                },
                item = stream.next() => item,
            };
            let input = match item {
                Some(Ok(SSE::Connected(_))) => PushInput::Connected,
                Some(Ok(SSE::Event(event))) => {
                    if event.id.is_some() {
                        last_event_id.clone_from(&event.id);
                    }
                    PushInput::Event(SseEvent { id: event.id, event: event.event_type, data: event.data })
                }
                Some(Ok(SSE::Comment(_))) => continue,
                Some(Err(eventsource_client::Error::UnexpectedResponse(response, _))) if response.status() == 404 => PushInput::DeviceUnknown,
                Some(Err(eventsource_client::Error::UnexpectedResponse(response, _))) if response.status() == 401 => PushInput::SignedOut,
                Some(Err(error)) => PushInput::Disconnected { reason: reason(&error) },
                // The client gave up (it does only on errors it cannot retry): start over.
                None => {
                    tokio::time::sleep(MAX_BACKOFF).await;
                    break;
                }
            };
            if inputs.send(input).await.is_err() {
                return;
            }
        }
    }
}

fn events_client(device: &str, last_event_id: Option<String>, transport: Transport) -> Result<impl Client + use<>, eventsource_client::Error> {
    let reconnect = ReconnectOptions::reconnect(true).retry_initial(true).delay(FIRST_BACKOFF).backoff_factor(2).delay_max(MAX_BACKOFF).build();
    // Only the path and query are used: `Transport` sends to the client's own server.
    let url = format!("http://server/events?device={device}");
    let mut builder = ClientBuilder::for_url(&url)?.reconnect(reconnect).redirect_limit(0);
    if let Some(id) = last_event_id {
        builder = builder.last_event_id(id);
    }
    Ok(builder.build_with_transport(transport))
}

fn reason(error: &eventsource_client::Error) -> String {
    match error {
        eventsource_client::Error::Eof | eventsource_client::Error::UnexpectedEof => "the server closed the stream".to_owned(),
        eventsource_client::Error::TimedOut => "the stream went silent".to_owned(),
        eventsource_client::Error::UnexpectedResponse(response, _) => format!("the server answered {}", response.status()),
        other => other.source().and_then(tls::describe).unwrap_or_else(|| other.to_string()),
    }
}

/// eventsource-client's requests, sent by the engine's reqwest client: the path and
/// headers it asks for, on this client's server, with this client's token. A request
/// that fails is reported at once (the crate retries it quietly), so the snapshot says
/// why the phone is offline.
#[derive(Clone)]
struct Transport {
    client: ServerClient,
    failures: mpsc::Sender<PushInput>,
}

impl HttpTransport for Transport {
    fn request(&self, request: http::Request<Option<bytes::Bytes>>) -> ResponseFuture {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let mut outgoing = self.client.stream_request(parts.method, &path).headers(parts.headers);
        if let Some(body) = body {
            outgoing = outgoing.body(body);
        }
        let failures = self.failures.clone();
        // Spawned, because the crate needs a `Sync` future and reqwest's is not.
        let sent = tokio::spawn(async move {
            let response = match outgoing.send().await {
                Ok(response) => response,
                Err(error) => {
                    let reason = tls::describe(&error).unwrap_or_else(|| error.to_string());
                    let _ = failures.try_send(PushInput::Disconnected { reason });
                    return Err(TransportError::new(error));
                }
            };
            let mut answer = http::Response::builder().status(response.status());
            if let Some(headers) = answer.headers_mut() {
                headers.extend(response.headers().clone());
            }
            let body = forward(response);
            answer.body(body).map_err(TransportError::new)
        });
        Box::pin(async move { sent.await.map_err(TransportError::new)? })
    }
}

/// The response body as the crate wants it (`Send + Sync`): read by a task of its own
/// and handed over through a channel.
fn forward(response: reqwest::Response) -> ByteStream {
    let (sender, receiver) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut body = response.bytes_stream();
        loop {
            // Dropping the stream (a new device id, the phone stopping) closes the
            // connection now rather than at the next heartbeat.
            let chunk = tokio::select! {
                () = sender.closed() => return,
                chunk = body.next() => chunk,
            };
            let Some(chunk) = chunk else { return };
            if sender.send(chunk.map_err(TransportError::new)).await.is_err() {
                return;
            }
        }
    });
    Box::pin(tokio_stream::wrappers::ReceiverStream::new(receiver))
}
