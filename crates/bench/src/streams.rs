//! `idle_sse_streams`: what the server's memory grows by per open, idle push channel.
//! Many devices spread over accounts open `GET /events` at once; the server's resident
//! memory is read before any is opened and once all have their response headers.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;

use crate::BenchResult;
use crate::api::Api;
use crate::deployment::Deployment;
use crate::procfs::Process;

pub const DEVICES_PER_ACCOUNT: usize = 100;
const REGISTER_CONCURRENCY: usize = 16;
/// Connections being opened at once; the server's accept backlog is 1024.
const OPEN_CONCURRENCY: usize = 256;
/// Time for the server to finish setting up the last streams before memory is read.
const SETTLE: Duration = Duration::from_secs(1);

#[derive(Debug, Serialize)]
pub struct Report {
    pub streams_requested: usize,
    pub streams_held: usize,
    pub accounts: usize,
    pub devices_per_account: usize,
    pub register_devices_seconds: f64,
    pub open_streams_seconds: f64,
    /// Before the accounts were created: signing up and in (argon2) costs memory too.
    pub rss_at_start_mb: f64,
    pub rss_after_accounts_mb: f64,
    /// After the devices were registered, before any stream was opened.
    pub rss_before_mb: f64,
    pub rss_after_mb: f64,
    /// (after − before) / streams held.
    pub kb_per_stream: Option<f64>,
    /// Streams that could not be opened, by root cause (e.g. out of file descriptors).
    pub failures: BTreeMap<String, usize>,
    pub bench_rss_after_mb: f64,
}

/// One server's memory: `deployment` is a single server.
pub async fn measure(deployment: &Deployment, streams: usize) -> BenchResult<Report> {
    let api = &Api::new(&deployment.base_url)?;
    let server_process = Process::Pid(deployment.server_pids()[0]);
    let rss_at_start = server_process.rss_kb()?;
    let accounts_needed = streams.div_ceil(DEVICES_PER_ACCOUNT);
    eprintln!("streams: creating {accounts_needed} accounts");
    let accounts = api.create_accounts("idle", accounts_needed).await?;
    let rss_after_accounts = server_process.rss_kb()?;
    eprintln!("streams: registering {streams} devices");
    let registering = Instant::now();
    let owners = (0..streams).map(|n| &accounts[n / DEVICES_PER_ACCOUNT]);
    let devices: Vec<_> = futures::stream::iter(owners)
        .map(|account| async move { api.register(account, "idle phone").await.map(|registered| (account, registered.id)) })
        .buffer_unordered(REGISTER_CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<BenchResult<_>>()?;
    let register_devices_seconds = registering.elapsed().as_secs_f64();
    let rss_before = server_process.rss_kb()?;
    eprintln!("streams: opening {streams} push channels");
    let opening = Instant::now();
    let outcomes: Vec<_> = futures::stream::iter(&devices).map(|(account, id)| api.open_events(account, id)).buffer_unordered(OPEN_CONCURRENCY).collect().await;
    let open_streams_seconds = opening.elapsed().as_secs_f64();
    let mut held = Vec::with_capacity(streams);
    let mut failures = BTreeMap::new();
    for outcome in outcomes {
        match outcome {
            Ok(channel) => held.push(channel),
            Err(error) => *failures.entry(root_cause(error.as_ref())).or_insert(0) += 1,
        }
    }
    tokio::time::sleep(SETTLE).await;
    let rss_after = server_process.rss_kb()?;
    eprintln!("streams: {} held, server RSS {rss_before} kB -> {rss_after} kB", held.len());
    let kb_per_stream = (!held.is_empty()).then(|| round_to_tenth(rss_after.saturating_sub(rss_before) as f64 / held.len() as f64));
    Ok(Report {
        streams_requested: streams,
        streams_held: held.len(),
        accounts: accounts.len(),
        devices_per_account: streams.min(DEVICES_PER_ACCOUNT),
        register_devices_seconds: round_to_tenth(register_devices_seconds),
        open_streams_seconds: round_to_tenth(open_streams_seconds),
        rss_at_start_mb: round_to_tenth(rss_at_start as f64 / 1024.0),
        rss_after_accounts_mb: round_to_tenth(rss_after_accounts as f64 / 1024.0),
        rss_before_mb: round_to_tenth(rss_before as f64 / 1024.0),
        rss_after_mb: round_to_tenth(rss_after as f64 / 1024.0),
        kb_per_stream,
        failures,
        bench_rss_after_mb: round_to_tenth(Process::Me.rss_kb()? as f64 / 1024.0),
    })
}

/// The innermost error: "Too many open files (os error 24)" rather than the URL.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

fn round_to_tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}
