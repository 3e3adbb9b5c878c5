//! A voice message decoded while it streams in by byte ranges: the head and the last
//! page are read first (pre-skip, duration), then pages in order as samples are wanted.
//! A seek finds its page by bisection over byte offsets, so it never reads the file up
//! to that point.

use std::collections::VecDeque;

use oggopus::stream::{self, MAX_PAGE_LEN, PacketJoiner};

use super::FRAME;
use super::source::RangeSource;
use crate::MediaError;
use crate::opus::Decoder;

/// Bytes asked for at a time while playing; a page of our files is about 5 KiB.
const CHUNK: u64 = 16 * 1024;
/// Bytes read by each probe of a seek's bisection, and from the end for the duration.
const PROBE: u64 = 8 * 1024;
/// A seek guesses where its page is this many times before halving the rest.
const INTERPOLATED_PROBES: u32 = 4;
/// Audio decoded and dropped before a seek target so the decoder has settled
/// (RFC 7845 section 4.6 recommends 80 ms).
const PRE_ROLL: u64 = 80 * 48;

pub(super) struct MessageReader<S> {
    source: S,
    pre_skip: u64,
    /// Playable samples, pre-skip excluded.
    duration: u64,
    /// File offset of the first page after the headers.
    audio_start: u64,
    /// Bytes read ahead; `buffer[0]` is at file offset `buffer_at`.
    buffer: Vec<u8>,
    buffer_at: u64,
    /// Where in `buffer` the next page starts.
    cursor: usize,
    joiner: PacketJoiner,
    decoder: Decoder,
    /// The granule at the end of the page read last, while pages are read in order
    /// from a known place; `None` right after a seek.
    granule: Option<u64>,
    /// Decoded samples not yet taken, and the playable sample index of the first.
    pending: VecDeque<i16>,
    position: u64,
    ended: bool,
}

fn damaged(offset: u64, error: oggopus::OggError) -> MediaError {
    MediaError::Damaged(format!("the page at byte {offset}: {error}"))
}

impl<S: RangeSource> MessageReader<S> {
    /// Reads the headers and the last page.
    pub(super) async fn open(source: S) -> Result<Self, MediaError> {
        let mut reader = Self {
            buffer: Vec::new(),
            buffer_at: 0,
            cursor: 0,
            pre_skip: 0,
            duration: 0,
            audio_start: 0,
            joiner: PacketJoiner::default(),
            decoder: Decoder::new(FRAME)?,
            granule: Some(0),
            pending: VecDeque::new(),
            position: 0,
            ended: false,
            source,
        };
        let mut headers = Vec::new();
        while headers.len() < 2 {
            let Some(packets) = reader.next_page().await?.map(|(_, packets)| packets) else {
                return Err(MediaError::Ogg(oggopus::OggError::NoAudio));
            };
            headers.extend(packets);
        }
        reader.pre_skip = u64::from(stream::pre_skip(&headers[0])?);
        reader.audio_start = reader.buffer_at + reader.cursor as u64;
        reader.duration = reader.last_granule().await?.saturating_sub(reader.pre_skip);
        Ok(reader)
    }

    /// Playable samples (at 48 kHz).
    pub(super) fn duration(&self) -> u64 {
        self.duration
    }

    /// The playable sample index the next sample read has.
    pub(super) fn position(&self) -> u64 {
        self.position
    }

    /// Fills `frame` with the next samples and says how many are real: fewer than
    /// the frame at the end (the rest is silence), 0 once the message is over.
    pub(super) async fn read(&mut self, frame: &mut [i16]) -> Result<usize, MediaError> {
        while self.pending.len() < frame.len() && !self.ended {
            self.decode_page().await?;
        }
        let filled = frame.len().min(self.pending.len());
        for (out, sample) in frame.iter_mut().zip(self.pending.drain(..filled)) {
            *out = sample;
        }
        frame[filled..].fill(0);
        self.position += filled as u64;
        Ok(filled)
    }

    /// Goes to playable sample `target` (the end at most).
    pub(super) async fn seek(&mut self, target: u64) -> Result<(), MediaError> {
        let target = target.min(self.duration);
        let goal = (target + self.pre_skip).saturating_sub(PRE_ROLL);
        let page = self.page_before(goal).await?;
        self.buffer.clear();
        self.cursor = 0;
        (self.buffer_at, self.granule) = match page {
            Some(offset) => (offset, None),
            None => (self.audio_start, Some(0)),
        };
        self.joiner = PacketJoiner::default();
        self.decoder = Decoder::new(FRAME)?;
        self.pending.clear();
        self.position = target;
        self.ended = false;
        Ok(())
    }

    /// Decodes the next page into `pending`, keeping only samples from `position` on.
    async fn decode_page(&mut self) -> Result<(), MediaError> {
        let Some((granule, packets)) = self.next_page().await? else {
            self.ended = true;
            return Ok(());
        };
        let mut pcm = Vec::new();
        for packet in &packets {
            pcm.extend(self.decoder.decode(packet)?);
        }
        // Where the page's first decoded sample sits: right after the previous page
        // when reading in order, else counted back from this page's end.
        let start = match (self.granule, granule) {
            (Some(previous), _) => previous,
            (None, Some(end)) => end.saturating_sub(pcm.len() as u64),
            (None, None) => return Ok(()),
        };
        self.granule = granule.or(self.granule);
        let wanted = self.position + self.pending.len() as u64;
        let first = (wanted + self.pre_skip).saturating_sub(start);
        let room = self.duration.saturating_sub(wanted);
        let first = usize::try_from(first).unwrap_or(usize::MAX).min(pcm.len());
        self.pending.extend(pcm[first..].iter().take(usize::try_from(room).unwrap_or(usize::MAX)));
        if room <= (pcm.len() - first) as u64 {
            self.ended = true;
        }
        Ok(())
    }

    /// The next page's granule and the packets completed on it; `None` at the end.
    async fn next_page(&mut self) -> Result<Option<(Option<u64>, Vec<Vec<u8>>)>, MediaError> {
        loop {
            match stream::page_at(&self.buffer, self.cursor) {
                Ok(Some(page)) => {
                    let packets = self.joiner.feed(&page);
                    let granule = page.granule();
                    self.cursor = page.end();
                    return Ok(Some((granule, packets)));
                }
                Ok(None) if self.buffer_end() < self.source.len() => self.read_more().await?,
                // The file ends inside a page: as far as it goes, that is its end.
                Ok(None) => return Ok(None),
                Err(error) => return Err(damaged(self.buffer_at + self.cursor as u64, error)),
            }
        }
    }

    fn buffer_end(&self) -> u64 {
        self.buffer_at + self.buffer.len() as u64
    }

    /// Appends the next chunk of the file, dropping what has been consumed.
    async fn read_more(&mut self) -> Result<(), MediaError> {
        self.buffer.drain(..self.cursor);
        self.buffer_at += self.cursor as u64;
        self.cursor = 0;
        let end = self.buffer_end();
        let more = self.source.read(end..end + CHUNK).await?;
        if more.is_empty() {
            return Err(MediaError::Fetch(format!("the file ends at byte {end}, before the {} bytes it was said to have", self.source.len())));
        }
        self.buffer.extend(more);
        Ok(())
    }

    /// The granule of the file's last page: where its audio ends.
    async fn last_granule(&mut self) -> Result<u64, MediaError> {
        let len = self.source.len();
        for tail in [PROBE, MAX_PAGE_LEN as u64] {
            let bytes = self.source.read(len.saturating_sub(tail)..len).await?;
            if let Some(granule) = stream::last_page(&bytes).and_then(|page| page.granule()) {
                return Ok(granule);
            }
        }
        Err(MediaError::Ogg(oggopus::OggError::MissingEos))
    }

    /// The offset of the last page whose granule is at most `goal`, `None` when even
    /// the first audio page ends after it. Bisection narrows the range to a probe's
    /// width, then the pages there are read in order.
    async fn page_before(&mut self, goal: u64) -> Result<Option<u64>, MediaError> {
        let (mut low, mut high) = (self.audio_start, self.source.len());
        let (mut low_granule, mut high_granule) = (0, self.duration + self.pre_skip);
        let mut probes = 0;
        while high - low > PROBE {
            let middle = if probes < INTERPOLATED_PROBES {
                // Opus at a steady bitrate puts granule `goal` about as far into the bytes
                // as into the audio: probing just before and just after that point closes
                // in on the page in a few reads, where halving takes log2(len / PROBE)
                // round trips (7 for a 5-minute message).
                let fraction = goal.saturating_sub(low_granule) as f64 / high_granule.saturating_sub(low_granule).max(1) as f64;
                let guess = low + ((high - low) as f64 * fraction.clamp(0.0, 1.0)) as u64;
                let guess = if probes % 2 == 0 { guess.saturating_sub(PROBE / 2) } else { guess + PROBE / 2 };
                guess.clamp(low + 1, high - 1)
            } else {
                low + (high - low) / 2
            };
            probes += 1;
            let bytes = self.source.read(middle..middle + PROBE).await?;
            match first_granule_page(&bytes) {
                Some((start, granule)) if granule <= goal => (low, low_granule) = (middle + start as u64, granule),
                Some((_, granule)) => (high, high_granule) = (middle, granule),
                None => high = middle,
            }
        }
        let mut best = None;
        let mut bytes = Vec::new();
        let mut at = 0;
        loop {
            match stream::page_at(&bytes, at) {
                Ok(Some(page)) => match page.granule() {
                    Some(granule) if granule > goal => return Ok(best),
                    granule => {
                        best = granule.map(|_| low + at as u64).or(best);
                        at = page.end();
                    }
                },
                Ok(None) => {
                    let end = low + bytes.len() as u64;
                    let more = self.source.read(end..end + PROBE).await?;
                    if more.is_empty() {
                        return Ok(best);
                    }
                    bytes.extend(more);
                }
                Err(_) => return Ok(best),
            }
        }
    }
}

/// The first page in `bytes` on which a packet completes: its start and granule.
fn first_granule_page(bytes: &[u8]) -> Option<(usize, u64)> {
    let mut from = 0;
    while let Some(page) = stream::find_page(bytes, from) {
        if let Some(granule) = page.granule() {
            return Some((page.start(), granule));
        }
        from = page.end();
    }
    None
}
