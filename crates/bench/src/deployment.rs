//! What the registration and fan-out benchmarks measure: one server (on SQLite, or on
//! PostgreSQL), or three instances on one PostgreSQL database behind HAProxy running the
//! repository's `deploy/haproxy.cfg`, the way a company would run them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::BenchResult;
use crate::server_process::ServerProcess;

/// The names `deploy/haproxy.cfg` gives its three servers.
const INSTANCES: [&str; 3] = ["ONE", "TWO", "THREE"];

#[derive(Debug, Clone)]
pub enum Layout {
    /// One server on its own SQLite file.
    Sqlite,
    /// `instances` (1 or 3) on a fresh database of the PostgreSQL cluster at this URL;
    /// three are reached through HAProxy.
    Postgres { cluster: String, instances: usize },
}

pub struct Deployment {
    servers: Vec<ServerProcess>,
    balancer: Option<Child>,
    /// Where clients connect: the server, or the balancer.
    pub base_url: String,
}

impl Deployment {
    pub async fn start(binary: &Path, layout: &Layout) -> BenchResult<Self> {
        let Layout::Postgres { cluster, instances } = layout else {
            let server = ServerProcess::start(binary).await?;
            return Ok(Self { base_url: server.base_url.clone(), servers: vec![server], balancer: None });
        };
        let args = ["--db".to_owned(), fresh_database(cluster), "--trusted-proxy".to_owned(), "127.0.0.1".to_owned()];
        // The first instance creates the database and runs the migrations alone.
        let mut servers = vec![ServerProcess::start_with(binary, &args).await?];
        if *instances == 1 {
            return Ok(Self { base_url: servers[0].base_url.clone(), servers, balancer: None });
        }
        if *instances != INSTANCES.len() {
            return Err(format!("deploy/haproxy.cfg balances {} instances, not {instances}", INSTANCES.len()).into());
        }
        while servers.len() < INSTANCES.len() {
            servers.push(ServerProcess::start_with(binary, &args).await?);
        }
        let listen = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/haproxy.cfg");
        let balancer = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .env("RESTPHONE_LISTEN", listen.to_string())
            .env("RESTPHONE_CONNECTIONS_PER_CLIENT", "1000000")
            .envs(INSTANCES.iter().zip(&servers).map(|(name, server)| (format!("RESTPHONE_{name}"), server.base_url.trim_start_matches("http://").to_owned())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start haproxy (Debian package haproxy): {e}"))?;
        let deployment = Self { base_url: format!("http://{listen}"), servers, balancer: Some(balancer) };
        deployment.wait_balanced().await?;
        Ok(deployment)
    }

    /// Until the balancer answered from every instance.
    async fn wait_balanced(&self) -> BenchResult<()> {
        let http = reqwest::Client::new();
        let mut seen = std::collections::HashSet::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while seen.len() < self.servers.len() {
            if Instant::now() > deadline {
                return Err(format!("the balancer reached only {seen:?}").into());
            }
            match http.get(format!("{}/healthz", self.base_url)).send().await {
                Ok(reply) if reply.status() == reqwest::StatusCode::OK => seen.extend(reply.headers().get("x-served-by").map(|name| name.as_bytes().to_vec())),
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        Ok(())
    }

    pub fn server_pids(&self) -> Vec<u32> {
        self.servers.iter().map(|server| server.pid).collect()
    }

    pub fn balancer_pid(&self) -> Option<u32> {
        self.balancer.as_ref().and_then(Child::id)
    }

    /// An error with the end of its log if a server has exited.
    pub fn still_running(&mut self) -> BenchResult<()> {
        self.servers.iter_mut().try_for_each(ServerProcess::still_running)
    }

    pub async fn stop(mut self) -> BenchResult<()> {
        if let Some(mut balancer) = self.balancer.take() {
            balancer.kill().await?;
        }
        for server in self.servers {
            server.stop().await?;
        }
        Ok(())
    }
}

/// A database name not used before on `cluster`; the first instance creates it.
fn fresh_database(cluster: &str) -> String {
    static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    format!("{cluster}/restphone_bench_{started}_{}_{n}", std::process::id())
}
