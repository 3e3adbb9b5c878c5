//! The server hosted on this computer: restphone-server in-process, on 127.0.0.1, with
//! its data in the app's data dir. Shared on request: then it also listens on every
//! address of this computer over HTTPS, with a certificate of its own that other
//! devices pin through the pairing link.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use restphone_server::Server;
use restphone_server::tls::TlsSource;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::AppError;

pub struct EmbeddedServer {
    pub port: u16,
    server: Server,
    data_dir: PathBuf,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    sharing: Option<Listener>,
}

/// What other devices need to reach a shared server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    pub port: u16,
    /// SHA-256 of the certificate, for the pairing link.
    pub fingerprint: String,
}

/// The LAN listener while sharing.
struct Listener {
    shared: Shared,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// `port` on `ip`, or any free port there when that one is taken.
async fn bind(ip: Ipv4Addr, port: u16, what: &str) -> Result<TcpListener, AppError> {
    match TcpListener::bind((ip, port)).await {
        Ok(listener) => Ok(listener),
        Err(error) => {
            tracing::warn!(port, %error, "port taken: the {what} takes a free one");
            TcpListener::bind((ip, 0)).await.map_err(|e| AppError::storage(&format!("open a port for the {what}"), e))
        }
    }
}

impl EmbeddedServer {
    /// Listens on `port`, or on any free port when that one is taken.
    pub async fn start(data_dir: PathBuf, port: u16) -> Result<Self, AppError> {
        let listener = bind(Ipv4Addr::LOCALHOST, port, "server").await?;
        let address: SocketAddr = listener.local_addr().map_err(|e| AppError::storage("open a port for the server", e))?;
        let server =
            Server::open(restphone_server::Config::new(address, data_dir.clone())).await.map_err(|e| AppError::storage("open the server's data", e))?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn({
            let server = server.clone();
            async move {
                if let Err(error) = server.serve(listener, None, async move { drop(stopped.await) }).await {
                    tracing::error!(%error, "the embedded server stopped");
                }
            }
        });
        tracing::info!(%address, "embedded server started");
        Ok(Self { port: address.port(), server, data_dir, stop, task, sharing: None })
    }

    /// Also listens on every address of this computer, over HTTPS, on `port` (or a free
    /// one when it is taken). Listening on all of them, rather than on the address of
    /// the moment, keeps sharing working when that address changes (another Wi-Fi).
    pub async fn share(&mut self, port: u16) -> Result<Shared, AppError> {
        if let Some(listener) = &self.sharing {
            return Ok(listener.shared.clone());
        }
        let tls =
            restphone_server::tls::load(&TlsSource::SelfSigned, &self.data_dir, &[]).map_err(|e| AppError::storage("make the server's certificate", e))?;
        let listener = bind(Ipv4Addr::UNSPECIFIED, port, "shared server").await?;
        let port = listener.local_addr().map_err(|e| AppError::storage("open a port for the shared server", e))?.port();
        let shared = Shared { port, fingerprint: tls.fingerprint.clone() };
        let (stop, stopped) = oneshot::channel::<()>();
        let server = self.server.clone();
        let task = tokio::spawn(async move { server.listen(listener, Some(tls), async move { drop(stopped.await) }).await });
        tracing::info!(port, "the embedded server is shared on the LAN");
        self.sharing = Some(Listener { shared: shared.clone(), stop, task });
        Ok(shared)
    }

    /// Closes the LAN listener and every connection it accepted, at once.
    pub async fn stop_sharing(&mut self) {
        if let Some(listener) = self.sharing.take() {
            let _ = listener.stop.send(());
            let _ = listener.task.await;
            tracing::info!("the embedded server is no longer shared");
        }
    }

    /// Lets open requests finish and closes event streams; gives up after a few seconds.
    pub async fn stop(mut self) {
        self.stop_sharing().await;
        let _ = self.stop.send(());
        if tokio::time::timeout(Duration::from_secs(3), self.task).await.is_err() {
            tracing::warn!("the embedded server did not stop within 3 s");
        }
    }
}
