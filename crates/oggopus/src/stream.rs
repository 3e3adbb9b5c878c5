//! Reading a file piece by piece, as a player streaming it by byte ranges does:
//! pages found anywhere in a buffer, packets joined again across pages, and the
//! pre-skip of the OpusHead. Checking a whole file is [`inspect`](crate::inspect)'s
//! job; here a damaged page (bad checksum, bad framing) is simply not a page.

use crate::OggError;
use crate::opus::OpusHead;
use crate::page::{CONTINUED, EOS, MAX_LACING, NO_GRANULE, Page};

/// The longest an Ogg page can be: a full header and 255 segments of 255 bytes.
pub const MAX_PAGE_LEN: usize = 27 + 255 + 255 * 255;

/// A whole, valid page found in a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamPage<'a> {
    page: Page<'a>,
    start: usize,
    end: usize,
}

impl StreamPage<'_> {
    /// Where the page starts in the buffer it was found in.
    pub fn start(&self) -> usize {
        self.start
    }

    /// Where the page ends in that buffer (one past its last byte).
    pub fn end(&self) -> usize {
        self.end
    }

    /// Samples at 48 kHz (pre-skip included) up to the end of the last packet that
    /// completes on this page; `None` when no packet does.
    pub fn granule(&self) -> Option<u64> {
        (self.page.granule != NO_GRANULE).then_some(self.page.granule)
    }

    /// Whether the page starts with the rest of a packet begun on an earlier page.
    pub fn is_continued(&self) -> bool {
        self.page.has(CONTINUED)
    }

    /// Whether this is the stream's last page.
    pub fn is_last(&self) -> bool {
        self.page.has(EOS)
    }
}

/// The page starting exactly at `start`: `Ok(None)` when `bytes` ends inside it,
/// an error when there is no valid page there.
pub fn page_at(bytes: &[u8], start: usize) -> Result<Option<StreamPage<'_>>, OggError> {
    match Page::parse(bytes.get(start..).unwrap_or_default(), 0) {
        Ok((page, len)) => Ok(Some(StreamPage { page, start, end: start + len })),
        Err(OggError::Truncated) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The first whole, valid page at or after `from`.
pub fn find_page(bytes: &[u8], from: usize) -> Option<StreamPage<'_>> {
    (from..bytes.len()).filter(|&at| bytes[at..].starts_with(b"OggS")).find_map(|at| page_at(bytes, at).ok().flatten())
}

/// The last whole, valid page in `bytes`.
pub fn last_page(bytes: &[u8]) -> Option<StreamPage<'_>> {
    (0..bytes.len()).rev().filter(|&at| bytes[at..].starts_with(b"OggS")).find_map(|at| page_at(bytes, at).ok().flatten())
}

/// Samples to drop from the start of the decoded audio, read from the stream's first
/// packet (its OpusHead).
pub fn pre_skip(head_packet: &[u8]) -> Result<u16, OggError> {
    OpusHead::parse(head_packet).map(|head| head.pre_skip)
}

/// Puts packets back together from consecutive pages.
#[derive(Debug, Default)]
pub struct PacketJoiner {
    /// A packet that goes on past the last page fed.
    partial: Option<Vec<u8>>,
}

impl PacketJoiner {
    /// The packets that complete on `page`, in order. A continued page whose packet
    /// start was never fed (the first page read after a seek) has that piece dropped.
    pub fn feed(&mut self, page: &StreamPage<'_>) -> Vec<Vec<u8>> {
        let mut packets = Vec::new();
        let mut packet = match self.partial.take() {
            Some(partial) if page.is_continued() => Some(partial),
            _ => None,
        };
        // Whether the piece being read belongs to a packet whose start is missing.
        let mut orphan = page.is_continued() && packet.is_none();
        let mut body = page.page.body;
        for &lacing in page.page.lacing {
            let (segment, rest) = body.split_at(usize::from(lacing));
            body = rest;
            if !orphan {
                packet.get_or_insert_with(Vec::new).extend_from_slice(segment);
            }
            if lacing < MAX_LACING {
                packets.extend(packet.take().filter(|_| !orphan));
                orphan = false;
            }
        }
        self.partial = packet;
        packets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OggOpusWriter;

    /// A 20 ms CELT packet of `len` bytes (TOC config 31, code 0).
    fn packet(len: usize, fill: u8) -> Vec<u8> {
        let mut packet = vec![fill; len];
        packet[0] = 31 << 3;
        packet
    }

    fn file(packets: &[Vec<u8>]) -> Vec<u8> {
        let mut writer = OggOpusWriter::new(1, 48_000, 312, "test");
        packets.iter().for_each(|p| writer.push_packet(p, 960));
        writer.finish()
    }

    /// Every page of `bytes`, front to back.
    fn pages(bytes: &[u8]) -> Vec<StreamPage<'_>> {
        let mut pages = Vec::new();
        let mut at = 0;
        while let Some(page) = page_at(bytes, at).unwrap() {
            at = page.end();
            pages.push(page);
            if at == bytes.len() {
                break;
            }
        }
        pages
    }

    #[test]
    fn packets_come_back_whole_even_when_split_over_pages() {
        // Six segments each: 50 of them overflow a page's 255 segments, so some page ends mid-packet.
        let sent: Vec<Vec<u8>> = (0..200).map(|i| packet(1300, i as u8)).collect();
        let bytes = file(&sent);
        let pages = pages(&bytes);
        assert!(pages.iter().any(StreamPage::is_continued), "the test needs a packet split over pages");
        let mut joiner = PacketJoiner::default();
        let received: Vec<Vec<u8>> = pages.iter().flat_map(|page| joiner.feed(page)).collect();
        assert_eq!(&received[..2].iter().map(|p| &p[..8]).collect::<Vec<_>>(), &[b"OpusHead", b"OpusTags"]);
        assert_eq!(received[2..], sent[..]);
        assert_eq!(pre_skip(&received[0]), Ok(312));
        assert!(pages.last().unwrap().is_last());
        assert_eq!(pages.last().unwrap().granule(), Some(200 * 960));
    }

    #[test]
    fn a_continued_page_read_first_drops_the_piece_it_cannot_place() {
        let sent: Vec<Vec<u8>> = (0..200).map(|i| packet(1300, i as u8)).collect();
        let bytes = file(&sent);
        let continued = pages(&bytes).into_iter().find(StreamPage::is_continued).unwrap();
        let packets = PacketJoiner::default().feed(&continued);
        assert!(!packets.is_empty());
        assert!(packets.iter().all(|p| sent.contains(p)), "every packet is one that was sent, whole");
    }

    #[test]
    fn pages_are_found_from_anywhere_and_damage_is_skipped() {
        let sent: Vec<Vec<u8>> = (0..300).map(|i| packet(40, i as u8)).collect();
        let mut bytes = file(&sent);
        let all: Vec<(usize, usize)> = pages(&bytes).iter().map(|p| (p.start(), p.end())).collect();
        assert!(all.len() >= 5, "{all:?}");
        let (second_start, second_end) = all[2];
        assert_eq!(find_page(&bytes, 1).map(|p| p.start()), Some(all[1].0));
        assert_eq!(last_page(&bytes).map(|p| p.start()), Some(all.last().unwrap().0));
        // A page cut short is "not yet", a damaged one is an error, and a search skips it.
        assert_eq!(page_at(&bytes[..second_end - 1], second_start), Ok(None));
        bytes[second_start + 40] ^= 0xff;
        assert!(matches!(page_at(&bytes, second_start), Err(OggError::BadCrc { .. })));
        assert_eq!(find_page(&bytes, second_start).map(|p| p.start()), Some(all[3].0));
        assert_eq!(find_page(b"no pages here at all", 0), None);
        assert_eq!(last_page(b""), None);
    }
}
