//! Voicemail audio: recording a message into an Ogg Opus file ([`record_ogg_opus`] from
//! a source, [`record_live`] from the microphone as it speaks), the prompt a caller
//! hears before recording ([`play_prompt`]), and playing a message while it streams in
//! by byte ranges ([`Player`] over a [`RangeSource`], at a [`PlaybackSpeed`]).

mod file;
mod player;
mod prompt;
mod reader;
mod record;
mod source;
mod tempo;

pub use self::file::{decode_ogg_opus, record_ogg_opus};
pub use self::player::{Player, PlayerState, PlayerStatus};
pub use self::prompt::{DEFAULT_GREETING, play_prompt};
pub use self::record::record_live;
pub use self::source::{MemoryRanges, RangeSource};
pub use self::tempo::PlaybackSpeed;

use crate::opus::FrameDuration;

/// Voicemail files and playback move 20 ms frames.
const FRAME: FrameDuration = FrameDuration::Ms20;
/// Progress (recorded length, play position) is reported this often: every 100 ms.
const REPORT_EVERY_FRAMES: u32 = 5;
