//! restphone's audio. The sans-IO pieces take `now` and never read a clock: an Opus codec
//! ([`opus`]), a jitter buffer ([`jitter`]), and a tone source plus tone detection ([`tone`],
//! [`analysis`]) to test them end to end without a network, and a speech-like talker
//! ([`speech_like`]) for echo tests. Virtual audio devices ([`device`])
//! serve tests and headless runs, [`system_audio`] opens the computer's microphones and
//! speakers, and [`processing`] cancels their echo and cleans up what the microphone
//! hears; [`voicemail`] turns audio into Ogg Opus files and back.
//! [`call`] is where the clocks live: it runs those pieces on tokio timers around a WebRTC
//! peer connection, one per call leg.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod call;
pub mod device;
pub mod error;
pub mod jitter;
pub mod opus;
pub mod processing;
pub mod speech_like;
pub mod system_audio;
pub mod tone;
pub mod voicemail;

pub use error::MediaError;
