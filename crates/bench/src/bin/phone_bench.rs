//! `phone-bench`: call setup as users see it, through the phone engine. Starts the
//! real restphone-server, runs Bob's engine and N engines for Alice (her devices) in
//! this process, and prints one JSON object:
//!
//! - `dial_to_ringing_ms`: from Bob's `dial` until every one of Alice's devices shows
//!   the call ringing;
//! - `answer_to_remote_in_use_ms`: from Alice answering on one device until all her
//!   other devices show the call as live on that device.
//!
//! ```sh
//! cargo build --release -p restphone-server -p restphone-bench
//! target/release/phone-bench [--devices 10] [--calls 100]
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use restphone_bench::BenchResult;
use restphone_bench::server_process::{self, ServerProcess};
use restphone_bench::stats::Latency;
use restphone_phone::client::ServerClient;
use restphone_phone::{Command, Phone, PhoneConfig, Snapshot};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "Measures call setup through the phone engine and prints JSON")]
struct Args {
    /// The server binary [default: $CARGO_TARGET_DIR/release/restphone-server].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Alice's devices.
    #[arg(long, default_value_t = 10)]
    devices: usize,
    /// Calls measured.
    #[arg(long, default_value_t = 100)]
    calls: usize,
}

const PASSWORD: &str = "benchmark password";
const DEADLINE: Duration = Duration::from_secs(10);

async fn phone(base: &str, email: &str, device: String) -> BenchResult<Phone> {
    let config = PhoneConfig {
        server: base.to_owned(),
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
        device_name: device,
        expires: 600,
        auto_answer: false,
        auto_voicemail: false,
        media: None,
    };
    let phone = Phone::start(config).await?;
    settle(&phone, |s| s.connected).await?;
    Ok(phone)
}

/// When `phone`'s snapshot first satisfies `condition`.
async fn settle(phone: &Phone, condition: impl Fn(&Snapshot) -> bool) -> BenchResult<Instant> {
    let mut snapshots = phone.snapshots();
    tokio::time::timeout(DEADLINE, snapshots.wait_for(|s| condition(s))).await.map_err(|_| "a phone did not reach the expected state in time")??;
    Ok(Instant::now())
}

/// The latest moment at which all `phones` satisfy `condition`.
async fn all_settle(phones: &[Phone], condition: impl Fn(&Snapshot) -> bool + Copy) -> BenchResult<Instant> {
    let moments = futures::future::try_join_all(phones.iter().map(|phone| settle(phone, condition))).await?;
    Ok(moments.into_iter().max().expect("at least one phone"))
}

fn field(snapshot: &Snapshot, call: &str, name: &str) -> Value {
    snapshot.calls.iter().find(|c| c.id == call).map(|c| serde_json::to_value(c).expect("snapshots serialise")[name].clone()).unwrap_or(Value::Null)
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let args = Args::parse();
    let binary = args.server_bin.clone().unwrap_or_else(server_process::default_binary);
    let server = ServerProcess::start(&binary).await?;
    let base = server.base_url.clone();
    for email in ["alice@bench.example", "bob@bench.example"] {
        ServerClient::sign_up(&base, email, PASSWORD, "Bench").await?;
    }
    let mut alice = Vec::new();
    for n in 0..args.devices {
        alice.push(phone(&base, "alice@bench.example", format!("Device {n}")).await?);
    }
    let bob = phone(&base, "bob@bench.example", "Phone".to_owned()).await?;
    let everyone_knows_all_devices = |s: &Snapshot| s.devices.len() == args.devices;
    all_settle(&alice, everyone_knows_all_devices).await?;

    let (mut to_ringing, mut to_remote_in_use) = (Vec::new(), Vec::new());
    for _ in 0..args.calls {
        let dialed_at = Instant::now();
        let dialed = bob.execute(Command::Dial { to: "alice@bench.example".into() }).await?;
        let call = dialed.call_id().ok_or("dial returned no call")?.to_owned();
        let ringing = all_settle(&alice, |s| field(s, &call, "state") == "ringing").await?;
        to_ringing.push(ringing - dialed_at);

        let answered_at = Instant::now();
        alice[0].execute(Command::Answer { call: Some(call.clone()) }).await?;
        let remote_in_use = all_settle(&alice[1..], |s| field(s, &call, "where") == "Device 0").await?;
        to_remote_in_use.push(remote_in_use - answered_at);

        bob.execute(Command::Hangup { call: Some(call.clone()) }).await?;
        all_settle(&alice, |s| field(s, &call, "state") == "ended").await?;
    }
    let report = json!({
        "devices": args.devices,
        "calls": args.calls,
        "dial_to_ringing_ms": Latency::of(&to_ringing),
        "answer_to_remote_in_use_ms": Latency::of(&to_remote_in_use),
        "targets": { "ringing_p99_ms": 20, "remote_in_use_p99_ms": 50 },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    for phone in alice.into_iter().chain([bob]) {
        phone.quit().await;
    }
    server.stop().await?;
    Ok(())
}
