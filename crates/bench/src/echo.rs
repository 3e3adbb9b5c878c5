//! Echo cancellation figures through the virtual room (`restphone_media::processing::room`),
//! faster than real time: how far the echo falls once the canceller has converged, how
//! long that takes, and what the processing costs.

use std::time::Instant;

use restphone_media::processing::room::{Room, WINDOW, samples_in_ms};
use restphone_media::processing::{AudioProcessor, ProcessingConfig};
use restphone_media::speech_like::SpeechLike;
use serde_json::{Value, json};

/// Echo paths measured: delay in ms, gain in dB.
const PATHS: [(usize, f64); 4] = [(20, 0.0), (120, -3.0), (250, -6.0), (250, 0.0)];
/// Seconds of far-end talk per path.
const SECONDS: usize = 8;

/// ERLE after convergence and time to converge for each path, then CPU.
pub fn figures() -> Value {
    let paths: Vec<Value> = PATHS
        .iter()
        .map(|&(delay_ms, gain_db)| {
            let run = Room::new(ProcessingConfig::default(), delay_ms, gain_db, 20).converge(SECONDS);
            json!({
                "delay_ms": delay_ms,
                "gain_db": gain_db,
                "converged_after_s": run.converged_after,
                "erle_db": (run.final_erle_db * 10.0).round() / 10.0,
            })
        })
        .collect();
    let canceller_only = ProcessingConfig { noise_suppression: false, gain_control: false, ..ProcessingConfig::default() };
    let suppressor_only = ProcessingConfig { echo_cancel: false, gain_control: false, ..ProcessingConfig::default() };
    json!({
        "paths": paths,
        "processing_cpu_percent": processing_cpu_percent(ProcessingConfig::default()),
        "canceller_only_cpu_percent": processing_cpu_percent(canceller_only),
        "added_latency_ms": {
            "all": added_latency_ms(ProcessingConfig::default()),
            "canceller_only": added_latency_ms(canceller_only),
            "noise_suppression_only": added_latency_ms(suppressor_only),
        },
    })
}

/// How much later a talker's voice leaves the processor than it entered: the lag at which
/// input and output correlate best (the speaker silent, so nothing is cancelled).
fn added_latency_ms(config: ProcessingConfig) -> f64 {
    let mut processor = AudioProcessor::new(config);
    let input = SpeechLike::new(5, 8_000).next_frame(samples_in_ms(6_000));
    let mut output = input.clone();
    for frame in output.chunks_exact_mut(samples_in_ms(20)) {
        processor.render(&[0; 960]);
        processor.capture(frame);
    }
    // Past the first second, while the suppressor settles; lags up to 40 ms.
    let (start, end) = (samples_in_ms(1_000), samples_in_ms(5_000));
    let lag = (0..samples_in_ms(40))
        .max_by_key(|&lag| input[start..end].iter().zip(&output[start + lag..]).map(|(&a, &b)| i64::from(a) * i64::from(b)).sum::<i64>())
        .unwrap_or(0);
    lag as f64 / samples_in_ms(1) as f64
}

/// One device's processing (render and capture) of 20 s of a call, as a share of one core:
/// run on this thread as fast as it goes, so the time taken is the CPU it needs.
fn processing_cpu_percent(config: ProcessingConfig) -> f64 {
    let mut room = Room::new(config, 120, -3.0, 20);
    // Converged first: the work per frame is what a call pays from then on.
    room.converge(2);
    let windows = 40;
    let started = Instant::now();
    for _ in 0..windows {
        room.far_end_alone();
    }
    let audio_seconds = (windows * WINDOW) as f64 / 48_000.0;
    // The room's own work (the talker and the echo path) is included, so this is an upper bound.
    (started.elapsed().as_secs_f64() / audio_seconds * 1e4).round() / 1e2
}
