//! End to end through the public API: tone → Opus → (lossy, jittery "network") →
//! jitter buffer → Opus decode/FEC/concealment → tone detection.

use std::time::{Duration, Instant};

use restphone_media::analysis::{dominant_tone_ratio, goertzel_power};
use restphone_media::jitter::{JitterBuffer, JitterConfig, Packet, Playout};
use restphone_media::opus::{Decoder, Encoder, FrameDuration};
use restphone_media::tone::Tone;

const FRAME: FrameDuration = FrameDuration::Ms20;
const FRAME_TIME: Duration = Duration::from_millis(20);

/// `count` Opus packets of a 440 Hz tone.
fn encoded_tone(count: usize) -> Vec<Vec<u8>> {
    let mut tone = Tone::new(440.0, 8_000);
    let mut encoder = Encoder::new(FRAME, 10).unwrap();
    (0..count).map(|_| encoder.encode(&tone.next_frame(FRAME.samples())).unwrap()).collect()
}

#[test]
fn tone_survives_encode_decode() {
    let mut decoder = Decoder::new(FRAME).unwrap();
    let decoded: Vec<i16> = encoded_tone(50).iter().flat_map(|packet| decoder.decode(packet).unwrap()).collect();
    assert_eq!(decoded.len(), 50 * FRAME.samples());
    let present = dominant_tone_ratio(&decoded, 440.0);
    let absent = dominant_tone_ratio(&decoded, 1000.0);
    println!("encode/decode: ratio at 440 Hz {present:.0}, at 1000 Hz {absent:.2}");
    assert!(present > 100.0, "{present}");
    assert!(absent < 10.0, "{absent}");
    assert!(goertzel_power(&decoded, 1000.0) < 1e-3 * goertzel_power(&decoded, 440.0));
}

#[test]
fn receive_path_recovers_losses_with_fec() {
    let t0 = Instant::now();
    // Every 7th packet is lost; the others arrive 0..=10 ms late, deterministically.
    let mut arrivals: Vec<(Instant, Packet)> = encoded_tone(100)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 7 != 6)
        .map(|(i, payload)| {
            let jitter = Duration::from_millis((i as u64 * 37) % 11);
            let packet = Packet { seq: (65_500 + i as u32) as u16, timestamp: 1_000 + 960 * i as u32, payload };
            (t0 + FRAME_TIME * i as u32 + jitter, packet)
        })
        .collect();
    arrivals.sort_by_key(|(at, _)| *at);
    let dropped = 100 - arrivals.len() as u64;

    // Three frames of delay: the packet after a lost one is there in time for its FEC.
    let mut buffer = JitterBuffer::new(JitterConfig { min_delay: 3 * FRAME_TIME, ..JitterConfig::default() });
    let mut decoder = Decoder::new(FRAME).unwrap();
    let mut pending = arrivals.into_iter().peekable();
    let mut output = Vec::new();
    for tick in 0..200 {
        let now = t0 + FRAME_TIME * tick;
        while let Some((at, packet)) = pending.next_if(|(at, _)| *at <= now) {
            buffer.push(packet, at);
        }
        if pending.peek().is_none() && buffer.stats().delay.is_zero() {
            break;
        }
        let pcm = match buffer.pop(now) {
            None => continue,
            Some(Playout::Frame(packet)) => decoder.decode(&packet),
            Some(Playout::Fec(next)) => decoder.decode_fec(&next),
            Some(Playout::Conceal) => decoder.conceal(),
        };
        output.extend(pcm.unwrap());
    }

    let stats = buffer.stats();
    let ratio = dominant_tone_ratio(&output, 440.0);
    println!("receive path: {stats:?}, {} samples, ratio at 440 Hz {ratio:.0}", output.len());
    assert_eq!(stats.lost, dropped);
    assert_eq!(stats.fec_recovered, dropped);
    assert_eq!(stats.concealed, 0);
    assert_eq!(output.len(), 100 * FRAME.samples());
    assert!(ratio > 20.0, "{ratio}");
}

#[test]
fn corrupt_packets_are_errors_not_panics() {
    let mut decoder = Decoder::new(FRAME).unwrap();
    // Empty; code-3 TOC without its frame-count byte; code-3 claiming 63 frames of 20 ms.
    for corrupt in [&[][..], &[0x03], &[0x0b, 0x3f]] {
        assert!(decoder.decode(corrupt).is_err(), "{corrupt:?} decoded");
        assert!(decoder.decode_fec(corrupt).is_err(), "{corrupt:?} FEC-decoded");
    }
    // Arbitrary bytes may or may not be valid Opus, but must never panic.
    let mut x: u32 = 1;
    for len in 1..200 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect();
        let _ = decoder.decode(&bytes);
        let _ = decoder.decode_fec(&bytes);
    }
    assert_eq!(decoder.conceal().unwrap().len(), FRAME.samples());
}
