//! The server under test: the real `restphone-server` binary as a child process on
//! a free loopback port, with its own temporary data directory.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::BenchResult;

/// How long the server may take to answer `GET /healthz`, and to stop on SIGTERM.
const PATIENCE: Duration = Duration::from_secs(30);

pub struct ServerProcess {
    child: Child,
    pub pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The server's stdout and stderr.
    log: PathBuf,
    // Removed when the server is dropped.
    _data_dir: tempfile::TempDir,
}

/// The benchmarks measure capacity with many devices of few accounts, all from one
/// address: past the abuse limits, which would otherwise refuse them.
const CAPACITY_NOT_ABUSE: [&str; 10] = [
    "--max-devices-per-account",
    "1000",
    "--max-streams-per-account",
    "2000",
    "--max-calls-per-minute",
    "1000000",
    "--max-invitations-per-minute",
    "1000000",
    "--max-connections-per-address",
    "1000000",
];

impl ServerProcess {
    /// Starts `binary` and waits until `GET /healthz` answers 200.
    pub async fn start(binary: &Path) -> BenchResult<Self> {
        Self::start_with(binary, &[]).await
    }

    /// Starts `binary` with `args` besides its address, data directory and limits.
    pub async fn start_with(binary: &Path, args: &[String]) -> BenchResult<Self> {
        if !binary.is_file() {
            return Err(format!("no server binary at {}: build it with `cargo build --release -p restphone-server`", binary.display()).into());
        }
        let data_dir = tempfile::tempdir()?;
        let log = data_dir.path().join("server.log");
        let log_file = std::fs::File::create(&log)?;
        let port = free_port()?;
        let child = Command::new(binary)
            .args(["--listen", &format!("127.0.0.1:{port}"), "--min-expires", "60", "--data-dir"])
            .arg(data_dir.path())
            .args(CAPACITY_NOT_ABUSE)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let mut server = Self { child, pid, base_url: format!("http://127.0.0.1:{port}"), log, _data_dir: data_dir };
        server.wait_healthy().await?;
        Ok(server)
    }

    async fn wait_healthy(&mut self) -> BenchResult<()> {
        let http = reqwest::Client::new();
        let url = format!("{}/healthz", self.base_url);
        let deadline = Instant::now() + PATIENCE;
        loop {
            self.still_running()?;
            match http.get(&url).timeout(Duration::from_secs(1)).send().await {
                Ok(response) if response.status() == reqwest::StatusCode::OK => return Ok(()),
                _ if Instant::now() > deadline => return Err(format!("GET /healthz did not answer 200 within {PATIENCE:?}{}", self.log_tail()).into()),
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// An error with the end of the server's log if the server has exited.
    pub fn still_running(&mut self) -> BenchResult<()> {
        match self.child.try_wait()? {
            None => Ok(()),
            Some(status) => Err(format!("the server exited ({status}){}", self.log_tail()).into()),
        }
    }

    /// Sends SIGTERM and waits for the exit; kills it if it lingers.
    pub async fn stop(mut self) -> BenchResult<()> {
        self.still_running()?;
        let pid = libc::pid_t::try_from(self.pid)?;
        // SAFETY: kill only sends a signal, to our own child, which has not been reaped.
        if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        match tokio::time::timeout(PATIENCE, self.child.wait()).await {
            Ok(status) if status.as_ref().is_ok_and(|s| s.success()) => Ok(()),
            Ok(status) => Err(format!("the server stopped with {}{}", status?, self.log_tail()).into()),
            Err(_) => {
                self.child.kill().await?;
                Err(format!("the server did not stop within {PATIENCE:?} of SIGTERM and was killed").into())
            }
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        format!("; its log ends:\n{}", lines[lines.len().saturating_sub(20)..].join("\n"))
    }
}

/// A port the kernel just had free; the server binds it right after.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Where `cargo build --release -p restphone-server` puts the server binary.
pub fn default_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("release/restphone-server")
}
