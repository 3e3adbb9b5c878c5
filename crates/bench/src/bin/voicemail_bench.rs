//! `voicemail-bench`: how soon a long voice message sounds. Starts the real
//! restphone-server, leaves Alice a 5-minute message, and plays it back through the
//! engine's player, which reads the file from the server by Range requests. Prints one
//! JSON object:
//!
//! - `play_to_first_sound_ms`: from starting the player until the first loud sample
//!   reaches the output device;
//! - `seek_to_first_sound_ms`: while playing (a silent stretch), from a seek into the
//!   last minute until its first loud sample reaches the output device;
//! - `bytes_before_first_sound`: how much of the file was fetched by then, against `file_bytes`.
//!
//! The message is a tone for its first 5 s, silence until 4:00, and a tone to its end,
//! so "first sound" after the seek can only come from the sought position.
//!
//! ```sh
//! cargo build --release -p restphone-server -p restphone-bench
//! target/release/voicemail-bench [--runs 5]
//! ```

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::Parser;
use restphone_bench::BenchResult;
use restphone_bench::server_process::{self, ServerProcess};
use restphone_bench::stats::Latency;
use restphone_media::MediaError;
use restphone_media::call::AudioDevices;
use restphone_media::device::{AudioSink, AudioSource, SilenceSource};
use restphone_media::tone::Tone;
use restphone_media::voicemail::{Player, PlayerStatus, RangeSource, record_ogg_opus};
use restphone_phone::client::ServerClient;
use restphone_phone::voicemail::HttpRanges;
use serde_json::json;

#[derive(Parser)]
#[command(about = "Measures play and seek to first sound of a 5-minute voice message and prints JSON")]
struct Args {
    /// The server binary [default: $CARGO_TARGET_DIR/release/restphone-server].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Playbacks measured.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

const PASSWORD: &str = "benchmark password";
const LENGTH: Duration = Duration::from_secs(5 * 60);
const LOUD_START: Duration = Duration::from_secs(5);
const LOUD_AGAIN: Duration = Duration::from_secs(4 * 60);
const SEEK_TO: Duration = Duration::from_secs(4 * 60 + 30);
const DEADLINE: Duration = Duration::from_secs(20);
/// A sample above this is the tone (amplitude 8,000), not silence or codec noise.
const LOUD: u16 = 2_000;

/// The message: tone, silence, tone.
struct Script {
    tone: Tone,
    played: usize,
}

impl AudioSource for Script {
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, MediaError> {
        let at = Duration::from_millis((self.played / 48) as u64);
        let tone = self.tone.next_frame(frame.len());
        let loud = at < LOUD_START || at >= LOUD_AGAIN;
        if loud {
            frame.copy_from_slice(&tone);
        } else {
            frame.fill(0);
        }
        self.played += frame.len();
        Ok(at < LENGTH)
    }
}

/// An output device that notes when the first loud sample arrives after it is armed.
#[derive(Clone, Default)]
struct Ear(Arc<Mutex<Option<Instant>>>);

impl Ear {
    fn arm(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn first_sound(&self) -> Option<Instant> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn wait(&self) -> BenchResult<Instant> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(at) = self.first_sound() {
                return Ok(at);
            }
            if Instant::now() > deadline {
                return Err("no sound within the deadline".into());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

impl AudioSink for Ear {
    fn write(&mut self, frame: &[i16]) -> Result<(), MediaError> {
        let mut first = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if first.is_none() && frame.iter().any(|s| s.unsigned_abs() > LOUD) {
            *first = Some(Instant::now());
        }
        Ok(())
    }
}

/// Counts the bytes the player fetches.
struct Counted {
    inner: HttpRanges,
    bytes: Arc<AtomicU64>,
}

impl RangeSource for Counted {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    async fn read(&self, range: Range<u64>) -> Result<Vec<u8>, MediaError> {
        let bytes = self.inner.read(range).await?;
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(bytes)
    }
}

async fn wait_status(player: &Player, what: &str, condition: impl Fn(&PlayerStatus) -> bool) -> BenchResult<()> {
    let mut status = player.status();
    tokio::time::timeout(DEADLINE, status.wait_for(|s| condition(s))).await.map_err(|_| format!("the player did not {what} in time"))??;
    Ok(())
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let args = Args::parse();
    let binary = args.server_bin.clone().unwrap_or_else(server_process::default_binary);
    let server = ServerProcess::start(&binary).await?;
    let base = server.base_url.clone();
    for name in ["alice", "bob"] {
        ServerClient::sign_up(&base, &format!("{name}@bench.example"), PASSWORD, name).await?;
    }
    let bob = ServerClient::sign_in(&base, "bob@bench.example", PASSWORD).await?;
    let ogg = record_ogg_opus(&mut Script { tone: Tone::new(440.0, 8_000), played: 0 }, LENGTH)?;
    let file_bytes = ogg.len();
    bob.leave_voice_message("alice@bench.example", ogg).await?;
    let alice = ServerClient::sign_in(&base, "alice@bench.example", PASSWORD).await?;
    let message = alice.messages().await?.pop().ok_or("the message did not arrive")?;
    let (url, size) = (message.audio_url.ok_or("no audio url")?, message.size.ok_or("no size")?);

    let (mut plays, mut seeks, mut fetched) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.runs {
        let ear = Ear::default();
        let bytes = Arc::new(AtomicU64::new(0));
        let source = Counted { inner: HttpRanges::new(alice.clone(), url.clone(), size), bytes: Arc::clone(&bytes) };
        let started = Instant::now();
        let player = Player::start(source, AudioDevices::new(Box::new(SilenceSource), Box::new(ear.clone())));
        plays.push(ear.wait().await? - started);
        fetched.push(bytes.load(Ordering::Relaxed));
        // Into the silent stretch, then into the last minute.
        wait_status(&player, "reach the silence", |s| s.position_ms > LOUD_START.as_millis() as u64 + 300).await?;
        ear.arm();
        let sought = Instant::now();
        player.seek(SEEK_TO);
        seeks.push(ear.wait().await? - sought);
        player.stop().await;
    }
    let report = json!({
        "message_ms": LENGTH.as_millis() as u64,
        "file_bytes": file_bytes,
        "runs": args.runs,
        "play_to_first_sound_ms": Latency::of(&plays),
        "seek_to_first_sound_ms": Latency::of(&seeks),
        "bytes_before_first_sound": fetched.iter().max(),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
