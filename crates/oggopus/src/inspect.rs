//! Validation of a complete Ogg Opus file: Ogg framing across pages
//! (RFC 3533), the header layout and granule positions (RFC 7845) and the
//! TOC of every audio packet (RFC 6716).

use crate::OggError;
use crate::opus::{self, OpusHead};
use crate::page::{BOS, CONTINUED, EOS, MAX_LACING, NO_GRANULE, Page};

/// What [`inspect`] reports about a valid Ogg Opus file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpusInfo {
    /// Output channel count from OpusHead.
    pub channels: u8,
    /// Samples at 48 kHz to discard from the start of the decoded audio.
    pub pre_skip: u16,
    /// Sample rate of the encoder's input, informational only (0 if unknown).
    pub input_sample_rate: u32,
    /// Playback duration in whole milliseconds: the final granule position,
    /// less the stream's start offset (usually 0) and the pre-skip, at 48 kHz.
    pub duration_ms: u64,
    /// Number of audio packets (the two header packets not counted).
    pub packets: usize,
    /// The encoder's vendor string from OpusTags.
    pub vendor: String,
}

/// Validates a complete Ogg Opus file holding a single Opus stream and
/// describes it. Never panics, whatever the input.
pub fn inspect(bytes: &[u8]) -> Result<OpusInfo, OggError> {
    read(bytes, Stream::default()).map(|(info, _)| info)
}

/// Validates a complete Ogg Opus file as [`inspect`] does and returns its
/// audio packets in order (the two header packets left out), for decoding.
pub fn audio_packets(bytes: &[u8]) -> Result<Vec<Vec<u8>>, OggError> {
    read(bytes, Stream { kept: Some(Vec::new()), ..Stream::default() }).map(|(_, packets)| packets)
}

/// Walks the pages of `bytes` through `stream`, returning what it found and
/// the audio packets it kept (none unless `stream.kept` is set).
fn read(bytes: &[u8], mut stream: Stream) -> Result<(OpusInfo, Vec<Vec<u8>>), OggError> {
    if bytes.is_empty() {
        return Err(OggError::Empty);
    }
    let mut pages = Pages { bytes, index: 0, last: None, ended: false };
    // The packet being reassembled, and whether it goes on past this page.
    let mut packet = Vec::new();
    let mut open = false;
    let mut last_page = 0;
    while let Some((index, page)) = pages.next()? {
        if index == 0 && !page.body.starts_with(b"OpusHead") {
            return Err(OggError::NotOpus);
        }
        if page.has(CONTINUED) != open {
            return Err(OggError::BadPage {
                page: index,
                reason: if open {
                    "the previous page ends inside a packet but this page lacks the continued-packet flag"
                } else {
                    "the continued-packet flag is set but no packet is left to continue"
                },
            });
        }
        let header_page = stream.vendor.is_none();
        let mut body = page.body;
        let mut completed = 0;
        for (i, &lacing) in page.lacing.iter().enumerate() {
            // Page::parse made the body exactly as long as the lacing says.
            let (segment, rest) = body.split_at_checked(usize::from(lacing)).ok_or(OggError::Truncated)?;
            body = rest;
            packet.extend_from_slice(segment);
            if lacing < MAX_LACING {
                completed += 1;
                stream.packet(&packet, index, i + 1 == page.lacing.len())?;
                packet.clear();
            }
        }
        open = page.lacing.last().map_or(open, |&l| l == MAX_LACING);
        stream.page_end(index, &page, header_page, completed)?;
        last_page = index;
    }
    if open {
        return Err(OggError::BadPage { page: last_page, reason: "the last page ends in the middle of a packet" });
    }
    let kept = stream.kept.take().unwrap_or_default();
    Ok((stream.finish(last_page)?, kept))
}

/// Reads pages one after another and checks how each follows the previous
/// one: a single serial number, consecutive sequence numbers, the
/// beginning-of-stream flag on the first page only and nothing after the
/// end-of-stream page.
struct Pages<'a> {
    bytes: &'a [u8],
    index: usize,
    /// Serial and sequence number of the previous page.
    last: Option<(u32, u32)>,
    ended: bool,
}

impl<'a> Pages<'a> {
    fn next(&mut self) -> Result<Option<(usize, Page<'a>)>, OggError> {
        let index = self.index;
        if self.bytes.is_empty() {
            return if self.ended { Ok(None) } else { Err(OggError::MissingEos) };
        }
        let bad = |reason| OggError::BadPage { page: index, reason };
        let parsed = Page::parse(self.bytes, index);
        if self.ended {
            return Err(match (parsed, self.last) {
                (Ok((page, _)), Some((serial, _))) if page.serial != serial => OggError::MultipleStreams,
                _ => bad("there is data after the end-of-stream page"),
            });
        }
        let (page, len) = parsed?;
        match self.last {
            None if !page.has(BOS) => {
                return Err(bad("the first page lacks the beginning-of-stream flag"));
            }
            None => {}
            Some((serial, _)) if page.serial != serial => return Err(OggError::MultipleStreams),
            Some(_) if page.has(BOS) => {
                return Err(bad("only the first page may have the beginning-of-stream flag"));
            }
            Some((_, sequence)) if page.sequence != sequence.wrapping_add(1) => {
                return Err(bad("the page sequence number is out of order (a page is missing or repeated)"));
            }
            Some(_) => {}
        }
        self.last = Some((page.serial, page.sequence));
        self.ended = page.has(EOS);
        self.bytes = self.bytes.get(len..).unwrap_or_default();
        self.index += 1;
        Ok(Some((index, page)))
    }
}

/// What the packets and granule positions have shown so far.
#[derive(Default)]
struct Stream {
    head: Option<OpusHead>,
    vendor: Option<String>,
    audio_packets: usize,
    /// Samples in all audio packets completed so far, from their TOCs.
    samples: u64,
    /// Granule position the stream starts at, known after the first page on
    /// which an audio packet completes.
    start: Option<u64>,
    /// Granule position of the last page on which an audio packet completed.
    granule: Option<u64>,
    /// The audio packets, when the caller wants them.
    kept: Option<Vec<Vec<u8>>>,
}

impl Stream {
    /// Takes the next complete packet, which ends on page `page`, as its
    /// last packet if `ends_page`.
    fn packet(&mut self, packet: &[u8], page: usize, ends_page: bool) -> Result<(), OggError> {
        let Some(head) = &self.head else {
            if page != 0 || !ends_page {
                return Err(OggError::BadPage { page, reason: "the OpusHead header must be alone on the first page" });
            }
            self.head = Some(OpusHead::parse(packet)?);
            return Ok(());
        };
        if self.vendor.is_none() {
            if !ends_page {
                return Err(OggError::BadPage { page, reason: "audio data shares a page with the OpusTags header" });
            }
            self.vendor = Some(opus::parse_tags(packet)?);
            return Ok(());
        }
        let index = self.audio_packets;
        let samples = opus::samples(packet, head.streams == 1).map_err(|reason| OggError::BadPacket { index, reason })?;
        self.audio_packets += 1;
        self.samples += u64::from(samples);
        if let Some(kept) = &mut self.kept {
            kept.push(packet.to_vec());
        }
        Ok(())
    }

    /// Checks the granule position of a page on which `completed` packets
    /// ended, a header page if `header_page`.
    fn page_end(&mut self, index: usize, page: &Page<'_>, header_page: bool, completed: usize) -> Result<(), OggError> {
        let bad = |reason| OggError::BadPage { page: index, reason };
        if self.head.is_none() {
            return Err(bad("the OpusHead header must be alone on the first page"));
        }
        let granule = page.granule;
        if header_page {
            if granule != 0 && !(completed == 0 && granule == NO_GRANULE) {
                return Err(bad("header pages must have granule position 0"));
            }
            return Ok(());
        }
        if completed == 0 {
            return Ok(());
        }
        if granule == NO_GRANULE {
            return Err(bad("a page on which a packet ends has no granule position"));
        }
        if self.granule.is_some_and(|previous| granule < previous) {
            return Err(bad("the granule position goes backwards"));
        }
        let start = match self.start {
            Some(start) => start,
            // A first audio page that also ends the stream may trim its end,
            // so it cannot also announce a start offset.
            None if page.has(EOS) => 0,
            None => granule.checked_sub(self.samples).ok_or(bad("the granule position is smaller than the audio on the first audio page"))?,
        };
        if granule.saturating_sub(start) > self.samples {
            return Err(bad("the granule position counts more audio than the packets hold"));
        }
        self.start = Some(start);
        self.granule = Some(granule);
        Ok(())
    }

    fn finish(self, last_page: usize) -> Result<OpusInfo, OggError> {
        let head = self.head.ok_or(OggError::NotOpus)?;
        let vendor = self.vendor.ok_or(OggError::BadHeader("the OpusTags header is missing"))?;
        let (Some(granule), Some(start)) = (self.granule, self.start) else {
            return Err(OggError::NoAudio);
        };
        let played = granule.saturating_sub(start);
        let audible = played
            .checked_sub(u64::from(head.pre_skip))
            .ok_or(OggError::BadPage { page: last_page, reason: "the stream holds less audio than its pre-skip" })?;
        Ok(OpusInfo {
            channels: head.channels,
            pre_skip: head.pre_skip,
            input_sample_rate: head.input_sample_rate,
            duration_ms: audible / 48,
            packets: self.audio_packets,
            vendor,
        })
    }
}

#[cfg(test)]
mod tests;
