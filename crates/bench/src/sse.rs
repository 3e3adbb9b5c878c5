//! Server-Sent Events over a streaming HTTP response, parsed by the wire crate's
//! parser.

use std::collections::VecDeque;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
pub use restphone_api::sse::SseEvent;
use restphone_api::sse::SseParser;

pub struct SseReader {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    parser: SseParser,
    parsed: VecDeque<SseEvent>,
}

impl SseReader {
    pub fn new(response: reqwest::Response) -> Self {
        Self { body: response.bytes_stream().boxed(), parser: SseParser::default(), parsed: VecDeque::new() }
    }

    /// The next event, or `None` once the stream ended or broke.
    pub async fn next_event(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.parsed.pop_front() {
                return Some(event);
            }
            let chunk = self.body.next().await?.ok()?;
            self.parsed.extend(self.parser.feed(&chunk));
        }
    }
}
