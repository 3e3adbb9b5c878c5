//! A real server on 127.0.0.1 with its own data directory, that can be stopped and
//! started again on the same directory and port.

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

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some((stop, _)) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
