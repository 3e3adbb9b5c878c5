//! A voice message on the server as a [`RangeSource`]: each read is one
//! `Range` request, so playback starts and seeks without fetching the whole file.

use std::ops::Range;

use reqwest::{Method, StatusCode, header};
use restphone_media::MediaError;
use restphone_media::voicemail::RangeSource;

use crate::client::ServerClient;

pub struct HttpRanges {
    client: ServerClient,
    url: String,
    len: u64,
}

impl HttpRanges {
    /// The file at `url` (a message's `audio_url`), `len` bytes long as the mailbox lists it.
    pub fn new(client: ServerClient, url: String, len: u64) -> Self {
        Self { client, url, len }
    }
}

fn fetch_error(url: &str, reason: impl std::fmt::Display) -> MediaError {
    MediaError::Fetch(format!("{url}: {reason}"))
}

impl RangeSource for HttpRanges {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read(&self, range: Range<u64>) -> Result<Vec<u8>, MediaError> {
        let end = range.end.min(self.len);
        if range.start >= end {
            return Ok(Vec::new());
        }
        let request = self.client.request(Method::GET, &self.url).header(header::RANGE, format!("bytes={}-{}", range.start, end - 1));
        let response = request.send().await.map_err(|e| fetch_error(&self.url, e))?;
        if response.status() != StatusCode::PARTIAL_CONTENT {
            return Err(fetch_error(&self.url, format!("the server answered {} to a range request", response.status())));
        }
        let bytes = response.bytes().await.map_err(|e| fetch_error(&self.url, e))?;
        if bytes.len() as u64 != end - range.start {
            return Err(fetch_error(&self.url, format!("asked for {} bytes, got {}", end - range.start, bytes.len())));
        }
        Ok(bytes.to_vec())
    }
}
