//! Helpers shared by the unit tests: a deterministic PRNG, hand-built pages
//! and packets, and an independent packet reader.

use crate::page::{MAX_LACING, Page};

/// A file written by opusenc 0.2 (libopus 1.3.1, libogg): 2.5 s of a 440 Hz
/// sine, mono, 12 kbit/s, pre-skip 312, three pages of audio.
pub(crate) const OPUSENC_FILE: &[u8] = include_bytes!("../testdata/sine_2500ms.opus");

/// xorshift64*: small, deterministic, good enough to pick test inputs.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..n`; `n` must not be 0.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn byte(&mut self) -> u8 {
        (self.next() >> 56) as u8
    }
}

/// The segment table of one whole packet of `len` bytes.
pub(crate) fn lacing(len: usize) -> Vec<u8> {
    let mut table = vec![MAX_LACING; len / 255];
    table.push((len % 255) as u8);
    table
}

/// An OpusHead header for mapping family 0.
pub(crate) fn opus_head(channels: u8, pre_skip: u16) -> Vec<u8> {
    let mut head = b"OpusHead".to_vec();
    head.extend_from_slice(&[1, channels]);
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&16_000u32.to_le_bytes());
    head.extend_from_slice(&[0, 0, 0]);
    head
}

/// An OpusTags header with no comments.
pub(crate) fn opus_tags(vendor: &str) -> Vec<u8> {
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor.as_bytes());
    tags.extend_from_slice(&[0; 4]);
    tags
}

/// A valid CELT packet of `frames` 20 ms frames of `frame_len` bytes each
/// (code 0 for one frame, else code 3 CBR), with varied content.
pub(crate) fn celt_packet(frames: u8, frame_len: usize, seed: u8) -> Vec<u8> {
    let mut packet = if frames == 1 { vec![31 << 3] } else { vec![31 << 3 | 3, frames] };
    let data = usize::from(frames) * frame_len;
    packet.extend((0..data).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    packet
}

/// Builds a stream by hand, page by page, with consecutive sequence numbers.
pub(crate) struct StreamBuilder {
    pub(crate) out: Vec<u8>,
    pub(crate) serial: u32,
    sequence: u32,
}

impl StreamBuilder {
    pub(crate) fn new(serial: u32) -> Self {
        Self { out: Vec::new(), serial, sequence: 0 }
    }

    /// Starts a stream with OpusHead and OpusTags pages as RFC 7845 wants.
    pub(crate) fn with_headers(pre_skip: u16) -> Self {
        let mut stream = Self::new(0x1234);
        stream.packets(crate::page::BOS, 0, &[&opus_head(1, pre_skip)]);
        stream.packets(0, 0, &[&opus_tags("test")]);
        stream
    }

    /// Writes a page with a raw segment table.
    pub(crate) fn raw(&mut self, flags: u8, granule: u64, lacing: &[u8], body: &[u8]) -> &mut Self {
        let page = Page { flags, granule, serial: self.serial, sequence: self.sequence, lacing, body };
        page.write(&mut self.out);
        self.sequence += 1;
        self
    }

    /// Writes a page holding the whole `packets`.
    pub(crate) fn packets(&mut self, flags: u8, granule: u64, packets: &[&[u8]]) -> &mut Self {
        let table: Vec<u8> = packets.iter().flat_map(|p| lacing(p.len())).collect();
        self.raw(flags, granule, &table, &packets.concat())
    }
}

/// An owned copy of a page, to mutate and write back with a fresh CRC.
#[derive(Clone)]
pub(crate) struct OwnedPage {
    pub(crate) flags: u8,
    pub(crate) granule: u64,
    pub(crate) serial: u32,
    pub(crate) sequence: u32,
    pub(crate) lacing: Vec<u8>,
    pub(crate) body: Vec<u8>,
}

impl OwnedPage {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let page = Page { flags: self.flags, granule: self.granule, serial: self.serial, sequence: self.sequence, lacing: &self.lacing, body: &self.body };
        page.write(out);
    }
}

/// The pages of a valid file, with their offsets.
pub(crate) fn pages(mut bytes: &[u8]) -> Vec<(usize, OwnedPage)> {
    let mut pages = Vec::new();
    let mut offset = 0;
    while !bytes.is_empty() {
        let (page, len) = Page::parse(bytes, pages.len()).expect("valid page");
        let owned = OwnedPage {
            flags: page.flags,
            granule: page.granule,
            serial: page.serial,
            sequence: page.sequence,
            lacing: page.lacing.to_vec(),
            body: page.body.to_vec(),
        };
        pages.push((offset, owned));
        offset += len;
        bytes = &bytes[len..];
    }
    pages
}

/// All packets of a valid file, reassembled without any of `inspect`'s code.
pub(crate) fn packets(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    let mut packet = Vec::new();
    for (_, page) in pages(bytes) {
        let mut body = &page.body[..];
        for &l in &page.lacing {
            let (segment, rest) = body.split_at(usize::from(l));
            packet.extend_from_slice(segment);
            body = rest;
            if l < MAX_LACING {
                packets.push(std::mem::take(&mut packet));
            }
        }
    }
    packets
}
