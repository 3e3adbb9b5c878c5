//! The device side of the format: choosing a 48 kHz configuration the device offers, and
//! converting between its sample format and channels and 48 kHz mono i16 in the stream's
//! callbacks.

use std::sync::{Arc, Mutex};

use cpal::traits::DeviceTrait;
use cpal::{ErrorKind, FromSample, Sample, SampleFormat, SizedSample, StreamConfig, SupportedStreamConfig};

use super::{Direction, Ring};
use crate::MediaError;
use crate::jitter::CLOCK_RATE;

/// The sample formats converted here, the cheapest and most precise first.
const FORMATS: [SampleFormat; 8] =
    [SampleFormat::I16, SampleFormat::F32, SampleFormat::I32, SampleFormat::I24, SampleFormat::F64, SampleFormat::U16, SampleFormat::U8, SampleFormat::I8];

/// Calls `$build::<T>(args)` with the sample type `T` of `$format`, one of [`FORMATS`].
macro_rules! with_sample_type {
    ($format:expr, $build:ident($($arg:expr),*)) => {
        match $format {
            SampleFormat::I16 => $build::<i16>($($arg),*),
            SampleFormat::F32 => $build::<f32>($($arg),*),
            SampleFormat::I32 => $build::<i32>($($arg),*),
            SampleFormat::I24 => $build::<cpal::I24>($($arg),*),
            SampleFormat::F64 => $build::<f64>($($arg),*),
            SampleFormat::U16 => $build::<u16>($($arg),*),
            SampleFormat::U8 => $build::<u8>($($arg),*),
            SampleFormat::I8 => $build::<i8>($($arg),*),
            other => Err(cpal::Error::with_message(ErrorKind::UnsupportedConfig, format!("sample format {other} is not handled"))),
        }
    };
}

/// The configuration `device` (called `name`) is opened with: 48 kHz, the preferred sample
/// format, then the fewest channels.
pub(super) fn config_48k(device: &cpal::Device, name: &str, direction: Direction) -> Result<SupportedStreamConfig, MediaError> {
    let configs: Result<Vec<_>, _> = match direction {
        Direction::Input => device.supported_input_configs().map(Iterator::collect),
        Direction::Output => device.supported_output_configs().map(Iterator::collect),
    };
    let configs = configs.map_err(|error| MediaError::Device(format!("{name}: cannot open it as an {direction}: {error}")))?;
    configs
        .into_iter()
        // Zero channels would be invalid, and would make the callbacks' chunking panic.
        .filter(|range| range.channels() > 0)
        .filter_map(|range| Some((FORMATS.iter().position(|&f| f == range.sample_format())?, range.channels(), range.try_with_sample_rate(CLOCK_RATE)?)))
        .min_by_key(|&(rank, channels, _)| (rank, channels))
        .map(|(_, _, config)| config)
        .ok_or_else(|| MediaError::Device(format!("{name}: cannot run as an {direction} at {CLOCK_RATE} Hz in a sample format handled here")))
}

/// Builds a capture stream whose callback mixes the device's channels down to mono i16 into `ring`.
pub(super) fn build_input(
    device: &cpal::Device,
    config: SupportedStreamConfig,
    ring: Arc<Mutex<Ring>>,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error> {
    fn build<T: SizedSample>(
        device: &cpal::Device,
        config: StreamConfig,
        ring: Arc<Mutex<Ring>>,
        on_error: impl FnMut(cpal::Error) + Send + 'static,
    ) -> Result<cpal::Stream, cpal::Error>
    where
        f32: FromSample<T>,
    {
        let channels = usize::from(config.channels);
        let capture = move |data: &[T], _: &cpal::InputCallbackInfo| {
            let mono = data.chunks_exact(channels).map(|frame| {
                let sum: f32 = frame.iter().map(|&sample| f32::from_sample(sample)).sum();
                i16::from_sample(sum / channels as f32)
            });
            Ring::lock(&ring).push(mono);
        };
        device.build_input_stream(config, capture, on_error, None)
    }
    with_sample_type!(config.sample_format(), build(device, config.config(), ring, on_error))
}

/// Builds a playback stream whose callback plays `ring` on every channel, silence when it runs dry.
pub(super) fn build_output(
    device: &cpal::Device,
    config: SupportedStreamConfig,
    ring: Arc<Mutex<Ring>>,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error> {
    fn build<T: SizedSample + FromSample<i16>>(
        device: &cpal::Device,
        config: StreamConfig,
        ring: Arc<Mutex<Ring>>,
        on_error: impl FnMut(cpal::Error) + Send + 'static,
    ) -> Result<cpal::Stream, cpal::Error> {
        let channels = usize::from(config.channels);
        // Reused by every callback: allocates only when a callback asks for more than before.
        let mut mono = Vec::new();
        let play = move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            let frames = data.len() / channels;
            let mut ring = Ring::lock(&ring);
            mono.clear();
            mono.extend(ring.take(frames));
            ring.keep_played(&mono);
            drop(ring);
            for (frame, &sample) in data.chunks_exact_mut(channels).zip(&mono) {
                frame.fill(sample.to_sample());
            }
        };
        device.build_output_stream(config, play, on_error, None)
    }
    with_sample_type!(config.sample_format(), build(device, config.config(), ring, on_error))
}
