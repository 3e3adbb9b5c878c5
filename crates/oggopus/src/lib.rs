//! Architecture invariant: no I/O; bytes in, bytes out.
//!
//! Ogg Opus files held in memory, as the server stores voicemail:
//!
//! - [`inspect`] validates a complete file (Ogg framing per RFC 3533, the
//!   Opus mapping per RFC 7845, each packet's TOC per RFC 6716) and returns
//!   an [`OpusInfo`], or an [`OggError`] whose message can be shown to the
//!   person who uploaded the file. It never panics, whatever the bytes.
//! - [`audio_packets`] validates a file the same way and returns its audio
//!   packets, for decoding.
//! - [`OggOpusWriter`] builds a file from Opus packets.
//! - [`packet_samples_48k`] gives the duration of one Opus packet.
//! - [`stream`] reads a file piece by piece, for players that fetch it by
//!   byte ranges.
//!
//! Only a single logical stream is supported: multiplexed and chained
//! files are rejected.
//!
//! ```
//! let mut writer = oggopus::OggOpusWriter::new(1, 48_000, 312, "restphone");
//! // A 20 ms CELT packet (TOC config 31, code 0) with a 3-byte frame.
//! let packet = [31 << 3, 1, 2, 3];
//! let samples = oggopus::packet_samples_48k(&packet)?;
//! for _ in 0..100 {
//!     writer.push_packet(&packet, samples);
//! }
//! let info = oggopus::inspect(&writer.finish())?;
//! assert_eq!(info.duration_ms, (100 * 960 - 312) / 48);
//! # Ok::<(), oggopus::OggError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod crc;
mod error;
mod inspect;
mod opus;
mod page;
pub mod stream;
#[cfg(test)]
mod test_util;
mod writer;

pub use error::OggError;
pub use inspect::{OpusInfo, audio_packets, inspect};
pub use opus::packet_samples_48k;
pub use writer::OggOpusWriter;
