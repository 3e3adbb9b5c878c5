//! restphone's audio. Architecture invariant: everything with a clock takes `now`; nothing here reads the system clock.
//! The pieces: an Opus codec ([`opus`]), a jitter buffer ([`jitter`]), and a tone source plus
//! tone detection ([`tone`], [`analysis`]) to test them end to end without a network, and virtual
//! audio devices ([`device`]) for tests and headless runs; [`voicemail`] turns audio into Ogg Opus
//! files and back.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod device;
pub mod error;
pub mod jitter;
pub mod opus;
pub mod tone;
pub mod voicemail;

pub use error::MediaError;
