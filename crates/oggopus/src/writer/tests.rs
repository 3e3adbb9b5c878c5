use super::*;
use crate::test_util::{Rng, celt_packet, packets, pages};
use crate::{OggError, inspect, packet_samples_48k};

/// Writes `packets`, each with the sample count its TOC gives.
fn write(pre_skip: u16, vendor: &str, packets: &[Vec<u8>]) -> Vec<u8> {
    let mut writer = OggOpusWriter::new(1, 48_000, pre_skip, vendor);
    for packet in packets {
        writer.push_packet(packet, packet_samples_48k(packet).expect("valid packet"));
    }
    writer.finish()
}

/// A 20 ms packet of exactly `len` bytes (at least 103): code 3, one frame
/// of 100 to 101 bytes, and padding.
fn padded_packet(len: usize) -> Vec<u8> {
    let (padding, frame) = (0..len).map(|p| (p, len.saturating_sub(3 + p / 254 + p))).find(|&(_, frame)| frame <= 101).expect("long enough");
    let mut packet = vec![31 << 3 | 3, 0x41];
    packet.extend(std::iter::repeat_n(255, padding / 254));
    packet.push((padding % 254) as u8);
    packet.extend(std::iter::repeat_n(7, frame + padding));
    assert_eq!(packet.len(), len);
    packet
}

#[test]
fn header_pages_follow_rfc_7845() {
    let file = write(312, "restphone", &[celt_packet(1, 20, 0)]);
    let pages = pages(&file);
    assert_eq!(pages.len(), 3);
    let (head, tags, audio) = (&pages[0].1, &pages[1].1, &pages[2].1);
    assert_eq!((head.flags, head.granule, head.sequence), (BOS, 0, 0));
    assert_eq!(head.lacing, [19]);
    assert_eq!(head.body, b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0");
    assert_eq!((tags.flags, tags.granule, tags.sequence), (0, 0, 1));
    assert_eq!(tags.body, b"OpusTags\x09\0\0\0restphone\0\0\0\0");
    assert_eq!((audio.flags, audio.granule, audio.sequence), (EOS, 960, 2));
    let info = inspect(&file).expect("valid file");
    assert_eq!((info.vendor.as_str(), info.packets, info.duration_ms), ("restphone", 1, 13));
}

#[test]
fn pages_hold_at_most_50_packets_or_about_a_second() {
    for (frames, count) in [(1u8, 260usize), (3, 100)] {
        let sent: Vec<Vec<u8>> = (0..count).map(|i| celt_packet(frames, 40, i as u8)).collect();
        let file = write(0, "v", &sent);
        let per_packet = 960 * u64::from(frames);
        let mut previous = 0;
        for (_, page) in &pages(&file)[2..] {
            let packets = page.lacing.len() as u64;
            assert!(packets <= 50);
            assert_eq!(page.granule - previous, packets * per_packet);
            assert!(page.granule - previous < 48_000 + per_packet);
            previous = page.granule;
        }
        let info = inspect(&file).expect("valid file");
        assert_eq!(info.packets, count);
        assert_eq!(info.duration_ms, count as u64 * per_packet / 48);
        assert_eq!(packets(&file)[2..], sent[..]);
    }
}

#[test]
fn large_packets_span_pages_and_round_trip() {
    // 80 ms packets of 5002 bytes: 20 segments each, so pages overflow.
    let sent: Vec<Vec<u8>> = (0..40).map(|i| celt_packet(4, 1250, i)).collect();
    let file = write(312, "v", &sent);
    let pages = pages(&file);
    assert!(pages.iter().any(|(_, p)| p.flags & CONTINUED != 0));
    assert!(pages.iter().all(|(_, p)| p.lacing.len() <= 255));
    let info = inspect(&file).expect("valid file");
    assert_eq!((info.packets, info.duration_ms), (40, (40 * 3840 - 312) / 48));
    assert_eq!(packets(&file)[2..], sent[..]);
}

#[test]
fn a_page_spanned_by_one_packet_has_no_granule() {
    // 49 packets of 4 segments, then a padded 20 ms packet of 321 segments.
    let mut sent: Vec<Vec<u8>> = (0..49).map(|i| celt_packet(1, 1000, i)).collect();
    sent.push(padded_packet(255 * 320));
    let file = write(0, "v", &sent);
    let pages = pages(&file);
    // Pages: 196 + 59 segments, then 255 segments of the big packet alone,
    // then its last 7.
    let granules: Vec<u64> = pages[2..].iter().map(|(_, p)| p.granule).collect();
    assert_eq!(granules, [49 * 960, NO_GRANULE, 50 * 960]);
    assert_eq!(pages[3].1.lacing.len(), 255);
    assert_eq!(pages[4].1.lacing, [255, 255, 255, 255, 255, 255, 0]);
    assert_eq!(inspect(&file).map(|i| i.packets), Ok(50));
    assert_eq!(packets(&file)[2..], sent[..]);
}

#[test]
fn a_page_filled_exactly_leaves_the_next_one_uncontinued() {
    // 15 packets of 17 segments fill a page exactly.
    let sent: Vec<Vec<u8>> = (0..16).map(|_| padded_packet(4100)).collect();
    let file = write(0, "v", &sent);
    let pages = pages(&file);
    assert_eq!(pages.len(), 4);
    assert_eq!(pages[2].1.lacing.len(), 255);
    assert_eq!(pages[3].1.flags, EOS);
    assert_eq!(inspect(&file).map(|i| i.duration_ms), Ok(16 * 20));
    // A packet of a multiple of 255 bytes ends with a 0 lacing value.
    let file = write(0, "v", &[padded_packet(510)]);
    assert_eq!(crate::test_util::pages(&file)[2].1.lacing, [255, 255, 0]);
    assert!(inspect(&file).is_ok());
}

#[test]
fn a_long_vendor_string_spans_header_pages() {
    let vendor = "x".repeat(70_000);
    let file = write(0, &vendor, &[celt_packet(1, 10, 0)]);
    let pages = pages(&file);
    assert_eq!(pages.len(), 4);
    assert_eq!((pages[1].1.granule, pages[2].1.granule), (0, 0));
    assert_eq!(pages[2].1.flags, CONTINUED);
    assert_eq!(inspect(&file).map(|i| i.vendor), Ok(vendor));
}

#[test]
fn odd_uses_give_files_inspect_explains() {
    // No audio: the OpusTags page ends the stream.
    let file = OggOpusWriter::new(1, 8000, 0, "v").finish();
    assert_eq!(pages(&file)[1].1.flags, EOS);
    assert_eq!(inspect(&file), Err(OggError::NoAudio));
    // Less audio than the pre-skip.
    let file = write(3840, "v", &[celt_packet(1, 10, 0)]);
    assert!(matches!(inspect(&file), Err(OggError::BadPage { page: 2, .. })));
    // Channel counts outside family 0 are clamped.
    for (asked, got) in [(0, 1), (1, 1), (2, 2), (6, 2)] {
        let mut writer = OggOpusWriter::new(asked, 8000, 0, "v");
        writer.push_packet(&celt_packet(1, 10, 0), 960);
        assert_eq!(inspect(&writer.finish()).map(|i| i.channels), Ok(got));
    }
}

/// Random packet shapes and counts: the output always passes `inspect`,
/// reports what was written and gives the packets back unchanged.
#[test]
fn random_streams_round_trip() {
    let mut rng = Rng::new(4);
    for _ in 0..100 {
        let count = 1 + rng.below(120);
        let sent: Vec<Vec<u8>> = (0..count)
            .map(|_| match rng.below(10) {
                0 => padded_packet(103 + rng.below(10_000)),
                1 => vec![rng.byte() & 0xfc], // code 0, empty frame
                _ => celt_packet(1 + rng.below(6) as u8, rng.below(1276), rng.byte()),
            })
            .collect();
        let samples: u64 = sent.iter().map(|p| u64::from(packet_samples_48k(p).expect("valid packet"))).sum();
        let pre_skip = rng.below(samples.min(u64::from(u16::MAX)) as usize + 1) as u16;
        let file = write(pre_skip, "random", &sent);
        let info = inspect(&file).expect("writer output is valid");
        assert_eq!(info.packets, count);
        assert_eq!(info.duration_ms, (samples - u64::from(pre_skip)) / 48);
        assert_eq!(packets(&file)[2..], sent[..]);
    }
}
