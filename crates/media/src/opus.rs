//! Opus encoder and decoder for 48 kHz mono audio in fixed 10 or 20 ms frames.
//!
//! Thin wrappers over audiopus (libopus). The encoder has in-band FEC enabled,
//! so a packet also carries a low-bitrate copy of the previous frame; the
//! decoder exposes the three ways of producing a frame that match
//! [`Playout`](crate::jitter::Playout): a packet, the FEC of the next packet,
//! or concealment.

use audiopus::coder::{Decoder as OpusDecoder, Encoder as OpusEncoder};
use audiopus::{Application, Channels, SampleRate};

use crate::error::MediaError;

/// Encoder effort (0..=10; libopus defaults to 10). 5 keeps speech close to the best and
/// took a call leg from 2.6 % to 2.0 % of a core in `media-bench`.
const COMPLEXITY: u8 = 5;
/// Largest Opus packet we produce (the size libopus recommends for a buffer).
const MAX_PACKET: usize = 4000;
/// Longest audio one Opus packet may hold: 120 ms at 48 kHz.
const MAX_PACKET_SAMPLES: usize = 5760;

/// Duration of one frame (one packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameDuration {
    /// 10 ms, 480 samples.
    Ms10,
    /// 20 ms, 960 samples.
    Ms20,
}

impl FrameDuration {
    /// The duration of a frame of `samples` samples, if it is one of ours.
    pub fn of_samples(samples: usize) -> Option<Self> {
        match samples {
            480 => Some(Self::Ms10),
            960 => Some(Self::Ms20),
            _ => None,
        }
    }

    /// Samples per frame at 48 kHz mono.
    pub fn samples(self) -> usize {
        match self {
            Self::Ms10 => 480,
            Self::Ms20 => 960,
        }
    }

    /// How long one frame lasts.
    pub fn duration(self) -> std::time::Duration {
        match self {
            Self::Ms10 => std::time::Duration::from_millis(10),
            Self::Ms20 => std::time::Duration::from_millis(20),
        }
    }
}

/// The audio one Opus packet holds, in samples at 48 kHz, read from its TOC byte
/// (RFC 6716 section 3.1); `None` for an empty or malformed packet.
pub fn packet_samples(packet: &[u8]) -> Option<usize> {
    let toc = *packet.first()?;
    let config = usize::from(toc >> 3);
    // Frame sizes in units of 2.5 ms (120 samples).
    let units = match config {
        0..=11 => [4, 8, 16, 24][config % 4],
        12..=15 => [4, 8][config % 2],
        _ => [1, 2, 4, 8][config % 4],
    };
    let frames = match toc & 0b11 {
        0 => 1,
        1 | 2 => 2,
        _ => usize::from(*packet.get(1)? & 0x3F),
    };
    (frames > 0).then_some(frames * units * 120)
}

/// Opus encoder (VoIP application, in-band FEC on).
#[derive(Debug)]
pub struct Encoder {
    inner: OpusEncoder,
    frame: FrameDuration,
}

impl Encoder {
    /// `expected_loss_percent` (0..=100) tells the encoder how much redundancy to spend on FEC.
    pub fn new(frame: FrameDuration, expected_loss_percent: u8) -> Result<Self, MediaError> {
        let mut inner = OpusEncoder::new(SampleRate::Hz48000, Channels::Mono, Application::Voip)?;
        inner.enable_inband_fec()?;
        inner.set_complexity(COMPLEXITY)?;
        inner.set_packet_loss_perc(expected_loss_percent)?;
        Ok(Self { inner, frame })
    }

    /// Encodes exactly one frame of PCM into one Opus packet.
    pub fn encode(&mut self, pcm: &[i16]) -> Result<Vec<u8>, MediaError> {
        let expected = self.frame.samples();
        if pcm.len() != expected {
            return Err(MediaError::FrameSize { expected, actual: pcm.len() });
        }
        let mut packet = vec![0; MAX_PACKET];
        let len = self.inner.encode(pcm, &mut packet)?;
        packet.truncate(len);
        Ok(packet)
    }

    /// Samples at 48 kHz by which the decoded audio lags the input: the
    /// pre-skip an Ogg Opus file of this encoder's packets needs.
    pub fn lookahead(&self) -> Result<u32, MediaError> {
        Ok(self.inner.lookahead()?)
    }
}

/// Opus decoder; FEC and concealment produce exactly one frame.
#[derive(Debug)]
pub struct Decoder {
    inner: OpusDecoder,
    frame: FrameDuration,
}

impl Decoder {
    /// A decoder whose FEC/concealment frames last `frame`.
    pub fn new(frame: FrameDuration) -> Result<Self, MediaError> {
        Ok(Self { inner: OpusDecoder::new(SampleRate::Hz48000, Channels::Mono)?, frame })
    }

    /// Decodes a packet (of any duration libopus accepts).
    pub fn decode(&mut self, packet: &[u8]) -> Result<Vec<i16>, MediaError> {
        let mut pcm = vec![0; MAX_PACKET_SAMPLES];
        let len = self.inner.decode(Some(packet), &mut pcm[..], false)?;
        pcm.truncate(len);
        Ok(pcm)
    }

    /// Recovers the lost frame before `next_packet` from its in-band FEC data
    /// (libopus falls back to concealment if the packet carries none).
    pub fn decode_fec(&mut self, next_packet: &[u8]) -> Result<Vec<i16>, MediaError> {
        self.one_frame(Some(next_packet))
    }

    /// Packet-loss concealment for one frame.
    pub fn conceal(&mut self) -> Result<Vec<i16>, MediaError> {
        self.one_frame(None)
    }

    fn one_frame(&mut self, packet: Option<&[u8]>) -> Result<Vec<i16>, MediaError> {
        let mut pcm = vec![0; self.frame.samples()];
        let len = self.inner.decode(packet, &mut pcm[..], packet.is_some())?;
        pcm.truncate(len);
        Ok(pcm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_frame_size_is_an_error() {
        let mut encoder = Encoder::new(FrameDuration::Ms20, 10).unwrap();
        assert!(matches!(encoder.encode(&[0; 480]), Err(MediaError::FrameSize { expected: 960, actual: 480 })));
    }

    #[test]
    fn packet_duration_is_read_from_the_toc() {
        let mut encoder = Encoder::new(FrameDuration::Ms20, 10).unwrap();
        assert_eq!(packet_samples(&encoder.encode(&[0; 960]).unwrap()), Some(960));
        let mut encoder = Encoder::new(FrameDuration::Ms10, 10).unwrap();
        assert_eq!(packet_samples(&encoder.encode(&[0; 480]).unwrap()), Some(480));
        assert_eq!(packet_samples(&[]), None);
        assert_eq!(packet_samples(&[0b0000_0011]), None, "code 3 without its frame count byte");
    }

    #[test]
    fn ten_ms_frames_round_trip() {
        let mut encoder = Encoder::new(FrameDuration::Ms10, 10).unwrap();
        let mut decoder = Decoder::new(FrameDuration::Ms10).unwrap();
        let packet = encoder.encode(&[0; 480]).unwrap();
        assert_eq!(decoder.decode(&packet).unwrap().len(), 480);
        assert_eq!(decoder.decode_fec(&packet).unwrap().len(), 480);
        assert_eq!(decoder.conceal().unwrap().len(), 480);
    }
}
