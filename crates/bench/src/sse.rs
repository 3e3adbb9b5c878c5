//! A minimal Server-Sent Events reader over a streaming HTTP response: it yields
//! each event's name and data and skips comments (the heartbeats) and ids.

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; "message" when there was none.
    pub event: String,
    /// The `data:` lines, joined by newlines.
    pub data: String,
}

pub struct SseReader {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    parser: Parser,
}

impl SseReader {
    pub fn new(response: reqwest::Response) -> Self {
        Self { body: response.bytes_stream().boxed(), parser: Parser::default() }
    }

    /// The next event, or `None` once the stream ended or broke.
    pub async fn next_event(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.parser.next_event() {
                return Some(event);
            }
            let chunk = self.body.next().await?.ok()?;
            self.parser.unread.extend_from_slice(&chunk);
        }
    }
}

/// The line-by-line part of the reader, apart from any I/O.
#[derive(Default)]
struct Parser {
    /// Received bytes not yet split into lines.
    unread: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl Parser {
    /// Consumes complete lines until an event is complete.
    fn next_event(&mut self) -> Option<SseEvent> {
        while let Some(end) = self.unread.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.unread.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                let event = self.event.take();
                if let Some(data) = self.data.take() {
                    return Some(SseEvent { event: event.unwrap_or_else(|| "message".to_owned()), data });
                }
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => self.event = Some(value.to_owned()),
                "data" => match &mut self.data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => self.data = Some(value.to_owned()),
                },
                _ => {} // a comment (empty field name), `id`, `retry`
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_and_heartbeats_between() {
        let mut parser = Parser::default();
        parser.unread.extend_from_slice(b": heartbeat\n\nid: 7\nevent: call\nda");
        assert_eq!(parser.next_event(), None);
        parser.unread.extend_from_slice(b"ta: {\"id\":\"c1\"}\n\n:\n\ndata: a\r\ndata: b\r\n\r\n");
        assert_eq!(parser.next_event(), Some(SseEvent { event: "call".to_owned(), data: "{\"id\":\"c1\"}".to_owned() }));
        assert_eq!(parser.next_event(), Some(SseEvent { event: "message".to_owned(), data: "a\nb".to_owned() }));
        assert_eq!(parser.next_event(), None);
    }
}
