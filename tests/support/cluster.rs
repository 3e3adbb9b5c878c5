//! What a company runs: three restphone-server processes on one PostgreSQL database (on
//! the cluster `scripts/postgres.sh` starts), behind HAProxy on the repository's own
//! configuration, `deploy/haproxy.cfg`. Instances are processes, so a test can kill one
//! with SIGKILL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::DEADLINE;

/// The names `deploy/haproxy.cfg` gives its three servers.
pub const INSTANCES: [&str; 3] = ["one", "two", "three"];

struct Instance {
    name: &'static str,
    address: SocketAddr,
    process: Child,
}

pub struct Cluster {
    /// `http://127.0.0.1:PORT`: the load balancer.
    pub base: String,
    /// The database the instances share.
    pub database: String,
    instances: Vec<Instance>,
    balancer: Child,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts the instances, each with `args` besides its address, data dir and database,
    /// then the load balancer; returns once the balancer reaches all three.
    pub async fn start(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let database = crate::fresh_postgres_database();
        let mut instances = Vec::new();
        for name in INSTANCES {
            let address = free_port();
            let log = std::fs::File::create(dir.path().join(format!("{name}.log"))).unwrap();
            let process = Command::new(server_binary())
                .args(["--listen", &address.to_string(), "--db", &database, "--trusted-proxy", "127.0.0.1"])
                .arg("--data-dir")
                .arg(dir.path().join("data"))
                .args(args)
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("restphone-server starts");
            instances.push(Instance { name, address, process });
            // The first creates the database and runs the migrations alone.
            wait_healthy(&format!("http://{address}")).await;
        }
        let listen = free_port();
        let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/haproxy.cfg");
        let balancer = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(config)
            .env("RESTPHONE_LISTEN", listen.to_string())
            .envs(instances.iter().map(|i| (format!("RESTPHONE_{}", i.name.to_uppercase()), i.address.to_string())))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("haproxy.log")).unwrap())
            .spawn()
            .expect("haproxy starts (Debian package haproxy)");
        let cluster = Self { base: format!("http://{listen}"), database, instances, balancer, dir };
        cluster.wait_balanced().await;
        cluster
    }

    /// Until the balancer has answered from every instance.
    async fn wait_balanced(&self) {
        let client = reqwest::Client::new();
        let mut seen = std::collections::HashSet::new();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while seen.len() < self.instances.len() {
            assert!(tokio::time::Instant::now() < deadline, "the balancer reached only {seen:?}");
            if let Ok(reply) = client.get(format!("{}/healthz", self.base)).send().await
                && let Some(name) = reply.headers().get("x-served-by")
            {
                seen.insert(name.to_str().unwrap().to_owned());
            } else {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }

    /// `http://ADDR` of instance `name`, to reach it without the balancer.
    pub fn direct(&self, name: &str) -> String {
        let instance = self.instances.iter().find(|i| i.name == name).unwrap_or_else(|| panic!("no instance {name}"));
        format!("http://{}", instance.address)
    }

    /// SIGKILL: no graceful shutdown, open streams cut mid-way.
    pub fn kill(&mut self, name: &str) {
        let instance = self.instances.iter_mut().find(|i| i.name == name).unwrap_or_else(|| panic!("no instance {name}"));
        instance.process.kill().expect("SIGKILL");
        instance.process.wait().expect("the killed instance is reaped");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.balancer.kill();
        for instance in &mut self.instances {
            let _ = instance.process.kill();
        }
        if std::thread::panicking() {
            for name in INSTANCES.iter().copied().chain(["haproxy"]) {
                let log = std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default();
                eprintln!("--- {name}.log ---\n{log}");
            }
        }
    }
}

/// `restphone-server`, built next to this test (`cargo build -p restphone-server`;
/// `scripts/test` does), or where `RESTPHONE_SERVER` says.
fn server_binary() -> PathBuf {
    let binary = std::env::var_os("RESTPHONE_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::current_exe().unwrap().ancestors().nth(2).unwrap().join("restphone-server"));
    assert!(binary.exists(), "{} is missing: cargo build -p restphone-server", binary.display());
    binary
}

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

async fn wait_healthy(base: &str) {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Ok(reply) = client.get(format!("{base}/healthz")).send().await
            && reply.status() == 200
        {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{base} did not become healthy");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
