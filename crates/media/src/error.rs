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
}
