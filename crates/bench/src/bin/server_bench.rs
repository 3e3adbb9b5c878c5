//! `server-bench`: starts the real restphone-server (a fresh one per measurement)
//! and prints one JSON object of figures on stdout; progress goes to stderr.
//!
//! - `registration_refresh`: registration refreshes per second from many phones;
//! - `call_fanout`: from `POST /call` until the last of N devices has the event;
//! - `idle_sse_streams`: server memory per open, idle push channel (one server on
//!   SQLite only).
//!
//! With `--postgres URL` (a cluster: each measurement gets a fresh database on it) the
//! first two run on PostgreSQL, with `--instances 3` on three instances behind HAProxy
//! (`deploy/haproxy.cfg`); `scripts/bench-cluster` runs every layout.
//!
//! ```sh
//! cargo build --release -p restphone-server
//! cargo run --release -p restphone-bench --bin server-bench -- [--only fanout] [--postgres URL --instances 3]
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use restphone_bench::deployment::{Deployment, Layout};
use restphone_bench::server_process;
use restphone_bench::{BenchResult, fanout, limits, registration, streams};
use serde::Serialize;

#[derive(Parser)]
#[command(about = "Measures a real restphone-server and prints the figures as JSON")]
struct Args {
    /// The server binary [default: $CARGO_TARGET_DIR/release/restphone-server].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Idle event streams to open.
    #[arg(long, default_value_t = 10_000)]
    streams: usize,
    /// Seconds registration refreshes are measured, after a warm-up.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Run only this measurement.
    #[arg(long, value_enum)]
    only: Option<Measurement>,
    /// Measure registrations and fan-out on PostgreSQL: the URL of a cluster whose
    /// user may create databases.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Instances on that database: 1, or 3 behind HAProxy.
    #[arg(long, default_value_t = 1, requires = "postgres")]
    instances: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Measurement {
    Registration,
    Fanout,
    Streams,
}

/// Concurrent phones refreshing their registrations.
const PHONES: usize = 64;
const REFRESH_WARMUP: Duration = Duration::from_secs(2);

#[derive(Serialize)]
struct Output {
    machine: Machine,
    /// Where registrations and fan-out were measured.
    layout: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    registration_refresh: Option<Section<registration::Report>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    call_fanout: Option<Section<Vec<fanout::Report>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idle_sse_streams: Option<Section<streams::Report>>,
}

#[derive(Serialize)]
struct Machine {
    cores: usize,
    /// The open-files limit of the benchmark and the server.
    open_files_limit: u64,
    git_commit: Option<String>,
    /// The working tree differs from the commit.
    git_uncommitted_changes: Option<bool>,
    server_bin: PathBuf,
}

/// A measurement's report, or why there is none.
#[derive(Serialize)]
#[serde(untagged)]
enum Section<T> {
    Measured(T),
    Failed { error: String },
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let args = Args::parse();
    let server_bin = args.server_bin.clone().unwrap_or_else(server_process::default_binary);
    let machine = Machine {
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        open_files_limit: limits::raise_open_files_limit()?,
        git_commit: git(&["rev-parse", "HEAD"]),
        git_uncommitted_changes: git(&["status", "--porcelain"]).map(|changes| !changes.is_empty()),
        server_bin: server_bin.clone(),
    };
    let wanted = |measurement: Measurement| args.only.is_none_or(|only| only == measurement);
    let layout = match args.postgres.clone() {
        Some(cluster) => Layout::Postgres { cluster, instances: args.instances },
        None => Layout::Sqlite,
    };
    let mut output = Output { machine, layout: format!("{layout:?}"), registration_refresh: None, call_fanout: None, idle_sse_streams: None };
    if wanted(Measurement::Registration) {
        let settings = registration::Settings { phones: PHONES, warmup: REFRESH_WARMUP, measured: Duration::from_secs(args.seconds) };
        output.registration_refresh = Some(on_fresh(&server_bin, &layout, async |deployment| registration::measure(deployment, &settings).await).await);
    }
    if wanted(Measurement::Fanout) {
        output.call_fanout = Some(on_fresh(&server_bin, &layout, async |deployment| fanout::measure(deployment).await).await);
    }
    if wanted(Measurement::Streams) && matches!(layout, Layout::Sqlite) {
        output.idle_sse_streams = Some(on_fresh(&server_bin, &Layout::Sqlite, async |deployment| streams::measure(deployment, args.streams).await).await);
    }
    println!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}

/// Runs `measure` against servers started for it alone, then stops them.
async fn on_fresh<T>(server_bin: &Path, layout: &Layout, measure: impl AsyncFnOnce(&Deployment) -> BenchResult<T>) -> Section<T> {
    let outcome = async {
        let mut deployment = Deployment::start(server_bin, layout).await?;
        let measured = measure(&deployment).await;
        // A crash explains a failed measurement better than the measurement's error.
        deployment.still_running()?;
        let report = measured?;
        deployment.stop().await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(report)
    };
    section(outcome.await)
}

fn section<T>(outcome: BenchResult<T>) -> Section<T> {
    match outcome {
        Ok(report) => Section::Measured(report),
        Err(error) => {
            eprintln!("failed: {error}");
            Section::Failed { error: error.to_string() }
        }
    }
}

/// The trimmed output of a git command in this workspace, if git answers.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
