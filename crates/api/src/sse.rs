//! A Server-Sent Events parser (the `text/event-stream` format of the HTML standard):
//! bytes in, events out. The engine's push channel reads through eventsource-client;
//! this parser reads the server's raw streams in the system tests and the benchmarks,
//! independently of that client.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
}

#[derive(Debug, Default)]
pub struct SseParser {
    buffer: Vec<u8>,
    id: Option<String>,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    /// Feeds bytes as they arrive; returns the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line).into_owned();
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
        }
        events
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let data = self.data.take()?;
            return Some(SseEvent { id: self.id.take(), event: self.event.take().unwrap_or_else(|| "message".to_owned()), data });
        }
        if line.starts_with(':') {
            return None; // a comment: the server's heartbeat
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => self.id = Some(value.to_owned()),
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_are_reassembled() {
        let mut parser = SseParser::default();
        assert!(parser.feed(b": heartbeat\n\nid: 7\nevent: ca").is_empty());
        let events = parser.feed(b"ll\ndata: {\"a\":1}\r\n\r\n");
        assert_eq!(events, [SseEvent { id: Some("7".into()), event: "call".into(), data: "{\"a\":1}".into() }]);
    }

    #[test]
    fn multi_line_data_and_defaults_follow_the_standard() {
        let mut parser = SseParser::default();
        let events = parser.feed(b"data: one\ndata:two\n\nevent: x\n\n");
        assert_eq!(events, [SseEvent { id: None, event: "message".into(), data: "one\ntwo".into() }]);
    }
}
