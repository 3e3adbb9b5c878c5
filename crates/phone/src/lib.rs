//! The headless restphone engine: one account on one device.
//!
//! Architecture invariants:
//! - Decisions (`core`) are plain functions on plain data; they do no I/O and read no clock.
//! - One owner task per account holds the state; commands go in through a channel,
//!   snapshots and events come out (`watch`, `broadcast`).
//! - The shell (`client`, `push`, `tls`) does HTTP and SSE and nothing else.
#![forbid(unsafe_code)]

pub mod client;
pub mod command;
pub mod core;
pub mod engine;
pub mod error;
pub mod media;
pub mod outcome;
pub mod push;
pub mod snapshot;
pub mod tls;
pub mod voicemail;

pub use command::Command;
pub use engine::{Phone, PhoneConfig};
pub use error::PhoneError;
pub use media::MediaSetup;
pub use outcome::Outcome;
pub use snapshot::{Notice, Snapshot};
