//! restphone-server: the REST interface to a SIP-style application server.
//!
//! Architecture invariants:
//! - State lives in the store (`store::Store`, SQLite or PostgreSQL); memory holds
//!   only the open event streams, caches of verified credentials and of registrations
//!   (whose refreshes are written behind, `registrations`), and the loops that feed
//!   streams from the log (`hub`) and run timers (`sweeper`). Instances on one
//!   PostgreSQL database are interchangeable.
//! - Every change that others must hear about is appended to the event log in the
//!   transaction that makes it; streams are fed from the log alone.
//! - Decisions about calls are plain functions (`domain::call`), tested without I/O.
//! - A client's mistake is a 4xx with a problem body, never a 500 or a panic.
#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
mod connections;
pub mod domain;
pub mod error;
pub mod extract;
pub mod guard;
pub mod hub;
pub mod open_streams;
pub mod peers;
pub mod rate;
pub mod registrations;
pub mod routes;
pub mod state;
pub mod storage;
pub mod store;
pub mod sweeper;
pub mod tls;
pub mod wire;

use std::future::Future;
use std::sync::Arc;

pub use config::Config;
pub use state::AppState;
use store::Store;
use tokio::net::TcpListener;

/// The HTTP application, for tests that call it without a socket.
pub fn app(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Opens the data directory and the database, cleans up after a crash, and runs
/// the server on `listener` until `shutdown` completes; then lets open requests
/// finish and closes every event stream.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let tls = config.tls.as_ref().map(|source| tls::load(source, &config.data_dir, &config.public_hosts)).transpose()?;
    if let Some(tls) = &tls {
        // One line operators and scripts can find: how other devices pair with this server.
        println!("pair: {}", tls::pairing_link(&config, listener.local_addr()?, &tls.fingerprint));
    }
    let server = Server::open(config).await?;
    tracing::info!(address = %listener.local_addr()?, "restphone-server listening");
    server.serve(listener, tls, shutdown).await
}

/// A server open on its data directory and database, with its timers running, that
/// serves on as many listeners as it is given (the app hosts one on loopback and, while
/// sharing, one on the LAN).
#[derive(Clone)]
pub struct Server {
    state: AppState,
    closing_sender: Arc<tokio::sync::watch::Sender<bool>>,
    /// The hub's, the sweeper's, the refresh writer's and the peers' loops, which end
    /// when the server closes.
    loops: Arc<tokio::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Server {
    pub async fn open(config: Config) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        tokio::fs::create_dir_all(config.messages_dir()).await?;
        tokio::fs::create_dir_all(config.greetings_dir()).await?;
        // The URL is not repeated: it may hold a password.
        let store = store::SqlStore::open(&config.database_url()).await.map_err(|error| format!("cannot open the database: {error}"))?;
        storage::remove_strays(&config.messages_dir(), &store).await?;
        let logged = store.last_event_id().await?;
        let (closing_sender, closing) = tokio::sync::watch::channel(false);
        let state = AppState::new(config, Arc::new(store), closing);
        let loops = vec![
            tokio::spawn(hub::run(state.clone(), logged)),
            tokio::spawn(sweeper::run(state.clone())),
            tokio::spawn(registrations::run(state.clone())),
            tokio::spawn(peers::run(state.clone())),
        ];
        Ok(Self { state, closing_sender: Arc::new(closing_sender), loops: Arc::new(tokio::sync::Mutex::new(loops)) })
    }

    /// Serves on `listener` until `shutdown` completes, then closes the server.
    pub async fn serve(
        &self,
        listener: TcpListener,
        tls: Option<tls::Tls>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let (_, closed) = tokio::join!(self.listen(listener, tls, std::future::pending()), self.close(shutdown));
        closed
    }

    /// Serves on `listener` (HTTPS with `tls`) until the server closes, then lets open
    /// requests finish. When `stop` completes first, this listener alone stops and its
    /// connections are dropped at once.
    pub async fn listen(&self, listener: TcpListener, tls: Option<tls::Tls>, stop: impl Future<Output = ()> + Send + 'static) {
        let config = &self.state.config;
        let settings = connections::Settings {
            read_timeout: config.read_timeout,
            per_address: config.limits.connections_per_address,
            trusted_proxies: config.trusted_proxies.clone().into(),
            tls: tls.map(|tls| tls.acceptor),
        };
        connections::serve(listener, app(self.state.clone()), settings, self.state.closing.clone(), stop).await;
    }

    /// Once `shutdown` completes: closes every event stream, ends every `listen`
    /// gracefully, and waits for the hub and the timers to stop.
    pub async fn close(&self, shutdown: impl Future<Output = ()>) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        shutdown.await;
        let _ = self.closing_sender.send(true);
        for running in self.loops.lock().await.drain(..) {
            running.await?;
        }
        tracing::info!("restphone-server stopped");
        Ok(())
    }
}
