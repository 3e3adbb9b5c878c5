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
    /// WebRTC refused a step of a call's media: building the connection, a session
    /// description, or sending.
    #[error("webrtc: {0}")]
    Webrtc(String),
    /// No audio device of that direction has that name: [`crate::system_audio::list_devices`]
    /// tells the names there are.
    #[error("no audio {direction} device named {name:?}")]
    UnknownDevice {
        /// Whether an input or an output was asked for.
        direction: crate::system_audio::Direction,
        /// The name asked for.
        name: String,
    },
    /// The computer's audio system refused a device: it cannot be opened, cannot run at
    /// 48 kHz, or its stream failed to start. The message names the device and the reason.
    #[error("audio device: {0}")]
    Device(String),
    /// Part of a file could not be fetched: the connection failed, or the server
    /// answered something other than the bytes asked for.
    #[error("fetching audio: {0}")]
    Fetch(String),
    /// A file being played turned out damaged part-way: the message says where.
    #[error("the file is damaged: {0}")]
    Damaged(String),
    /// An Ogg Opus file is malformed, or could not be built.
    #[error("ogg opus: {0}")]
    Ogg(#[from] oggopus::OggError),
}
