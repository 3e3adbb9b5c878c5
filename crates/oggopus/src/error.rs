//! The single error type. Messages are meant for the person who uploaded
//! the file, so each says what is wrong in plain words. Page and packet
//! numbers count from 0.

/// Why bytes are not an acceptable Ogg Opus file (or Opus packet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OggError {
    /// Zero bytes were given.
    #[error("the file is empty")]
    Empty,
    /// The first bytes are not the Ogg capture pattern "OggS".
    #[error("not an Ogg file: it does not start with the \"OggS\" capture pattern")]
    NotOgg,
    /// The data ends in the middle of an Ogg page.
    #[error("the file is truncated: it ends in the middle of an Ogg page")]
    Truncated,
    /// A page's CRC-32 does not match its contents.
    #[error("Ogg page {page} is corrupted: its CRC checksum does not match")]
    BadCrc {
        /// Index of the page in the file.
        page: usize,
    },
    /// A page breaks the Ogg framing rules (RFC 3533) or the page layout
    /// RFC 7845 requires.
    #[error("Ogg page {page} is invalid: {reason}")]
    BadPage {
        /// Index of the page in the file.
        page: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A page belongs to a second logical stream (multiplexed or chained).
    #[error("the Ogg file holds more than one stream; only a single Opus stream is supported")]
    MultipleStreams,
    /// The data ends on a page boundary but the last page lacks the
    /// end-of-stream flag.
    #[error("the file is truncated: its last Ogg page lacks the end-of-stream flag")]
    MissingEos,
    /// The first packet is not an "OpusHead" header (e.g. Ogg Vorbis).
    #[error("not an Ogg Opus file: the stream does not start with an \"OpusHead\" header")]
    NotOpus,
    /// The OpusHead version's major nibble is not 0, or the version is 0.
    #[error("unsupported Opus header version {0} (only versions 1 to 15 are supported)")]
    UnsupportedVersion(u8),
    /// The OpusHead or OpusTags header is malformed.
    #[error("invalid Opus header: {0}")]
    BadHeader(&'static str),
    /// The headers are fine but no audio packet follows them.
    #[error("the Ogg Opus file contains no audio")]
    NoAudio,
    /// An audio packet of the file is empty or malformed.
    #[error("audio packet {index} is invalid: {reason}")]
    BadPacket {
        /// Index of the audio packet (the headers are not counted).
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A lone Opus packet given to [`packet_samples_48k`](crate::packet_samples_48k)
    /// is malformed.
    #[error("invalid Opus packet: {0}")]
    InvalidPacket(&'static str),
}
