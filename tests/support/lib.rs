//! The system-test harness: a real restphone-server on a loopback port, and small
//! clients that speak HTTP and Server-Sent Events to it as a phone would.
//!
//! Waiting is always for an event with a deadline, never a sleep.

mod client;
pub mod cluster;
pub mod desktop;
mod ear;
mod events;
pub mod phone;
mod proxy;
pub mod raw;
mod server;
pub mod webdriver;

pub use client::{Client, Reply};
pub use ear::Ear;
pub use events::{EventStream, SseEvent};
pub use proxy::Proxy;
pub use server::{TestServer, fresh_postgres_database, psql};

/// How long any test waits for something that should happen at once.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);
