use super::*;
use crate::OggOpusWriter;
use crate::test_util::{OPUSENC_FILE, OwnedPage, Rng, StreamBuilder, celt_packet, opus_head, opus_tags, pages};

fn bad_page(result: Result<OpusInfo, OggError>) -> usize {
    match result {
        Err(OggError::BadPage { page, .. }) => page,
        other => panic!("expected BadPage, got {other:?}"),
    }
}

fn write_all(pages: &[OwnedPage]) -> Vec<u8> {
    let mut out = Vec::new();
    for page in pages {
        page.write(&mut out);
    }
    out
}

/// Headers, then one EOS page with three 20 ms packets; pre-skip 312.
fn minimal() -> Vec<u8> {
    let p = celt_packet(1, 10, 0);
    StreamBuilder::with_headers(312).packets(EOS, 3 * 960, &[&p, &p, &p]).out.clone()
}

/// A 1000-byte packet between two small ones, spread over three pages
/// (one of them wholly inside the big packet).
fn crossing() -> Vec<u8> {
    let small = celt_packet(1, 10, 1);
    let big = celt_packet(1, 999, 2);
    let mut first = small.clone();
    first.extend_from_slice(&big[..255]);
    let mut last = big[510..].to_vec();
    last.extend_from_slice(&small);
    let mut stream = StreamBuilder::with_headers(0);
    stream.raw(0, 960, &[11, 255], &first).raw(CONTINUED, NO_GRANULE, &[255], &big[255..510]).raw(CONTINUED | EOS, 3 * 960, &[255, 235, 11], &last);
    stream.out
}

fn writer_file() -> Vec<u8> {
    let mut writer = OggOpusWriter::new(2, 44_100, 312, "w");
    for i in 0..120u8 {
        writer.push_packet(&celt_packet(1 + i % 3, 12, i), 960 * u32::from(1 + i % 3));
    }
    writer.finish()
}

#[test]
fn opusenc_file_is_accepted() {
    let info = inspect(OPUSENC_FILE).expect("valid file");
    let expected = OpusInfo {
        channels: 1,
        pre_skip: 312,
        input_sample_rate: 48_000,
        duration_ms: 2500,
        packets: 126,
        vendor: "libopus 1.3.1, libopusenc 0.2.1".to_string(),
    };
    assert_eq!(info, expected);
}

#[test]
fn hand_built_files_are_accepted() {
    let info = inspect(&minimal()).expect("valid file");
    assert_eq!((info.channels, info.pre_skip, info.input_sample_rate), (1, 312, 16_000));
    assert_eq!((info.duration_ms, info.packets, info.vendor.as_str()), ((2880 - 312) / 48, 3, "test"));

    let info = inspect(&crossing()).expect("valid file");
    assert_eq!((info.duration_ms, info.packets), (60, 3));
}

#[test]
fn continuation_flags_must_match_the_lacing() {
    let mut pages: Vec<OwnedPage> = pages(&crossing()).into_iter().map(|(_, p)| p).collect();
    pages[3].flags &= !CONTINUED;
    assert_eq!(bad_page(inspect(&write_all(&pages))), 3);
    let mut pages: Vec<OwnedPage> = pages_of(&minimal());
    pages[2].flags |= CONTINUED;
    assert_eq!(bad_page(inspect(&write_all(&pages))), 2);
    // The stream may not end inside a packet.
    let mut pages = pages_of(&crossing());
    pages.truncate(4);
    pages[3].flags |= EOS;
    assert_eq!(bad_page(inspect(&write_all(&pages))), 3);
}

fn pages_of(bytes: &[u8]) -> Vec<OwnedPage> {
    pages(bytes).into_iter().map(|(_, p)| p).collect()
}

#[test]
fn not_ogg_and_not_opus() {
    assert_eq!(inspect(&[]), Err(OggError::Empty));
    assert_eq!(inspect(b"RIFF\x24\0\0\0WAVEfmt "), Err(OggError::NotOgg));
    assert_eq!(inspect(b"ID3\x04"), Err(OggError::NotOgg));
    let vorbis = b"\x01vorbis\0\0\0\0\x01\x44\xac\0\0\0\0\0\0\0\0\0\0\0\0\0\xb8\x01";
    let mut stream = StreamBuilder::new(7);
    stream.packets(BOS, 0, &[vorbis]).packets(EOS, 0, &[b"\x03vorbis"]);
    assert_eq!(inspect(&stream.out), Err(OggError::NotOpus));
}

#[test]
fn corrupted_byte_gives_bad_crc() {
    let offsets: Vec<usize> = pages(OPUSENC_FILE).iter().map(|(offset, _)| *offset).collect();
    assert_eq!(offsets.len(), 5);
    for (page, &offset) in offsets.iter().enumerate() {
        let mut bytes = OPUSENC_FILE.to_vec();
        bytes[offset + 40] ^= 0x01;
        assert_eq!(inspect(&bytes), Err(OggError::BadCrc { page }));
    }
}

#[test]
fn every_truncation_is_truncated_or_missing_eos() {
    for file in [OPUSENC_FILE.to_vec(), minimal(), crossing(), writer_file()] {
        let boundaries: Vec<usize> = pages(&file).iter().map(|(offset, _)| *offset).collect();
        assert_eq!(inspect(&file[..0]), Err(OggError::Empty));
        for len in 1..file.len() {
            let expected = if boundaries.contains(&len) { OggError::MissingEos } else { OggError::Truncated };
            assert_eq!(inspect(&file[..len]), Err(expected), "length {len}");
        }
    }
}

#[test]
fn every_single_byte_change_is_rejected() {
    let mut rng = Rng::new(1);
    for file in [OPUSENC_FILE.to_vec(), crossing()] {
        for i in 0..file.len() {
            let mut bytes = file.clone();
            bytes[i] ^= rng.byte() | 1;
            assert!(inspect(&bytes).is_err(), "change at {i} went unnoticed");
        }
    }
}

#[test]
fn random_byte_mutations_never_panic() {
    let mut rng = Rng::new(2);
    let files = [OPUSENC_FILE.to_vec(), minimal(), crossing(), writer_file()];
    for _ in 0..3000 {
        let mut bytes = files[rng.below(files.len())].clone();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(4) {
                0 if at < bytes.len() => bytes[at] ^= rng.byte() | 1,
                1 => bytes.insert(at, rng.byte()),
                2 if at < bytes.len() => drop(bytes.remove(at)),
                _ => bytes.truncate(at),
            }
        }
        let _ = inspect(&bytes);
    }
    for _ in 0..3000 {
        let len = rng.below(400);
        let mut bytes = b"OggS\0".to_vec();
        bytes.extend((0..len).map(|_| rng.byte()));
        let _ = inspect(&bytes);
    }
}

/// Mutates whole pages and rewrites them with a correct CRC, so that the
/// checks past the checksum (sequencing, headers, packets, granule
/// positions) see arbitrary input.
#[test]
fn random_page_mutations_never_panic() {
    let mut rng = Rng::new(3);
    let files = [pages_of(OPUSENC_FILE), pages_of(&minimal()), pages_of(&crossing())];
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..5000 {
        let mut pages = files[rng.below(files.len())].clone();
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(pages.len());
            let page = &mut pages[i];
            match rng.below(9) {
                0 => page.flags = rng.byte() & 0x07,
                1 => page.granule = page.granule.wrapping_add(rng.next() % 2000).wrapping_sub(1000),
                2 => page.granule = rng.next(),
                3 => page.serial ^= 1,
                4 => page.sequence = page.sequence.wrapping_add(1),
                5 | 6 if !page.body.is_empty() => {
                    // Mostly hit the first bytes of packets: headers, TOCs.
                    let at = if rng.below(2) == 0 { rng.below(page.body.len().min(24)) } else { rng.below(page.body.len()) };
                    page.body[at] = rng.byte();
                }
                7 if !page.lacing.is_empty() => {
                    let at = rng.below(page.lacing.len());
                    page.lacing[at] = rng.byte();
                    let len = page.lacing.iter().map(|&l| usize::from(l)).sum();
                    page.body.resize(len, 0x5a);
                }
                _ if pages.len() > 1 => drop(pages.remove(i)),
                _ => {}
            }
        }
        match inspect(&write_all(&pages)) {
            Ok(_) => accepted += 1,
            Err(_) => rejected += 1,
        }
    }
    // Both outcomes occur, so the mutations reach past the first checks.
    assert!(accepted > 100 && rejected > 1000, "{accepted} accepted, {rejected} rejected");
}

#[test]
fn only_one_stream_is_accepted() {
    let mut other = pages_of(&minimal());
    for page in &mut other {
        page.serial = 99;
    }
    // Chained: a second stream after the first one's EOS page.
    let mut chained = minimal();
    chained.extend_from_slice(&write_all(&other));
    assert_eq!(inspect(&chained), Err(OggError::MultipleStreams));
    // Multiplexed: the second stream's BOS page right after the first one's.
    let mut multiplexed = pages_of(&minimal());
    multiplexed.insert(1, other[0].clone());
    assert_eq!(inspect(&write_all(&multiplexed)), Err(OggError::MultipleStreams));
    // The same stream again, or junk, after EOS.
    let twice = [minimal(), minimal()].concat();
    assert_eq!(bad_page(inspect(&twice)), 3);
    let junk = [minimal(), b"junk".to_vec()].concat();
    assert_eq!(bad_page(inspect(&junk)), 3);
}

#[test]
fn page_sequence_and_stream_flags() {
    let mut pages = pages_of(&minimal());
    pages[2].sequence = 3;
    assert_eq!(bad_page(inspect(&write_all(&pages))), 2);
    let mut pages = pages_of(&minimal());
    pages[1].flags |= BOS;
    assert_eq!(bad_page(inspect(&write_all(&pages))), 1);
    let mut pages = pages_of(&minimal());
    pages[0].flags = 0;
    assert_eq!(bad_page(inspect(&write_all(&pages))), 0);
    let mut pages = pages_of(&minimal());
    pages[2].flags = 0;
    assert_eq!(inspect(&write_all(&pages)), Err(OggError::MissingEos));
    // Sequence numbers may start anywhere and wrap.
    let mut pages = pages_of(&minimal());
    for (page, sequence) in pages.iter_mut().zip([u32::MAX - 1, u32::MAX, 0]) {
        page.sequence = sequence;
    }
    assert!(inspect(&write_all(&pages)).is_ok());
}

#[test]
fn an_empty_eos_page_is_accepted() {
    let p = celt_packet(1, 10, 0);
    let mut stream = StreamBuilder::with_headers(312);
    stream.packets(0, 2880, &[&p, &p, &p]).raw(EOS, NO_GRANULE, &[], &[]);
    assert_eq!(inspect(&stream.out).map(|i| i.duration_ms), Ok(53));
}

#[test]
fn header_layout_is_enforced() {
    let head = opus_head(1, 0);
    let tags = opus_tags("t");
    let audio = celt_packet(1, 10, 0);

    let mut two_on_first = StreamBuilder::new(1);
    two_on_first.packets(BOS, 0, &[&head, &tags]).packets(EOS, 960, &[&audio]);
    assert_eq!(bad_page(inspect(&two_on_first.out)), 0);

    let mut long_head = head.clone();
    long_head.resize(300, 0);
    let mut split_head = StreamBuilder::new(1);
    split_head.raw(BOS, 0, &[255], &long_head[..255]).raw(CONTINUED, 0, &[45], &long_head[255..]);
    assert_eq!(bad_page(inspect(&split_head.out)), 0);

    let mut shared = StreamBuilder::new(1);
    shared.packets(BOS, 0, &[&head]).packets(EOS, 960, &[&tags, &audio]);
    assert_eq!(bad_page(inspect(&shared.out)), 1);

    let mut granule = StreamBuilder::new(1);
    granule.packets(BOS, 0, &[&head]).packets(0, 5, &[&tags]).packets(EOS, 960, &[&audio]);
    assert_eq!(bad_page(inspect(&granule.out)), 1);

    let mut no_tags = StreamBuilder::new(1);
    no_tags.packets(BOS | EOS, 0, &[&head]);
    assert!(matches!(inspect(&no_tags.out), Err(OggError::BadHeader(_))));

    let mut not_tags = StreamBuilder::new(1);
    not_tags.packets(BOS, 0, &[&head]).packets(0, 0, &[&audio]).packets(EOS, 960, &[&audio]);
    assert!(matches!(inspect(&not_tags.out), Err(OggError::BadHeader(_))));

    let mut no_audio = StreamBuilder::new(1);
    no_audio.packets(BOS, 0, &[&head]).packets(EOS, 0, &[&tags]);
    assert_eq!(inspect(&no_audio.out), Err(OggError::NoAudio));

    let mut v2 = head.clone();
    v2[8] = 0x20;
    let mut version = StreamBuilder::new(1);
    version.packets(BOS, 0, &[&v2]).packets(0, 0, &[&tags]).packets(EOS, 960, &[&audio]);
    assert_eq!(inspect(&version.out), Err(OggError::UnsupportedVersion(0x20)));
}

#[test]
fn audio_packets_are_checked() {
    let p = celt_packet(1, 10, 0);
    let mut empty = StreamBuilder::with_headers(0);
    empty.packets(EOS, 960, &[&p, &[]]);
    assert!(matches!(inspect(&empty.out), Err(OggError::BadPacket { index: 1, .. })));

    let mut zero_frames = StreamBuilder::with_headers(0);
    zero_frames.packets(EOS, 960, &[&[31 << 3 | 3, 0]]);
    let err = inspect(&zero_frames.out).expect_err("zero frames");
    assert_eq!(err.to_string(), "audio packet 0 is invalid: a code 3 packet declares zero frames");
}

#[test]
fn multistream_packets_are_checked_by_toc_only() {
    let mut head = opus_head(2, 0);
    head[18] = 1;
    head.extend_from_slice(&[2, 0, 0, 1]); // two uncoupled streams
    let mut packet = vec![31 << 3];
    packet.extend_from_slice(&[7; 2000]); // two streams' worth of data
    let mut stream = StreamBuilder::new(1);
    stream.packets(BOS, 0, &[&head]).packets(0, 0, &[&opus_tags("m")]).packets(EOS, 960, &[&packet]);
    let info = inspect(&stream.out).expect("valid multistream file");
    assert_eq!((info.channels, info.duration_ms), (2, 20));
}

#[test]
fn granule_positions_are_checked() {
    let p = celt_packet(1, 10, 0);
    let file = |pre_skip, pages: &[(u8, u64, usize)]| {
        let mut stream = StreamBuilder::with_headers(pre_skip);
        for &(flags, granule, count) in pages {
            stream.packets(flags, granule, &vec![&p[..]; count]);
        }
        inspect(&stream.out)
    };
    let duration = |r: Result<OpusInfo, OggError>| r.map(|info| info.duration_ms);
    // Start offset: the first page ends at 1 s + 40 ms, the stream at 1 s + 60 ms.
    assert_eq!(duration(file(0, &[(0, 49_920, 2), (EOS, 50_880, 1)])), Ok(60));
    // End trimming on the last page.
    assert_eq!(duration(file(312, &[(0, 1920, 2), (EOS, 2000, 1)])), Ok((2000 - 312) / 48));
    assert_eq!(duration(file(0, &[(EOS, 100, 3)])), Ok(2));
    // Backwards.
    assert_eq!(bad_page(file(0, &[(0, 1920, 2), (EOS, 1000, 1)])), 3);
    // Missing on a page where packets end.
    assert_eq!(bad_page(file(0, &[(0, NO_GRANULE, 2), (EOS, 2880, 1)])), 2);
    // Less than the audio on the first page.
    assert_eq!(bad_page(file(0, &[(0, 100, 2), (EOS, 2880, 1)])), 2);
    // More than the packets hold.
    assert_eq!(bad_page(file(0, &[(EOS, 2881, 3)])), 2);
    assert_eq!(bad_page(file(0, &[(0, 1920, 2), (EOS, 3000, 1)])), 3);
    // Shorter than the pre-skip.
    assert_eq!(bad_page(file(3000, &[(EOS, 2880, 3)])), 2);
    assert_eq!(duration(file(2880, &[(EOS, 2880, 3)])), Ok(0));
}

#[test]
fn messages_are_readable() {
    assert_eq!(OggError::BadCrc { page: 3 }.to_string(), "Ogg page 3 is corrupted: its CRC checksum does not match");
    let err = inspect(&[minimal(), minimal()].concat()).expect_err("two copies");
    assert_eq!(err.to_string(), "Ogg page 3 is invalid: there is data after the end-of-stream page");
    assert_eq!(inspect(&minimal()[..30]).expect_err("truncated").to_string(), "the file is truncated: it ends in the middle of an Ogg page");
}

#[test]
fn audio_packets_are_returned_whole_and_in_order() {
    let (small, big) = (celt_packet(1, 10, 1), celt_packet(1, 999, 2));
    assert_eq!(audio_packets(&crossing()).unwrap(), vec![small.clone(), big, small]);
    let packets = audio_packets(&writer_file()).unwrap();
    assert_eq!(packets.len(), 120);
    assert_eq!(packets[7], celt_packet(2, 12, 7));
    assert!(matches!(audio_packets(&minimal()[..40]), Err(OggError::Truncated | OggError::MissingEos)));
}
