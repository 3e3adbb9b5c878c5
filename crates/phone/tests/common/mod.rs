//! What the CLI tests share: a server in the test process, and `restphone-cli` run as a
//! subprocess, one-shot or with commands on standard input and JSON lines on standard output.
// Each test binary uses its own part of this module.
#![allow(dead_code)]

pub mod netns;

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

pub const DEADLINE: Duration = Duration::from_secs(20);

pub async fn start_server(dir: &std::path::Path) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = restphone_server::Config::new(listener.local_addr().unwrap(), dir.to_path_buf());
    tokio::spawn(restphone_server::serve(config, listener, std::future::pending()));
    base
}

/// A server speaking HTTPS with a self-signed certificate; returns its pairing link.
pub async fn start_tls_server(dir: &std::path::Path) -> String {
    start_tls_server_on("127.0.0.1:0".parse().unwrap(), dir.to_path_buf()).await
}

pub async fn start_tls_server_on(address: std::net::SocketAddr, dir: std::path::PathBuf) -> String {
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    let mut config = restphone_server::Config::new(listener.local_addr().unwrap(), dir.clone());
    config.public_hosts = vec![address.ip().to_string()];
    config.tls = Some(restphone_server::tls::TlsSource::SelfSigned);
    // Made here first, so the link's fingerprint is the one the server then loads.
    let tls = restphone_server::tls::load(config.tls.as_ref().unwrap(), &dir, &config.public_hosts).unwrap();
    let link = restphone_server::tls::pairing_link(&config, listener.local_addr().unwrap(), &tls.fingerprint);
    tokio::spawn(restphone_server::serve(config, listener, std::future::pending()));
    link.to_string()
}

pub fn cli(base: &str, user: &str, device: &str, args: &[&str]) -> Command {
    cli_in(None, base, user, device, args)
}

/// `restphone-cli` run inside a network namespace, when one is named.
pub fn cli_in(namespace: Option<&str>, base: &str, user: &str, device: &str, args: &[&str]) -> Command {
    let program = env!("CARGO_BIN_EXE_restphone-cli");
    let mut command = match namespace {
        // `ip netns exec` enters the namespace and then becomes the program (same pid).
        Some(namespace) => {
            let mut command = Command::new("ip");
            command.args(["netns", "exec", namespace, program]);
            command
        }
        None => Command::new(program),
    };
    command.args(["--server", base, "--user", user, "--password", "a long password", "--device", device]).args(args);
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).kill_on_drop(true);
    command
}

pub async fn one_shot(base: &str, user: &str, args: &[&str]) -> (bool, Value) {
    let output = cli(base, user, "cli", args).output().await.unwrap();
    let line = String::from_utf8(output.stdout).unwrap();
    (output.status.success(), serde_json::from_str(line.lines().last().unwrap()).unwrap())
}

pub struct Running {
    pub child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// The last snapshot printed: the whole state, so a later wait can start from it.
    latest_snapshot: Option<Value>,
}

impl Running {
    pub fn start(base: &str, user: &str, device: &str, args: &[&str]) -> Self {
        Self::start_in(None, base, user, device, args)
    }

    pub fn start_in(namespace: Option<&str>, base: &str, user: &str, device: &str, args: &[&str]) -> Self {
        let mut child = cli_in(namespace, base, user, device, args).spawn().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, lines, latest_snapshot: None }
    }

    pub async fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).await.unwrap();
    }

    /// The first output line for which `accept` holds.
    pub async fn until(&mut self, what: &str, accept: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let Ok(line) = tokio::time::timeout_at(deadline, self.lines.next_line()).await else {
                panic!("{what}: nothing in time; the last snapshot: {}", self.latest_snapshot.as_ref().map_or("none".to_owned(), Value::to_string));
            };
            let line = line.unwrap().unwrap_or_else(|| panic!("{what}: the CLI ended"));
            let value: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
            if value.get("calls").is_some() {
                self.latest_snapshot = Some(value.clone());
            }
            if accept(&value) {
                return value;
            }
        }
    }

    /// The current snapshot once `accept` holds for it (it may already).
    pub async fn until_snapshot(&mut self, what: &str, accept: impl Fn(&Value) -> bool) -> Value {
        match self.latest_snapshot.clone() {
            Some(snapshot) if accept(&snapshot) => snapshot,
            _ => self.until(what, |v| v.get("calls").is_some() && accept(v)).await,
        }
    }
}

/// Writes `seconds` of a tone of `hz` as a 48 kHz mono WAV file at `path`.
pub fn write_tone_wav(path: &std::path::Path, hz: f64, seconds: f64) {
    use restphone_media::device::{AudioSink, WavSink};
    let mut sink = WavSink::create(path).unwrap();
    sink.write(&restphone_media::tone::Tone::new(hz, 8_000).next_frame((seconds * 48_000.0) as usize)).unwrap();
    sink.finish().unwrap();
}

/// Every sample of a 48 kHz mono WAV file.
pub fn wav_samples(path: &std::path::Path) -> Vec<i16> {
    use restphone_media::device::{AudioSource, WavSource};
    let mut wav = WavSource::open(path).unwrap();
    let mut pcm = vec![0; wav.remaining()];
    wav.read(&mut pcm).unwrap();
    pcm
}

/// How long a tone (amplitude 8,000) lasts in `pcm`, from its first loud sample to its last.
pub fn loud_ms(pcm: &[i16]) -> usize {
    let first = pcm.iter().position(|s| s.unsigned_abs() > 2_000);
    let last = pcm.iter().rposition(|s| s.unsigned_abs() > 2_000);
    first.zip(last).map_or(0, |(first, last)| (last - first) / 48)
}
