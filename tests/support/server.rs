//! A real server on 127.0.0.1 with its own data directory, that can be stopped and
//! started again on the same directory and port. With `RESTPHONE_TEST_STORE=postgres`
//! each server gets a database of its own on the cluster `RESTPHONE_TEST_POSTGRES`
//! names (`scripts/postgres.sh` starts one), instead of the SQLite file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use restphone_api::pairing::PairingLink;
use restphone_server::Config;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct TestServer {
    /// `http://ADDR:PORT`, or `https://` when the server speaks TLS.
    pub base: String,
    /// With TLS, the link that pairs a device with this server.
    pub pairing: Option<PairingLink>,
    pub address: SocketAddr,
    config: Config,
    stop: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
    // Removed when the server is dropped.
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// A server with short timers, so tests about lapses and timeouts end quickly.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path().to_path_buf());
        config.sweep_interval = Duration::from_millis(50);
        config.heartbeat = Duration::from_secs(1);
        if std::env::var("RESTPHONE_TEST_STORE").as_deref() == Ok("postgres") {
            config.database = Some(fresh_postgres_database());
        }
        adjust(&mut config);
        let listener = tokio::net::TcpListener::bind(config.listen).await.expect("a loopback port");
        let address = listener.local_addr().unwrap();
        config.listen = address;
        // Loaded here first, so a self-signed certificate exists before the server starts
        // (it then loads the same one) and the test knows its fingerprint.
        let tls = config.tls.as_ref().map(|source| restphone_server::tls::load(source, &config.data_dir, &config.public_hosts).expect("the certificate loads"));
        let pairing = tls.map(|tls| restphone_server::tls::pairing_link(&config, address, &tls.fingerprint));
        let scheme = if pairing.is_some() { "https" } else { "http" };
        let mut server = Self { base: format!("{scheme}://{address}"), pairing, address, config, stop: None, _dir: dir };
        server.run(listener);
        server
    }

    pub fn data_dir(&self) -> PathBuf {
        self.config.data_dir.clone()
    }

    /// Everything the database holds, as bytes: the SQLite file and its write-ahead
    /// log, or a dump of the PostgreSQL database's data.
    pub fn database_contents(&self) -> Vec<u8> {
        match &self.config.database {
            Some(url) => postgres_tool("pg_dump", &["--data-only", url]),
            None => self.sqlite_files().filter_map(|path| std::fs::read(path).ok()).flatten().collect(),
        }
    }

    /// The bytes the database takes.
    pub fn database_bytes(&self) -> u64 {
        match &self.config.database {
            Some(url) => psql(url, "SELECT pg_database_size(current_database())").trim().parse().expect("psql prints the size"),
            None => self.sqlite_files().map(|path| std::fs::metadata(path).map_or(0, |m| m.len())).sum(),
        }
    }

    fn sqlite_files(&self) -> impl Iterator<Item = PathBuf> + '_ {
        ["restphone.db", "restphone.db-wal"].into_iter().map(|name| self.config.data_dir.join(name))
    }

    fn run(&mut self, listener: tokio::net::TcpListener) {
        let (stop, stopped) = oneshot::channel::<()>();
        let config = self.config.clone();
        let task = tokio::spawn(async move {
            restphone_server::serve(config, listener, async move {
                let _ = stopped.await;
            })
            .await
            .expect("the server runs");
        });
        self.stop = Some((stop, task));
    }

    /// Graceful shutdown: open requests finish, event streams close.
    pub async fn stop(&mut self) {
        if let Some((stop, task)) = self.stop.take() {
            let _ = stop.send(());
            tokio::time::timeout(crate::DEADLINE, task).await.expect("the server stops in time").expect("the server task ends cleanly");
        }
    }

    /// Stops and starts again on the same data directory and port.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = tokio::net::TcpListener::bind(self.address).await.expect("the same port again");
        self.run(listener);
    }
}

/// The URL of the test cluster's superuser, from `scripts/postgres.sh`.
fn postgres_cluster() -> String {
    std::env::var("RESTPHONE_TEST_POSTGRES")
        .expect("RESTPHONE_TEST_POSTGRES names a PostgreSQL cluster: run through scripts/test, or source scripts/postgres.sh")
}

/// What `query` answers on the PostgreSQL database at `url`, unaligned, a row a line.
pub fn psql(url: &str, query: &str) -> String {
    String::from_utf8(postgres_tool("psql", &["-Atc", query, url])).expect("psql prints text")
}

fn postgres_tool(tool: &str, args: &[&str]) -> Vec<u8> {
    let output = std::process::Command::new(tool).args(args).output().unwrap_or_else(|error| panic!("{tool} runs: {error}"));
    assert!(output.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// A database name not used before on the test cluster; the server creates it.
pub fn fresh_postgres_database() -> String {
    static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    format!("{}/restphone_{started}_{}_{n}", postgres_cluster(), std::process::id())
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some((stop, _)) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
