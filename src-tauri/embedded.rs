//! The server hosted on this computer: restphone-server in-process, on 127.0.0.1 only
//! (sharing on the LAN is a later, explicit choice), with its data in the app's data dir.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::AppError;

pub struct EmbeddedServer {
    pub port: u16,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl EmbeddedServer {
    /// Listens on `port`, or on any free port when that one is taken.
    pub async fn start(data_dir: PathBuf, port: u16) -> Result<Self, AppError> {
        let listener = match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(port, %error, "port taken: the embedded server takes a free one");
                TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.map_err(|e| AppError::storage("open a port for the server", e))?
            }
        };
        let address: SocketAddr = listener.local_addr().map_err(|e| AppError::storage("open a port for the server", e))?;
        let config = restphone_server::Config::new(address, data_dir);
        let (stop, stopped) = oneshot::channel::<()>();
        // Until the database is open, connections wait in the listener's backlog.
        let task = tokio::spawn(async move {
            if let Err(error) = restphone_server::serve(config, listener, async move { drop(stopped.await) }).await {
                tracing::error!(%error, "the embedded server stopped");
            }
        });
        tracing::info!(%address, "embedded server started");
        Ok(Self { port: address.port(), stop, task })
    }

    /// Lets open requests finish and closes event streams; gives up after a few seconds.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if tokio::time::timeout(Duration::from_secs(3), self.task).await.is_err() {
            tracing::warn!("the embedded server did not stop within 3 s");
        }
    }
}
