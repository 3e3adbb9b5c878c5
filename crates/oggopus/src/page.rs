//! One Ogg page (RFC 3533 section 6): parsing with all framing checks that
//! concern a page on its own, and writing.

use crate::{OggError, crc};

/// Header type flag: the page starts with the continuation of a packet.
pub(crate) const CONTINUED: u8 = 0x01;
/// Header type flag: first page of a logical stream.
pub(crate) const BOS: u8 = 0x02;
/// Header type flag: last page of a logical stream.
pub(crate) const EOS: u8 = 0x04;
/// Granule position of a page on which no packet completes (-1).
pub(crate) const NO_GRANULE: u64 = u64::MAX;
/// A lacing value below this ends a packet; this one continues it.
pub(crate) const MAX_LACING: u8 = 255;

const CAPTURE: [u8; 4] = *b"OggS";
const HEADER_LEN: usize = 27;
const CRC_AT: usize = 22;

/// A page borrowed from (or to be written to) a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page<'a> {
    pub(crate) flags: u8,
    pub(crate) granule: u64,
    pub(crate) serial: u32,
    pub(crate) sequence: u32,
    /// The segment table; at most 255 entries.
    pub(crate) lacing: &'a [u8],
    pub(crate) body: &'a [u8],
}

impl<'a> Page<'a> {
    pub(crate) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Parses the page at the start of `bytes`, which is page number
    /// `index` of the file, and returns it with its length in bytes.
    pub(crate) fn parse(bytes: &'a [u8], index: usize) -> Result<(Self, usize), OggError> {
        let bad = |reason| OggError::BadPage { page: index, reason };
        let n = bytes.len().min(CAPTURE.len());
        if bytes[..n] != CAPTURE[..n] {
            return Err(if index == 0 { OggError::NotOgg } else { bad("it does not start with the \"OggS\" capture pattern") });
        }
        let header: &[u8; HEADER_LEN] = bytes.first_chunk().ok_or(OggError::Truncated)?;
        if header[4] != 0 {
            return Err(bad("unsupported Ogg version (only version 0 exists)"));
        }
        let flags = header[5];
        if flags & !(CONTINUED | BOS | EOS) != 0 {
            return Err(bad("reserved header type flags are set"));
        }
        let body_at = HEADER_LEN + usize::from(header[26]);
        let lacing = bytes.get(HEADER_LEN..body_at).ok_or(OggError::Truncated)?;
        let end = body_at + lacing.iter().map(|&l| usize::from(l)).sum::<usize>();
        let body = bytes.get(body_at..end).ok_or(OggError::Truncated)?;

        let crc = crc::update(crc::update(0, &header[..CRC_AT]), &[0; 4]);
        let crc = crc::update(crc, &bytes[CRC_AT + 4..end]);
        if crc != u32::from_le_bytes(field(header, CRC_AT)) {
            return Err(OggError::BadCrc { page: index });
        }
        let page = Page {
            flags,
            granule: u64::from_le_bytes(field(header, 6)),
            serial: u32::from_le_bytes(field(header, 14)),
            sequence: u32::from_le_bytes(field(header, 18)),
            lacing,
            body,
        };
        Ok((page, end))
    }

    /// Appends the page, with its checksum, to `out`. The caller keeps the
    /// segment table within 255 entries and matching the body length.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        debug_assert!(self.lacing.len() <= usize::from(u8::MAX));
        debug_assert_eq!(self.lacing.iter().map(|&l| usize::from(l)).sum::<usize>(), self.body.len());
        let start = out.len();
        out.extend_from_slice(&CAPTURE);
        out.push(0);
        out.push(self.flags);
        out.extend_from_slice(&self.granule.to_le_bytes());
        out.extend_from_slice(&self.serial.to_le_bytes());
        out.extend_from_slice(&self.sequence.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.push(self.lacing.len() as u8);
        out.extend_from_slice(self.lacing);
        out.extend_from_slice(self.body);
        let crc = crc::update(0, &out[start..]);
        out[start + CRC_AT..start + CRC_AT + 4].copy_from_slice(&crc.to_le_bytes());
    }
}

/// The `N` bytes of the header starting at `at`.
fn field<const N: usize>(header: &[u8; HEADER_LEN], at: usize) -> [u8; N] {
    let mut bytes = [0; N];
    bytes.copy_from_slice(&header[at..at + N]);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let body: Vec<u8> = (0..=255u8).chain(0..44).collect();
        let page = Page { flags: CONTINUED | EOS, granule: 0x0102_0304_0506_0708, serial: 0xdead_beef, sequence: 7, lacing: &[255, 45], body: &body };
        let mut out = Vec::new();
        page.write(&mut out);
        out
    }

    #[test]
    fn write_then_parse_round_trips() {
        let bytes = sample();
        let (page, len) = Page::parse(&bytes, 3).expect("valid page");
        assert_eq!(len, bytes.len());
        assert_eq!(len, 27 + 2 + 300);
        assert_eq!(page.flags, CONTINUED | EOS);
        assert!(page.has(EOS) && !page.has(BOS));
        assert_eq!(page.granule, 0x0102_0304_0506_0708);
        assert_eq!(page.serial, 0xdead_beef);
        assert_eq!(page.sequence, 7);
        assert_eq!(page.lacing, &[255, 45]);
        assert_eq!(page.body.len(), 300);
    }

    #[test]
    fn parse_stops_at_page_end() {
        let mut bytes = sample();
        let len = bytes.len();
        bytes.extend_from_slice(b"OggS and more");
        assert_eq!(Page::parse(&bytes, 0).map(|(_, n)| n), Ok(len));
    }

    #[test]
    fn libogg_page_parses() {
        let file = include_bytes!("../testdata/sine_2500ms.opus");
        let (page, len) = Page::parse(file, 0).expect("valid page");
        assert_eq!(len, 47);
        assert_eq!((page.flags, page.granule, page.sequence), (BOS, 0, 0));
        assert_eq!(page.lacing, &[19]);
        assert!(page.body.starts_with(b"OpusHead"));
    }

    #[test]
    fn any_flipped_byte_is_detected() {
        let bytes = sample();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(Page::parse(&bad, 1).is_err(), "flip at {i} went unnoticed");
        }
        let mut bad = bytes.clone();
        bad[100] ^= 1;
        assert_eq!(Page::parse(&bad, 4), Err(OggError::BadCrc { page: 4 }));
    }

    #[test]
    fn every_truncation_is_reported() {
        let bytes = sample();
        for len in 0..bytes.len() {
            assert_eq!(Page::parse(&bytes[..len], 0), Err(OggError::Truncated), "length {len}");
        }
    }

    #[test]
    fn capture_pattern_is_required() {
        assert_eq!(Page::parse(b"RIFF....WAVE", 0), Err(OggError::NotOgg));
        assert!(matches!(Page::parse(b"Oggs", 2), Err(OggError::BadPage { page: 2, .. })));
    }

    #[test]
    fn version_and_reserved_flags_are_checked() {
        let mut bytes = sample();
        bytes[4] = 1;
        assert!(matches!(Page::parse(&bytes, 0), Err(OggError::BadPage { page: 0, .. })));
        let mut bytes = sample();
        bytes[5] |= 0x08;
        assert!(matches!(Page::parse(&bytes, 0), Err(OggError::BadPage { page: 0, .. })));
    }
}
