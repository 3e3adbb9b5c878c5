//! The desktop app's footprint: how long its window takes to come up, and how much
//! memory it and its WebKit processes take, idle after sign-in and during a call.
//!
//! The app runs as a user runs it (the real binary, signed in to a real server by the
//! settings a previous run leaves), on an Xvfb display and a session bus of its own.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use restphone_media::call::{AudioDevices, MediaConfig};
use restphone_media::device::{NullSink, ToneSource};
use restphone_media::tone::Tone;
use restphone_phone::client::ServerClient;
use restphone_phone::core::appearance::{AppearanceState, Where};
use restphone_phone::{Command as PhoneCommand, MediaSetup, Phone, PhoneConfig};
use serde::Serialize;

use crate::BenchResult;
use crate::server_process::ServerProcess;

const PASSWORD: &str = "correct horse battery";
const ALICE: &str = "alice@example.com";
const PATIENCE: Duration = Duration::from_secs(60);

#[derive(Debug, Serialize)]
pub struct Memory {
    /// Proportional set size of the app and every process it started, summed.
    pub total_mb: f64,
    /// By process name (the app, WebKitWebProcess, WebKitNetworkProcess): where it goes.
    pub by_process: BTreeMap<String, ProcessMemory>,
}

/// One process's proportional set size, split as `/proc/PID/smaps_rollup` splits it.
#[derive(Debug, Default, Serialize)]
pub struct ProcessMemory {
    pub pss_mb: f64,
    /// The heap and other private memory.
    pub anon_mb: f64,
    /// Mapped files: the binary and its libraries, shared with other processes by share.
    pub file_mb: f64,
    pub shmem_mb: f64,
}

#[derive(Debug, Serialize)]
pub struct Footprint {
    /// From starting the binary to the window's first request to the app (its page runs).
    pub launch_to_window_ms: u64,
    /// From starting the binary to signed in with the remembered account.
    pub launch_to_signed_in_ms: u64,
    pub idle_signed_in: Memory,
    pub in_call: Memory,
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program` and returns the first line it prints (a display number, a bus address).
fn start_and_read(program: &str, args: &[&str]) -> BenchResult<(Running, String)> {
    let mut child =
        Command::new(program).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().map_err(|e| format!("cannot start {program}: {e}"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
    Ok((Running(child), line.trim().to_owned()))
}

fn megabytes(kb: u64) -> f64 {
    (kb as f64 / 1024.0 * 10.0).round() / 10.0
}

/// `pid`'s proportional set size, from `/proc/PID/smaps_rollup`.
fn process_memory(pid: u32) -> ProcessMemory {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        let value = rollup.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(':'));
        megabytes(value.and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0))
    };
    ProcessMemory { pss_mb: field("Pss"), anon_mb: field("Pss_Anon"), file_mb: field("Pss_File"), shmem_mb: field("Pss_Shmem") }
}

/// `pid` and all its descendants, with their names.
fn process_tree(pid: u32) -> Vec<(u32, String)> {
    let parent_of = |candidate: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{candidate}/stat")).ok()?;
        stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()
    };
    let all: Vec<u32> =
        std::fs::read_dir("/proc").map(|dir| dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok()).collect()).unwrap_or_default();
    let mut tree = vec![pid];
    let mut index = 0;
    while index < tree.len() {
        let parent = tree[index];
        tree.extend(all.iter().copied().filter(|&candidate| parent_of(candidate) == Some(parent)));
        index += 1;
    }
    tree.into_iter().map(|pid| (pid, std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_owned())).collect()
}

fn memory(pid: u32) -> Memory {
    let by_process: BTreeMap<String, ProcessMemory> = process_tree(pid).into_iter().map(|(pid, name)| (name, process_memory(pid))).collect();
    let total_mb = (by_process.values().map(|process| process.pss_mb).sum::<f64>() * 10.0).round() / 10.0;
    Memory { total_mb, by_process }
}

/// Waits until the app's log has a line with each of `texts`; for each, the time since
/// `launched` at which it was first seen.
async fn logged<const N: usize>(log: &Path, texts: [&str; N], launched: Instant) -> BenchResult<[u64; N]> {
    let mut seen = [None; N];
    while launched.elapsed() < PATIENCE {
        let content = std::fs::read_to_string(log).unwrap_or_default();
        for (text, when) in texts.iter().zip(seen.iter_mut()) {
            if when.is_none() && content.contains(text) {
                *when = Some(launched.elapsed().as_millis() as u64);
            }
        }
        if let Some(all) = seen.iter().copied().collect::<Option<Vec<u64>>>() {
            return Ok(all.try_into().expect("one time per text"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Err(format!("the app did not log all of {texts:?} within {PATIENCE:?} (see {})", log.display()).into())
}

/// Runs `app` signed in as Alice on a fresh `server_bin`, measures, and stops both.
/// `settle` is how long the app sits before each memory reading.
pub async fn measure(app: &Path, server_bin: &Path, settle: Duration) -> BenchResult<Footprint> {
    let server = ServerProcess::start(server_bin).await?;
    let base = server.base_url.clone();
    ServerClient::sign_up(&base, ALICE, PASSWORD, "Alice").await?;
    ServerClient::sign_up(&base, "bob@example.com", PASSWORD, "Bob").await?;

    let data = tempfile::tempdir()?;
    let settings = serde_json::json!({ "server": { "kind": "remote", "url": base }, "email": ALICE, "device_name": "Desk" });
    std::fs::write(data.path().join("settings.json"), settings.to_string())?;
    std::fs::write(data.path().join("secrets.json"), serde_json::json!({ format!("{ALICE} at {base}"): PASSWORD }).to_string())?;
    let log: PathBuf = data.path().join("restphone.log");

    let (_xvfb, display) = start_and_read("Xvfb", &["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])?;
    let (_bus, bus) = start_and_read("dbus-daemon", &["--session", "--nofork", "--print-address=1"])?;
    let launched = Instant::now();
    let child = Command::new(app)
        .env("DISPLAY", format!(":{display}"))
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .env("RESTPHONE_DATA_DIR", data.path())
        .env("RESTPHONE_LOG_FILE", &log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", app.display()))?;
    let app_process = Running(child);
    let pid = app_process.0.id();
    let [launch_to_window_ms, launch_to_signed_in_ms] = logged(&log, ["the window is up", "signed in"], launched).await?;
    tokio::time::sleep(settle).await;
    let idle_signed_in = memory(pid);

    // Bob calls with a tone; Alice answers on the app from another device of hers.
    let tone = Box::new(ToneSource::new(Tone::new(440.0, 8_000)));
    let media = MediaSetup { config: MediaConfig::default(), devices: AudioDevices::new(tone, Box::new(NullSink)) };
    let bob = Phone::start(PhoneConfig { media: Some(media), ..PhoneConfig::new(&base, "bob@example.com", PASSWORD, "Phone") }).await?;
    let remote = Phone::start(PhoneConfig::new(&base, ALICE, PASSWORD, "Remote")).await?;
    let call = bob.execute(PhoneCommand::Dial { to: ALICE.into() }).await?.call_id().ok_or("no call id")?.to_owned();
    let mut snapshots = remote.snapshots();
    tokio::time::timeout(PATIENCE, snapshots.wait_for(|s| s.calls.iter().any(|c| c.id == call && c.state == AppearanceState::Ringing))).await??;
    remote.execute(PhoneCommand::AnswerOn { call: call.clone(), device: "Desk".into() }).await?;
    let on_desk = |s: &restphone_phone::Snapshot| {
        s.calls.iter().any(|c| c.id == call && c.state == AppearanceState::Active && matches!(&c.where_, Where::Elsewhere { name, .. } if name == "Desk"))
    };
    tokio::time::timeout(PATIENCE, snapshots.wait_for(on_desk)).await??;
    tokio::time::sleep(settle).await;
    let in_call = memory(pid);
    bob.execute(PhoneCommand::Hangup { call: Some(call) }).await?;
    bob.quit().await;
    remote.quit().await;
    drop(app_process);
    Ok(Footprint { launch_to_window_ms, launch_to_signed_in_ms, idle_signed_in, in_call })
}
