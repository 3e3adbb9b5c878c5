//! restphone-bench: measurements of a real restphone-server, started as a child
//! process and driven over loopback HTTP as phones would drive it.
//!
//! Every measurement returns a serialisable report; the programs in `src/bin` print
//! the reports as JSON. Nothing here asserts a target: the figures are for reading.

pub mod api;
pub mod app_footprint;
pub mod audio_timing;
pub mod deployment;
pub mod echo;
pub mod fanout;
pub mod limits;
pub mod procfs;
pub mod registration;
pub mod server_process;
pub mod sse;
pub mod stats;
pub mod streams;

/// Any failure of a measurement, with a message that says what went wrong where.
pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
