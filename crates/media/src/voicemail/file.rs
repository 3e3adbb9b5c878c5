//! Voice message files: recording an [`AudioSource`] into an Ogg Opus file, as the
//! server stores them, and decoding such a file back to 48 kHz mono PCM.

use std::time::Duration;

use super::FRAME;
use crate::MediaError;
use crate::device::AudioSource;
use crate::jitter::CLOCK_RATE;
use crate::opus::{Decoder, Encoder};

/// Expected packet loss told to the encoder: none, a file does not lose packets.
const LOSS_PERCENT: u8 = 0;
/// Vendor string written into OpusTags.
const VENDOR: &str = "restphone";

/// Encodes 20 ms frames of PCM into an Ogg Opus file (mono, pre-skip set to the
/// encoder's lookahead).
pub(super) struct OggOpusRecorder {
    encoder: Encoder,
    writer: oggopus::OggOpusWriter,
    frames: u64,
}

impl OggOpusRecorder {
    pub(super) fn new() -> Result<Self, MediaError> {
        let encoder = Encoder::new(FRAME, LOSS_PERCENT)?;
        // libopus' lookahead is a few ms, far below u16::MAX.
        let pre_skip = u16::try_from(encoder.lookahead()?).unwrap_or(u16::MAX);
        Ok(Self { encoder, writer: oggopus::OggOpusWriter::new(1, CLOCK_RATE, pre_skip, VENDOR), frames: 0 })
    }

    /// Adds one frame of [`FRAME`]'s length.
    pub(super) fn push(&mut self, frame: &[i16]) -> Result<(), MediaError> {
        // 960 samples fit in u32.
        self.writer.push_packet(&self.encoder.encode(frame)?, FRAME.samples() as u32);
        self.frames += 1;
        Ok(())
    }

    /// How much has been recorded.
    pub(super) fn recorded(&self) -> Duration {
        FRAME.duration() * u32::try_from(self.frames).unwrap_or(u32::MAX)
    }

    pub(super) fn finish(self) -> Vec<u8> {
        self.writer.finish()
    }
}

/// Records `source` in 20 ms frames until it is exhausted (its last, padded
/// frame included) or `limit` is reached, and returns an Ogg Opus file.
/// At least one frame is recorded, so the file always holds more audio than
/// its pre-skip.
pub fn record_ogg_opus(source: &mut dyn AudioSource, limit: Duration) -> Result<Vec<u8>, MediaError> {
    let mut recorder = OggOpusRecorder::new()?;
    let mut frame = vec![0; FRAME.samples()];
    loop {
        let more = source.read(&mut frame)?;
        recorder.push(&frame)?;
        if !more || recorder.recorded() >= limit {
            return Ok(recorder.finish());
        }
    }
}

/// Validates an Ogg Opus file (mono or stereo, decoded to mono) and decodes
/// it: the pre-skip is dropped and the end trimmed to the length its granule
/// positions give.
pub fn decode_ogg_opus(bytes: &[u8]) -> Result<Vec<i16>, MediaError> {
    let info = oggopus::inspect(bytes)?;
    let mut decoder = Decoder::new(FRAME)?;
    let mut pcm = Vec::new();
    for packet in oggopus::audio_packets(bytes)? {
        pcm.extend(decoder.decode(&packet)?);
    }
    let audible = usize::try_from(info.duration_ms * u64::from(CLOCK_RATE / 1000)).unwrap_or(usize::MAX);
    let start = usize::from(info.pre_skip).min(pcm.len());
    pcm.drain(..start);
    pcm.truncate(audible);
    Ok(pcm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::dominant_tone_ratio;
    use crate::device::{SilenceSource, ToneSource, WavSource};
    use crate::tone::Tone;

    #[test]
    fn a_tone_survives_recording_and_decoding() {
        let mut source = ToneSource::new(Tone::new(440.0, 8_000));
        let ogg = record_ogg_opus(&mut source, Duration::from_secs(2)).unwrap();
        let info = oggopus::inspect(&ogg).unwrap();
        assert!(info.duration_ms.abs_diff(2000) <= 30, "{info:?}");
        assert_eq!((info.channels, info.vendor.as_str()), (1, VENDOR));
        let pcm = decode_ogg_opus(&ogg).unwrap();
        assert!(pcm.len().abs_diff(96_000) <= 30 * 48, "{} samples", pcm.len());
        let ratio = dominant_tone_ratio(&pcm, 440.0);
        assert!(ratio > 100.0, "ratio {ratio}");
    }

    #[test]
    fn recording_stops_when_the_source_runs_out() {
        // 50 ms: two full frames and a padded third.
        let mut source = WavSource::from_bytes(wav(&Tone::new(440.0, 8_000).next_frame(2_400))).unwrap();
        let ogg = record_ogg_opus(&mut source, Duration::from_secs(60)).unwrap();
        assert_eq!(oggopus::inspect(&ogg).unwrap().packets, 3);
    }

    #[test]
    fn even_a_zero_limit_records_one_frame() {
        let ogg = record_ogg_opus(&mut SilenceSource, Duration::ZERO).unwrap();
        assert_eq!(oggopus::inspect(&ogg).unwrap().packets, 1);
    }

    #[test]
    fn garbage_is_an_ogg_error() {
        assert!(matches!(decode_ogg_opus(b"not ogg"), Err(MediaError::Ogg(_))));
    }

    /// A 48 kHz mono 16-bit WAV file of `samples`.
    fn wav(samples: &[i16]) -> Vec<u8> {
        let spec = hound::WavSpec { channels: 1, sample_rate: CLOCK_RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut out = std::io::Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut out, spec).unwrap();
        samples.iter().for_each(|&s| writer.write_sample(s).unwrap());
        writer.finalize().unwrap();
        out.into_inner()
    }
}
