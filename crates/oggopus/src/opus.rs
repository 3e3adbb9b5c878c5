//! Opus-specific parsing: the "OpusHead" and "OpusTags" headers (RFC 7845
//! section 5) and the packet TOC and framing (RFC 6716 section 3).

use crate::OggError;

/// Sample count of the longest packet Opus allows (120 ms at 48 kHz).
const MAX_PACKET_SAMPLES: u32 = 5760;
/// Longest frame Opus allows, in bytes (RFC 6716 section 3.4, R2).
const MAX_FRAME_BYTES: usize = 1275;
const OPUS_HEAD: &[u8; 8] = b"OpusHead";
const OPUS_TAGS: &[u8; 8] = b"OpusTags";
const OPUS_HEAD_LEN: usize = 19;

/// The fields of an "OpusHead" identification header that matter here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpusHead {
    pub(crate) channels: u8,
    pub(crate) pre_skip: u16,
    pub(crate) input_sample_rate: u32,
    /// Opus streams per Ogg packet: 1 for mapping family 0.
    pub(crate) streams: u8,
}

impl OpusHead {
    pub(crate) fn parse(packet: &[u8]) -> Result<Self, OggError> {
        if !packet.starts_with(OPUS_HEAD) {
            return Err(OggError::NotOpus);
        }
        let head: &[u8; OPUS_HEAD_LEN] = packet.first_chunk().ok_or(OggError::BadHeader("OpusHead is shorter than 19 bytes"))?;
        let version = head[8];
        if !(1..=15).contains(&version) {
            return Err(OggError::UnsupportedVersion(version));
        }
        let channels = head[9];
        if channels == 0 {
            return Err(OggError::BadHeader("the channel count is 0"));
        }
        let streams = match head[18] {
            0 if channels > 2 => {
                return Err(OggError::BadHeader("channel mapping family 0 allows only 1 or 2 channels"));
            }
            0 => 1,
            1 if channels > 8 => {
                return Err(OggError::BadHeader("channel mapping family 1 allows at most 8 channels"));
            }
            _ => mapping_table_streams(&packet[OPUS_HEAD_LEN..], channels)?,
        };
        Ok(Self {
            channels,
            pre_skip: u16::from_le_bytes([head[10], head[11]]),
            input_sample_rate: u32::from_le_bytes([head[12], head[13], head[14], head[15]]),
            streams,
        })
    }
}

/// Checks the channel mapping table that follows OpusHead's fixed part for
/// a mapping family other than 0, and returns the stream count.
fn mapping_table_streams(table: &[u8], channels: u8) -> Result<u8, OggError> {
    let bad = OggError::BadHeader;
    let (&[streams, coupled], mapping) = table.split_first_chunk::<2>().ok_or(bad("the channel mapping table is truncated"))?;
    let mapping = mapping.get(..usize::from(channels)).ok_or(bad("the channel mapping table is truncated"))?;
    if streams == 0 {
        return Err(bad("the stream count is 0"));
    }
    if coupled > streams {
        return Err(bad("there are more coupled streams than streams"));
    }
    let decoded = u16::from(streams) + u16::from(coupled);
    if decoded > 255 {
        return Err(bad("the streams decode to more than 255 channels"));
    }
    if mapping.iter().any(|&m| m != 255 && u16::from(m) >= decoded) {
        return Err(bad("the channel mapping refers to a channel no stream decodes"));
    }
    Ok(streams)
}

/// Checks an "OpusTags" comment header and returns its vendor string
/// (invalid UTF-8 is replaced, not rejected).
pub(crate) fn parse_tags(packet: &[u8]) -> Result<String, OggError> {
    let bad = OggError::BadHeader;
    let mut rest = packet.strip_prefix(OPUS_TAGS).ok_or(bad("the second packet is not an \"OpusTags\" header"))?;
    let vendor = take_string(&mut rest).ok_or(bad("the OpusTags vendor string runs past the packet end"))?;
    let count = take_u32(&mut rest).ok_or(bad("OpusTags lacks its comment count"))?;
    // Each round consumes at least 4 bytes or fails, so this loop is
    // bounded by the packet size whatever `count` says.
    for _ in 0..count {
        take_string(&mut rest).ok_or(bad("an OpusTags comment runs past the packet end"))?;
    }
    Ok(String::from_utf8_lossy(vendor).into_owned())
}

fn take_u32(rest: &mut &[u8]) -> Option<u32> {
    let (len, after) = rest.split_first_chunk::<4>()?;
    *rest = after;
    Some(u32::from_le_bytes(*len))
}

fn take_string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = usize::try_from(take_u32(rest)?).ok()?;
    let (string, after) = rest.split_at_checked(len)?;
    *rest = after;
    Some(string)
}

/// Sample count at 48 kHz of one Opus packet, from its TOC byte and, for
/// code 3, its frame count byte (RFC 6716 section 3.1).
///
/// Also checks the packet's framing against rules R1 to R7 of RFC 6716
/// section 3.4 (frame sizes and padding that fit the packet), which only a
/// single-stream packet can be held to.
pub fn packet_samples_48k(packet: &[u8]) -> Result<u32, OggError> {
    samples(packet, true).map_err(OggError::InvalidPacket)
}

/// Like [`packet_samples_48k`], with the framing checks only if
/// `check_framing` (false for the multistream packets of mapping families
/// other than 0, whose first streams are self-delimited).
pub(crate) fn samples(packet: &[u8], check_framing: bool) -> Result<u32, &'static str> {
    const TOO_LONG: &str = "a frame is longer than 1275 bytes";
    let (&toc, mut rest) = packet.split_first().ok_or("the packet is empty")?;
    let frames = match toc & 3 {
        0 => {
            if check_framing && rest.len() > MAX_FRAME_BYTES {
                return Err(TOO_LONG);
            }
            1
        }
        1 => {
            if check_framing && !rest.len().is_multiple_of(2) {
                return Err("the two frames of a code 1 packet differ in size");
            }
            if check_framing && rest.len() / 2 > MAX_FRAME_BYTES {
                return Err(TOO_LONG);
            }
            2
        }
        2 => {
            if check_framing {
                let first = take_frame_len(&mut rest)?;
                let second = rest.len().checked_sub(first).ok_or(PAST_END)?;
                if second > MAX_FRAME_BYTES {
                    return Err(TOO_LONG);
                }
            }
            2
        }
        _ => {
            let (&count, frames_data) = rest.split_first().ok_or("a code 3 packet lacks its frame count byte")?;
            let frames = count & 0x3f;
            if frames == 0 {
                return Err("a code 3 packet declares zero frames");
            }
            if check_framing {
                check_code3(count, frames_data)?;
            }
            frames
        }
    };
    let samples = u32::from(frames) * frame_samples(toc >> 3);
    if samples > MAX_PACKET_SAMPLES {
        return Err("the packet holds more than 120 ms of audio");
    }
    Ok(samples)
}

const PAST_END: &str = "the frame lengths run past the packet end";

/// Samples per frame at 48 kHz for a TOC configuration (RFC 6716 table 2).
fn frame_samples(config: u8) -> u32 {
    let index = usize::from(config % 4);
    match config {
        // SILK-only: 10, 20, 40, 60 ms.
        0..=11 => [480, 960, 1920, 2880][index],
        // Hybrid: 10, 20 ms.
        12..=15 => [480, 960][index % 2],
        // CELT-only: 2.5, 5, 10, 20 ms.
        _ => [120, 240, 480, 960][index],
    }
}

/// Checks the padding and frame lengths of a code 3 packet; `rest` follows
/// the frame count byte `count` (RFC 6716 section 3.2.5).
fn check_code3(count: u8, mut rest: &[u8]) -> Result<(), &'static str> {
    let frames = usize::from(count & 0x3f);
    if count & 0x40 != 0 {
        let mut padding = 0;
        loop {
            let (&p, after) = rest.split_first().ok_or("the padding length runs past the packet end")?;
            rest = after;
            padding += if p == 255 { 254 } else { usize::from(p) };
            if p < 255 {
                break;
            }
        }
        let unpadded = rest.len().checked_sub(padding).ok_or("the padding is longer than the packet")?;
        rest = &rest[..unpadded];
    }
    let last = if count & 0x80 != 0 {
        let mut lengths = 0;
        for _ in 1..frames {
            lengths += take_frame_len(&mut rest)?;
        }
        rest.len().checked_sub(lengths).ok_or(PAST_END)?
    } else {
        if !rest.len().is_multiple_of(frames) {
            return Err("the frames of a constant-bitrate code 3 packet differ in size");
        }
        rest.len() / frames
    };
    if last > MAX_FRAME_BYTES {
        return Err("a frame is longer than 1275 bytes");
    }
    Ok(())
}

/// Reads a one- or two-byte frame length (RFC 6716 section 3.2.1); the
/// largest it can encode is 1275.
fn take_frame_len(rest: &mut &[u8]) -> Result<usize, &'static str> {
    const MISSING: &str = "a frame length runs past the packet end";
    let (&first, after) = rest.split_first().ok_or(MISSING)?;
    if first < 252 {
        *rest = after;
        return Ok(usize::from(first));
    }
    let (&second, after) = after.split_first().ok_or(MISSING)?;
    *rest = after;
    Ok(usize::from(second) * 4 + usize::from(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(channels: u8, family: u8, table: &[u8]) -> Vec<u8> {
        let mut packet = b"OpusHead".to_vec();
        packet.extend_from_slice(&[1, channels, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, family]);
        packet.extend_from_slice(table);
        packet
    }

    #[test]
    fn opus_head_family_0() {
        let parsed = OpusHead::parse(&head(2, 0, &[])).expect("valid head");
        let expected = OpusHead { channels: 2, pre_skip: 312, input_sample_rate: 48000, streams: 1 };
        assert_eq!(parsed, expected);
    }

    #[test]
    fn opus_head_rejections() {
        let mut v0 = head(1, 0, &[]);
        v0[8] = 0;
        assert_eq!(OpusHead::parse(&v0), Err(OggError::UnsupportedVersion(0)));
        let mut v16 = head(1, 0, &[]);
        v16[8] = 16;
        assert_eq!(OpusHead::parse(&v16), Err(OggError::UnsupportedVersion(16)));
        let mut v15 = head(1, 0, &[]);
        v15[8] = 15;
        assert!(OpusHead::parse(&v15).is_ok());
        assert_eq!(OpusHead::parse(b"\x01vorbis\0\0\0\0\x02"), Err(OggError::NotOpus));
        assert!(matches!(OpusHead::parse(&head(1, 0, &[])[..18]), Err(OggError::BadHeader(_))));
        assert!(matches!(OpusHead::parse(&head(0, 0, &[])), Err(OggError::BadHeader(_))));
        assert!(matches!(OpusHead::parse(&head(3, 0, &[])), Err(OggError::BadHeader(_))));
    }

    #[test]
    fn opus_head_mapping_table() {
        // 5.1 surround: 4 streams, 2 coupled, Vorbis channel order.
        let surround = head(6, 1, &[4, 2, 0, 4, 1, 2, 3, 5]);
        assert_eq!(OpusHead::parse(&surround).map(|h| h.streams), Ok(4));
        let cases: [&[u8]; 5] = [
            &[4, 2, 0, 4, 1, 2, 3],    // truncated mapping
            &[0, 0, 0, 0, 0, 0, 0, 0], // no streams
            &[1, 2, 0, 1, 2, 0, 1, 2], // more coupled than streams
            &[4, 2, 0, 4, 1, 2, 3, 6], // channel 6 is not decoded
            &[4],                      // no coupled count
        ];
        for table in cases {
            assert!(matches!(OpusHead::parse(&head(6, 1, table)), Err(OggError::BadHeader(_))));
        }
        assert!(matches!(OpusHead::parse(&head(9, 1, &[])), Err(OggError::BadHeader(_))));
        // Unused channels (255) are allowed.
        assert_eq!(OpusHead::parse(&head(2, 255, &[1, 0, 0, 255])).map(|h| h.streams), Ok(1));
    }

    fn tags(vendor: &[u8], comments: &[&[u8]]) -> Vec<u8> {
        let mut packet = b"OpusTags".to_vec();
        packet.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
        packet.extend_from_slice(vendor);
        packet.extend_from_slice(&(comments.len() as u32).to_le_bytes());
        for c in comments {
            packet.extend_from_slice(&(c.len() as u32).to_le_bytes());
            packet.extend_from_slice(c);
        }
        packet
    }

    #[test]
    fn opus_tags() {
        assert_eq!(parse_tags(&tags(b"restphone", &[])).as_deref(), Ok("restphone"));
        let two = tags(b"v", &[b"TITLE=x", b"ARTIST=y"]);
        assert_eq!(parse_tags(&two).as_deref(), Ok("v"));
        // Extra data after the comment list is allowed.
        let mut padded = two.clone();
        padded.extend_from_slice(&[0; 16]);
        assert_eq!(parse_tags(&padded).as_deref(), Ok("v"));
        for len in 0..two.len() {
            assert!(matches!(parse_tags(&two[..len]), Err(OggError::BadHeader(_))), "length {len}");
        }
        let mut huge_count = tags(b"v", &[]);
        let at = huge_count.len() - 4;
        huge_count[at..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(parse_tags(&huge_count), Err(OggError::BadHeader(_))));
    }

    #[test]
    fn toc_durations() {
        let cases: [(&[u8], u32); 12] = [
            (&[0 << 3], 480),                // SILK NB 10 ms
            (&[3 << 3], 2880),               // SILK NB 60 ms
            (&[9 << 3 | 1], 1920),           // SILK WB 20 ms, two equal frames
            (&[13 << 3], 960),               // Hybrid SWB 20 ms
            (&[14 << 3], 480),               // Hybrid FB 10 ms
            (&[16 << 3], 120),               // CELT NB 2.5 ms
            (&[31 << 3, 10, 10], 960),       // CELT FB 20 ms
            (&[31 << 3 | 1, 7, 7], 1920),    // code 1
            (&[31 << 3 | 2, 1, 7, 7], 1920), // code 2
            (&[31 << 3 | 3, 6], 5760),       // code 3, 6 empty frames of 20 ms
            (&[16 << 3 | 3, 48], 5760),      // code 3, 48 frames of 2.5 ms
            (&[2 << 3 | 3, 3], 5760),        // code 3, 3 frames of 40 ms
        ];
        for (packet, expected) in cases {
            assert_eq!(packet_samples_48k(packet), Ok(expected), "packet {packet:?}");
        }
    }

    #[test]
    fn toc_rejections() {
        let cases: [&[u8]; 5] = [
            &[],                // R1: empty
            &[31 << 3 | 3],     // code 3 without its count byte
            &[31 << 3 | 3, 0],  // R5: zero frames
            &[31 << 3 | 3, 7],  // R5: 140 ms
            &[16 << 3 | 3, 49], // R5: 122.5 ms
        ];
        for packet in cases {
            assert!(matches!(packet_samples_48k(packet), Err(OggError::InvalidPacket(_))), "{packet:?}");
        }
        // Two 60 ms frames are exactly the 120 ms limit.
        assert_eq!(packet_samples_48k(&[3 << 3 | 1, 0, 0]), Ok(5760));
    }

    #[test]
    fn framing_rejections() {
        let big = vec![0u8; 1 + 1276];
        let mut code1_big = vec![31 << 3 | 1];
        code1_big.extend_from_slice(&[0; 2 * 1276]);
        let cases: [&[u8]; 9] = [
            &big,                             // R2: code 0 frame too long
            &code1_big,                       // R2: code 1 frames too long
            &[31 << 3 | 1, 1, 2, 3],          // R3: odd code 1 payload
            &[31 << 3 | 2, 5, 1, 2],          // R4: first frame past the end
            &[31 << 3 | 2, 252],              // R4: two-byte length cut short
            &[31 << 3 | 3, 0x03, 1, 2],       // R6: CBR not divisible
            &[31 << 3 | 3, 0x42, 10, 1, 2],   // R6: padding past the end
            &[31 << 3 | 3, 0x42, 255],        // padding length cut short
            &[31 << 3 | 3, 0x83, 1, 5, 0, 0], // R7: VBR lengths past the end
        ];
        for packet in cases {
            assert!(matches!(packet_samples_48k(packet), Err(OggError::InvalidPacket(_))), "{packet:?}");
            // Without framing checks only the TOC counts.
            assert!(samples(packet, false).is_ok(), "{packet:?}");
        }
    }

    #[test]
    fn framing_accepts_padding_and_vbr() {
        // CBR, 2 frames of 3 bytes, 256 bytes of padding (255 -> 254, then 2).
        let mut cbr = vec![31 << 3 | 3, 0x42, 255, 2, 1, 2, 3, 4, 5, 6];
        cbr.extend_from_slice(&[0; 256]);
        assert_eq!(packet_samples_48k(&cbr), Ok(1920));
        // VBR, 3 frames: lengths 1 and 300 (two bytes: 252 + 12 * 4), rest 2.
        let mut vbr = vec![31 << 3 | 3, 0x83, 1, 252, 12];
        vbr.extend_from_slice(&[0; 1 + 300 + 2]);
        assert_eq!(packet_samples_48k(&vbr), Ok(2880));
        // Code 2 with a 1275-byte second frame.
        let mut code2 = vec![31 << 3 | 2, 0];
        code2.extend_from_slice(&[0; 1275]);
        assert_eq!(packet_samples_48k(&code2), Ok(1920));
    }
}
