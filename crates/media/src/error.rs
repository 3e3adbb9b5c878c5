//! The error type of this crate.

/// Errors from encoding or decoding audio.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// libopus (or audiopus' argument checks) rejected the call, e.g. a corrupt packet.
    #[error("opus: {0}")]
    Opus(#[from] audiopus::Error),
    /// The PCM frame handed to the encoder has the wrong number of samples.
    #[error("expected a frame of {expected} samples, got {actual}")]
    FrameSize {
        /// Samples per frame the encoder was created for.
        expected: usize,
        /// Samples actually given.
        actual: usize,
    },
    /// Reading or writing a WAV file failed: I/O, or a corrupt, truncated or non-WAV file.
    #[error("wav: {0}")]
    Wav(#[from] hound::Error),
    /// A well-formed WAV file in a format the virtual devices do not handle; names what was found and what is needed.
    #[error("unsupported wav: {0}")]
    UnsupportedWav(String),
    /// An Ogg Opus file is malformed, or could not be built.
    #[error("ogg opus: {0}")]
    Ogg(#[from] oggopus::OggError),
}
