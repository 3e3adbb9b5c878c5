//! app-bench: the desktop app's package size, launch time and memory, as JSON.
//!
//! Needs Xvfb and dbus-daemon, a sound server for the call's audio (scripts/audio.sh),
//! the release app and server (scripts/bench-app builds them and the .deb).

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use restphone_bench::BenchResult;

#[derive(Parser)]
struct Args {
    /// The app binary to measure.
    #[arg(long)]
    app: PathBuf,
    /// The restphone-server binary the app signs in to.
    #[arg(long)]
    server_bin: PathBuf,
    /// The .deb whose size to report.
    #[arg(long)]
    deb: Option<PathBuf>,
    /// Seconds the app sits before each memory reading.
    #[arg(long, default_value_t = 5)]
    settle_seconds: u64,
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let args = Args::parse();
    let deb_bytes = match &args.deb {
        Some(deb) => Some(std::fs::metadata(deb).map_err(|e| format!("{}: {e}", deb.display()))?.len()),
        None => None,
    };
    let footprint = restphone_bench::app_footprint::measure(&args.app, &args.server_bin, Duration::from_secs(args.settle_seconds)).await?;
    let report = serde_json::json!({
        "deb_mb": deb_bytes.map(|bytes| (bytes as f64 / 1e6 * 10.0).round() / 10.0),
        "app_binary_mb": (std::fs::metadata(&args.app)?.len() as f64 / 1e6 * 10.0).round() / 10.0,
        "footprint": footprint,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
