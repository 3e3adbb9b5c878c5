//! `media-bench`: call audio as users hear it. Prints one JSON object:
//!
//! - `mouth_to_ear_ms` (10 and 20 ms frames): a burst enters Bob's microphone, and is
//!   found by cross-correlation in what Alice's speaker plays; two call legs in this
//!   process over loopback (real WebRTC, DTLS-SRTP, Opus, our jitter buffer), virtual
//!   devices without device buffering;
//! - `cpu_per_call_percent`: CPU time of this process per second of one call leg (one
//!   device's side of a call), as a share of one core, with `--cpu-calls` calls running;
//! - `answer_to_first_audio_ms`: through the real server and the engines, from Alice
//!   answering until each side first plays the other's voice;
//! - `pull_gap_ms`: from the last frame of Bob's voice played on Alice's laptop to the
//!   first played on her desk phone after the desk pulls the call;
//! - `echo`: through a virtual room (delays 20–250 ms, gains -6 to 0 dB), the echo
//!   return loss enhancement after convergence, the time to fall 30 dB, and the CPU of one
//!   device's processing, and the latency the processing adds to mouth-to-ear (its
//!   algorithmic delay: the calls around it buffer nothing more).
//!
//! ```sh
//! cargo build --release -p restphone-server -p restphone-bench
//! target/release/media-bench [--calls 20] [--seconds 10] [--cpu-calls 4]
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use restphone_bench::BenchResult;
use restphone_bench::audio_timing::{BurstSource, TimedSink};
use restphone_bench::procfs::Process;
use restphone_bench::server_process::{self, ServerProcess};
use restphone_bench::stats::Latency;
use restphone_media::call::{AudioDevices, CallMedia, MediaConfig};
use restphone_media::device::{NullSink, SilenceSource, ToneSource};
use restphone_media::opus::FrameDuration;
use restphone_media::tone::Tone;
use restphone_phone::client::ServerClient;
use restphone_phone::{Command, MediaSetup, Phone, PhoneConfig, Snapshot};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "Measures call audio and prints JSON")]
struct Args {
    /// The server binary [default: $CARGO_TARGET_DIR/release/restphone-server].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Calls answered and pulled through the server.
    #[arg(long, default_value_t = 20)]
    calls: usize,
    /// Seconds of audio for the latency and CPU measurements.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Calls running at once while CPU time is measured.
    #[arg(long, default_value_t = 4)]
    cpu_calls: usize,
}

const PASSWORD: &str = "benchmark password";
const DEADLINE: Duration = Duration::from_secs(10);
/// Louder than this is sound (the tones play at rms ~5,700; concealment fades far below).
const SOUND_RMS: f64 = 1_000.0;

fn loopback(frame: FrameDuration) -> MediaConfig {
    MediaConfig { frame, udp_addrs: vec!["127.0.0.1:0".to_owned()], ..MediaConfig::default() }
}

fn tone_devices(hz: f64, sink: TimedSink) -> AudioDevices {
    AudioDevices::new(Box::new(ToneSource::new(Tone::new(hz, 8_000))), Box::new(sink))
}

/// Two legs in this process, Bob offering, Alice answering.
async fn call_pair(frame: FrameDuration, bob: AudioDevices, alice: AudioDevices) -> BenchResult<(CallMedia, CallMedia)> {
    let config = loopback(frame);
    let (bob, offer) = CallMedia::offer(&config, bob).await?;
    let (alice, answer) = CallMedia::answer(&config, alice, &offer).await?;
    bob.accept_answer(&answer).await?;
    Ok((bob, alice))
}

async fn mouth_to_ear(frame: FrameDuration, seconds: u64) -> BenchResult<Value> {
    // A burst every 0.5 s and a bit, so bursts land at every offset within a frame.
    let mouth = BurstSource::new(24_000 + 173);
    let ear = TimedSink::default();
    let bob = AudioDevices::new(Box::new(mouth.clone()), Box::new(NullSink));
    let alice = AudioDevices::new(Box::new(SilenceSource), Box::new(ear.clone()));
    let (bob, alice) = call_pair(frame, bob, alice).await?;
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    bob.close().await;
    alice.close().await;
    let delays = ear.burst_delays(&mouth.sent_at(), Duration::from_millis(500));
    Ok(json!(Latency::of(&delays)))
}

async fn cpu_per_call(calls: usize, seconds: u64) -> BenchResult<Value> {
    let mut running = Vec::new();
    for _ in 0..calls {
        let quiet = |hz: f64| AudioDevices::new(Box::new(ToneSource::new(Tone::new(hz, 8_000))), Box::new(NullSink));
        running.push(call_pair(FrameDuration::Ms20, quiet(440.0), quiet(1000.0)).await?);
    }
    // Connected calls only: setup (DTLS handshakes) is not per call-second.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (cpu_before, wall_before) = (Process::Me.cpu_time()?, Instant::now());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (cpu, wall) = (Process::Me.cpu_time()? - cpu_before, wall_before.elapsed());
    for (bob, alice) in running {
        bob.close().await;
        alice.close().await;
    }
    let leg_seconds = wall.as_secs_f64() * (2 * calls) as f64;
    Ok(json!(((cpu.as_secs_f64() / leg_seconds) * 1e4).round() / 1e2))
}

async fn phone(base: &str, email: &str, device: &str, hz: f64, ear: TimedSink) -> BenchResult<Phone> {
    let media = MediaSetup { config: loopback(FrameDuration::Ms20), devices: tone_devices(hz, ear) };
    let config = PhoneConfig {
        server: base.to_owned(),
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
        device_name: device.to_owned(),
        expires: 600,
        auto_answer: false,
        auto_voicemail: false,
        media: Some(media),
    };
    let phone = Phone::start(config).await?;
    settle(&phone, |s| s.connected).await?;
    Ok(phone)
}

async fn settle(phone: &Phone, condition: impl Fn(&Snapshot) -> bool) -> BenchResult<()> {
    let mut snapshots = phone.snapshots();
    tokio::time::timeout(DEADLINE, snapshots.wait_for(|s| condition(s))).await.map_err(|_| "a phone did not reach the expected state in time")??;
    Ok(())
}

fn field(snapshot: &Snapshot, call: &str, name: &str) -> Value {
    snapshot.calls.iter().find(|c| c.id == call).map(|c| serde_json::to_value(c).expect("snapshots serialise")[name].clone()).unwrap_or(Value::Null)
}

/// When `ear` first plays sound at or after `from`, waiting up to the deadline.
async fn first_sound(ear: &TimedSink, from: Instant) -> BenchResult<Instant> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(at) = ear.first_sound(from, SOUND_RMS) {
            return Ok(at);
        }
        if Instant::now() > deadline {
            return Err("no audio played within the deadline".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

struct Handover {
    caller_first_audio: Vec<Duration>,
    callee_first_audio: Vec<Duration>,
    pull_gaps: Vec<f64>,
}

async fn answer_and_pull(binary: &std::path::Path, calls: usize) -> BenchResult<Handover> {
    let server = ServerProcess::start(binary).await?;
    let base = server.base_url.clone();
    for email in ["alice@bench.example", "bob@bench.example"] {
        ServerClient::sign_up(&base, email, PASSWORD, "Bench").await?;
    }
    let (laptop_ear, desk_ear, bob_ear) = (TimedSink::default(), TimedSink::default(), TimedSink::default());
    let laptop = phone(&base, "alice@bench.example", "Laptop", 1000.0, laptop_ear.clone()).await?;
    let desk = phone(&base, "alice@bench.example", "Desk", 1000.0, desk_ear.clone()).await?;
    let bob = phone(&base, "bob@bench.example", "Phone", 440.0, bob_ear.clone()).await?;
    settle(&desk, |s| s.devices.len() == 2).await?;
    let mut handover = Handover { caller_first_audio: Vec::new(), callee_first_audio: Vec::new(), pull_gaps: Vec::new() };
    for _ in 0..calls {
        let dialed = bob.execute(Command::Dial { to: "alice@bench.example".into() }).await?;
        let call = dialed.call_id().ok_or("dial returned no call")?.to_owned();
        settle(&laptop, |s| field(s, &call, "state") == "ringing").await?;
        let answered_at = Instant::now();
        laptop.execute(Command::Answer { call: Some(call.clone()) }).await?;
        handover.callee_first_audio.push(first_sound(&laptop_ear, answered_at).await? - answered_at);
        handover.caller_first_audio.push(first_sound(&bob_ear, answered_at).await? - answered_at);

        let pulled_at = Instant::now();
        desk.execute(Command::Pull { call: call.clone() }).await?;
        let desk_first = first_sound(&desk_ear, pulled_at).await?;
        settle(&laptop, |s| field(s, &call, "where") == "Desk").await?;
        let laptop_last = laptop_ear.last_sound(SOUND_RMS).ok_or("the laptop never played sound")?;
        // Negative: both devices played Bob's voice for a moment.
        handover.pull_gaps.push(desk_first.duration_since(laptop_last).as_secs_f64() * 1e3 - laptop_last.duration_since(desk_first).as_secs_f64() * 1e3);

        bob.execute(Command::Hangup { call: Some(call.clone()) }).await?;
        settle(&desk, |s| field(s, &call, "state") == "ended").await?;
    }
    for phone in [laptop, desk, bob] {
        phone.quit().await;
    }
    server.stop().await?;
    Ok(handover)
}

fn spread(values: &mut [f64]) -> Value {
    values.sort_by(f64::total_cmp);
    let at = |percent: f64| values.get(((percent / 100.0 * values.len() as f64).ceil() as usize).clamp(1, values.len().max(1)) - 1).copied();
    json!({ "count": values.len(), "p50_ms": at(50.0), "p99_ms": at(99.0), "max_ms": values.last() })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> BenchResult<()> {
    let args = Args::parse();
    let binary = args.server_bin.clone().unwrap_or_else(server_process::default_binary);
    let ten = mouth_to_ear(FrameDuration::Ms10, args.seconds).await?;
    let twenty = mouth_to_ear(FrameDuration::Ms20, args.seconds).await?;
    let echo = restphone_bench::echo::figures();
    let cpu = cpu_per_call(args.cpu_calls, args.seconds).await?;
    let mut handover = answer_and_pull(&binary, args.calls).await?;
    let report = json!({
        "mouth_to_ear_ms": { "frame_10ms": ten, "frame_20ms": twenty },
        "echo": echo,
        "cpu_per_call_percent": cpu,
        "cpu_calls": args.cpu_calls,
        "answer_to_first_audio_ms": {
            "caller": Latency::of(&handover.caller_first_audio),
            "callee": Latency::of(&handover.callee_first_audio),
        },
        "pull_gap_ms": spread(&mut handover.pull_gaps),
        "targets": {
            "first_audio_p50_ms": 150,
            "mouth_to_ear_p50_ms": { "frame_10ms": 40, "frame_20ms": 60 },
            "pull_gap_ms": 300,
            "cpu_per_call_percent": 2,
            "echo_erle_db": 30,
            "echo_converged_after_s": 2,
            "processing_cpu_percent": 1,
            "processing_added_latency_ms": 10,
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
