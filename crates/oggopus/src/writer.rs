//! Building an Ogg Opus file in memory from Opus packets.

use crate::page::{BOS, CONTINUED, EOS, MAX_LACING, NO_GRANULE, Page};

/// Serial number of the single logical stream written.
const SERIAL: u32 = 0x7265_7370;
/// A page is closed once it holds this many packets...
const PAGE_PACKETS: usize = 50;
/// ...or this many samples of audio (1 s at 48 kHz), or 255 segments.
const PAGE_SAMPLES: u64 = 48_000;
const MAX_SEGMENTS: usize = 255;

/// Writes one Opus stream (channel mapping family 0) as an Ogg Opus file:
/// OpusHead alone on page 0, OpusTags from page 1 ending its page, then the
/// audio packets, with the end-of-stream flag on the last page.
///
/// Packets are stored as given: pass valid, non-empty Opus packets (see
/// [`packet_samples_48k`](crate::packet_samples_48k)) and at least
/// `pre_skip` samples in total, or [`inspect`](crate::inspect) will reject
/// the result.
#[derive(Debug)]
pub struct OggOpusWriter {
    out: Vec<u8>,
    /// Sequence number of the next page.
    sequence: u32,
    /// Samples of all audio packets pushed: the granule position.
    granule: u64,
    /// Whether the header pages are written and audio pages follow.
    audio: bool,
    page: PendingPage,
}

/// The page being filled.
#[derive(Debug, Default)]
struct PendingPage {
    continued: bool,
    lacing: Vec<u8>,
    body: Vec<u8>,
    /// Packets completed on this page, and their samples.
    packets: usize,
    samples: u64,
}

impl OggOpusWriter {
    /// Starts a file. Only mapping family 0 is written, so `channels` is
    /// clamped to 1 or 2. The comment list is empty.
    pub fn new(channels: u8, input_sample_rate: u32, pre_skip: u16, vendor: &str) -> Self {
        let mut head = Vec::with_capacity(19);
        head.extend_from_slice(b"OpusHead");
        head.push(1); // version
        head.push(channels.clamp(1, 2));
        head.extend_from_slice(&pre_skip.to_le_bytes());
        head.extend_from_slice(&input_sample_rate.to_le_bytes());
        head.extend_from_slice(&0i16.to_le_bytes()); // output gain
        head.push(0); // channel mapping family
        let mut out = Vec::new();
        Page { flags: BOS, granule: 0, serial: SERIAL, sequence: 0, lacing: &[19], body: &head }.write(&mut out);

        let vendor = vendor.as_bytes();
        let vendor_len = u32::try_from(vendor.len()).unwrap_or(u32::MAX);
        let mut tags = b"OpusTags".to_vec();
        tags.extend_from_slice(&vendor_len.to_le_bytes());
        tags.extend_from_slice(vendor.get(..vendor_len as usize).unwrap_or(vendor));
        tags.extend_from_slice(&0u32.to_le_bytes()); // comment count

        let mut writer = Self { out, sequence: 1, granule: 0, audio: false, page: PendingPage::default() };
        writer.add_packet(&tags, 0);
        writer
    }

    /// Appends one Opus packet holding `samples_48k` samples at 48 kHz (960
    /// for 20 ms), which advance the granule position.
    pub fn push_packet(&mut self, packet: &[u8], samples_48k: u32) {
        if !self.audio {
            // OpusTags ends its page; audio starts on a fresh one.
            self.flush(0);
            self.audio = true;
        } else if self.page.packets >= PAGE_PACKETS || self.page.samples >= PAGE_SAMPLES {
            self.flush(0);
        }
        self.add_packet(packet, u64::from(samples_48k));
    }

    /// Writes the last page, with the end-of-stream flag, and returns the file.
    pub fn finish(mut self) -> Vec<u8> {
        self.flush(EOS);
        self.out
    }

    /// Laces `packet` into the pending page, writing out pages that fill up
    /// with 255 segments on the way.
    fn add_packet(&mut self, packet: &[u8], samples: u64) {
        let mut rest = packet;
        let mut first = true;
        loop {
            if self.page.lacing.len() == MAX_SEGMENTS {
                self.flush(0);
                self.page.continued = !first;
            }
            let (segment, after) = rest.split_at(rest.len().min(usize::from(MAX_LACING)));
            self.page.lacing.push(segment.len() as u8);
            self.page.body.extend_from_slice(segment);
            rest = after;
            first = false;
            if segment.len() < usize::from(MAX_LACING) {
                break;
            }
        }
        self.granule += samples;
        self.page.packets += 1;
        self.page.samples += samples;
    }

    /// Writes the pending page with `flags` added and starts an empty one.
    fn flush(&mut self, flags: u8) {
        let granule = match (self.audio, self.page.packets) {
            (false, _) => 0,
            (true, 0) => NO_GRANULE,
            (true, _) => self.granule,
        };
        let page = Page {
            flags: flags | if self.page.continued { CONTINUED } else { 0 },
            granule,
            serial: SERIAL,
            sequence: self.sequence,
            lacing: &self.page.lacing,
            body: &self.page.body,
        };
        page.write(&mut self.out);
        self.sequence = self.sequence.wrapping_add(1);
        self.page = PendingPage::default();
    }
}

#[cfg(test)]
mod tests;
