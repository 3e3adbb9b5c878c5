//! restphone-server: the REST interface to a SIP-style application server.
//!
//! Architecture invariants:
//! - State lives in the store (`store::Store`); memory holds only the open event
//!   streams (`hub`), caches of verified credentials, and timers (`sweeper`).
//! - Every change that others must hear about is appended to the event log and
//!   published in one ordered step (`Shared::log`, `Shared::change_call`).
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
pub mod rate;
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
    tokio::fs::create_dir_all(config.messages_dir()).await?;
    tokio::fs::create_dir_all(config.greetings_dir()).await?;
    let store = store::SqliteStore::open(&config.database_url()).await?;
    storage::remove_strays(&config.messages_dir(), &store).await?;
    let (closing_sender, closing) = tokio::sync::watch::channel(false);
    let tls = config.tls.as_ref().map(|source| tls::load(source, &config.data_dir, &config.public_hosts)).transpose()?;
    if let Some(tls) = &tls {
        // One line operators and scripts can find: how other devices pair with this server.
        println!("pair: {}", tls::pairing_link(&config, listener.local_addr()?, &tls.fingerprint));
    }
    let settings =
        connections::Settings { read_timeout: config.read_timeout, per_address: config.limits.connections_per_address, tls: tls.map(|tls| tls.acceptor) };
    let state = AppState::new(config, Arc::new(store), closing.clone());
    let sweeper = tokio::spawn(sweeper::run(state.clone()));
    tracing::info!(address = %listener.local_addr()?, "restphone-server listening");
    tokio::spawn(async move {
        shutdown.await;
        let _ = closing_sender.send(true);
    });
    connections::serve(listener, app(state), settings, closing).await;
    sweeper.await?;
    tracing::info!("restphone-server stopped");
    Ok(())
}
