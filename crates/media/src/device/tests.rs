use std::io::Cursor;

use super::*;
use crate::analysis::dominant_tone_ratio;

const FRAME: usize = 960;

/// An in-memory WAV file with the given format and (interleaved) samples.
fn wav_bytes(channels: u16, sample_rate: u32, bits_per_sample: u16, samples: &[i32]) -> Vec<u8> {
    let spec = WavSpec { channels, sample_rate, bits_per_sample, sample_format: SampleFormat::Int };
    let mut bytes = Vec::new();
    let mut writer = WavWriter::new(Cursor::new(&mut bytes), spec).unwrap();
    for &sample in samples {
        writer.write_sample(sample).unwrap();
    }
    writer.finalize().unwrap();
    bytes
}

/// Reads `source` to exhaustion, returning the samples before the padding.
fn read_all(source: &mut WavSource) -> Vec<i16> {
    let mut out = Vec::new();
    let mut frame = [0; FRAME];
    loop {
        let before = source.remaining();
        let more = source.read(&mut frame).unwrap();
        out.extend_from_slice(&frame[..before.min(FRAME)]);
        if !more {
            return out;
        }
    }
}

#[test]
fn tone_round_trips_through_a_wav_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tone.wav");
    let mut source = ToneSource::new(Tone::new(1_000.0, 8_000));
    let mut sink = WavSink::create(&path).unwrap();
    let mut written = Vec::new();
    let mut frame = [0; FRAME];
    for _ in 0..50 {
        assert!(source.read(&mut frame).unwrap());
        sink.write(&frame).unwrap();
        written.extend_from_slice(&frame);
    }
    sink.finish().unwrap();

    let mut wav = WavSource::open(&path).unwrap();
    assert_eq!(wav.remaining(), written.len());
    let read = read_all(&mut wav);
    assert_eq!(read, written);
    assert!(dominant_tone_ratio(&read, 1_000.0) > 100.0);
}

#[test]
fn dropping_a_wav_sink_still_finishes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.wav");
    let mut sink = WavSink::create(&path).unwrap();
    sink.write(&[1, 2, 3]).unwrap();
    drop(sink);
    assert_eq!(read_all(&mut WavSource::open(&path).unwrap()), [1, 2, 3]);
}

#[test]
fn stereo_reads_as_the_mono_average() {
    let bytes = wav_bytes(2, 48_000, 16, &[100, 300, -32_768, -32_768, 32_767, 32_767, 1, -2]);
    assert_eq!(read_all(&mut WavSource::from_bytes(bytes).unwrap()), [200, -32_768, 32_767, 0]);
}

#[test]
fn other_rates_and_formats_are_refused_with_a_clear_message() {
    let cd_rate = WavSource::from_bytes(wav_bytes(1, 44_100, 16, &[0; 10])).unwrap_err();
    assert!(matches!(cd_rate, MediaError::UnsupportedWav(_)), "{cd_rate:?}");
    let message = cd_rate.to_string();
    assert!(message.contains("44100") && message.contains("48000"), "{message}");

    let eight_bit = WavSource::from_bytes(wav_bytes(1, 48_000, 8, &[0; 10])).unwrap_err();
    assert!(matches!(eight_bit, MediaError::UnsupportedWav(_)), "{eight_bit:?}");
    let message = eight_bit.to_string();
    assert!(message.contains("8-bit") && message.contains("16-bit"), "{message}");

    let surround = WavSource::from_bytes(wav_bytes(6, 48_000, 16, &[0; 12])).unwrap_err();
    assert!(surround.to_string().contains("6 channels"), "{surround}");
}

#[test]
fn garbage_and_truncated_files_are_errors_not_panics() {
    for garbage in [&b""[..], b"RIFF", b"not a wav file at all, just some text bytes", &[0xff; 100]] {
        assert!(matches!(WavSource::from_bytes(garbage), Err(MediaError::Wav(_))), "{garbage:?}");
    }
    let whole = wav_bytes(1, 48_000, 16, &[7; 1_000]);
    for cut in [20, 40, whole.len() / 2, whole.len() - 1] {
        assert!(matches!(WavSource::from_bytes(&whole[..cut]), Err(MediaError::Wav(_))), "cut at {cut}");
    }
    let missing = tempfile::tempdir().unwrap().path().join("missing.wav");
    assert!(matches!(WavSource::open(missing), Err(MediaError::Wav(_))));
}

#[test]
fn wav_source_pads_with_zeros_and_reports_exhaustion() {
    let mut source = WavSource::from_bytes(wav_bytes(1, 48_000, 16, &[5, 6, 7, 8, 9])).unwrap();
    let mut frame = [1; 4];
    assert!(source.read(&mut frame).unwrap());
    assert_eq!(frame, [5, 6, 7, 8]);
    assert!(!source.read(&mut frame).unwrap());
    assert_eq!(frame, [9, 0, 0, 0]);
    frame = [1; 4];
    assert!(!source.read(&mut frame).unwrap());
    assert_eq!(frame, [0; 4]);
}

#[test]
fn silence_is_all_zeros() {
    let mut frame = [1; FRAME];
    assert!(SilenceSource.read(&mut frame).unwrap());
    assert!(frame.iter().all(|&s| s == 0));
}

#[test]
fn capture_sink_clones_share_what_was_written() {
    let handle = CaptureSink::new();
    let mut sink: Box<dyn AudioSink> = Box::new(handle.clone());
    sink.write(&[1, 2]).unwrap();
    sink.write(&[3]).unwrap();
    assert_eq!(handle.samples(), [1, 2, 3]);
    NullSink.write(&[4]).unwrap();
}

#[test]
fn corrupt_headers_never_panic() {
    let whole = wav_bytes(2, 48_000, 16, &[7; 100]);
    for i in 0..48 {
        for value in [0, 1, 2, 0x7f, 0xff] {
            let mut corrupt = whole.clone();
            corrupt[i] = value;
            // Any result is fine as long as it is a result.
            let _ = WavSource::from_bytes(&corrupt);
        }
    }
}
