//! Echo cancellation figures through the virtual room (`restphone_media::processing::room`),
//! faster than real time: how far the echo falls once the canceller has converged, how
//! long that takes, and what the processing costs.

use std::time::Instant;

use restphone_media::processing::ProcessingConfig;
use restphone_media::processing::room::{Room, WINDOW};
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
    json!({ "paths": paths, "processing_cpu_percent": processing_cpu_percent(ProcessingConfig::default()), "canceller_only_cpu_percent": processing_cpu_percent(ProcessingConfig { noise_suppression: false, gain_control: false, ..ProcessingConfig::default() }) })
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
