//! Echo cancellation in calls. Bob talks (speech-like bursts) and records what he hears;
//! Alice's phone must not send his voice back.
//!
//! - `real_devices`: Alice's phone on the computer's default devices, which on the test
//!   machine are PulseAudio's null sink and its monitor (`bash scripts/audio.sh`): whatever
//!   her phone plays comes back into her microphone at gain 1, a perfect acoustic loop.
//! - `virtual_rooms`: Alice's devices in virtual rooms (an echo path between a virtual
//!   speaker and microphone), for what happens when a call moves between them.

mod real_devices;
mod virtual_rooms;

use std::time::Duration;

use restphone_media::analysis::rms;
use restphone_media::call::{AudioDevices, MediaConfig};
use restphone_media::device::CaptureSink;
use restphone_media::speech_like::SpeechLike;
use restphone_phone::Phone;
use restphone_system_tests::phone::start_audio_phone;
use restphone_system_tests::{Client, TestServer};

/// The tests take turns: they share one PulseAudio daemon, and each runs several phones
/// whose audio timers, starved of CPU on a 2-core machine, would slip audio against the
/// echo canceller's reference.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const RATE: usize = 48_000;
const BOB_SEED: u64 = 5;
const BOB_LEVEL: i16 = 9_000;
/// How long audio may take to come through: PulseAudio starts callbacks about 2 s late.
const DEADLINE: Duration = Duration::from_secs(15);
/// What one figure is taken over.
const WINDOW: usize = RATE;

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

/// The level Bob sends, over a long stretch of his talk and pauses.
fn bob_sends_rms() -> f64 {
    rms(&SpeechLike::new(BOB_SEED, BOB_LEVEL).next_frame(20 * RATE))
}

async fn start_phone(server: &TestServer, user: &Client, device: &str, devices: AudioDevices) -> Phone {
    start_audio_phone(server, user, device, MediaConfig::default(), devices).await
}

/// Bob's phone: he talks, and what he hears is kept.
async fn start_bob(server: &TestServer, bob: &Client) -> (Phone, Ear) {
    let ear = CaptureSink::new();
    let devices = AudioDevices::new(Box::new(SpeechLike::new(BOB_SEED, BOB_LEVEL)), Box::new(ear.clone()));
    (start_phone(server, bob, "Phone", devices).await, Ear(ear))
}

/// What Bob's phone plays.
struct Ear(CaptureSink);

impl Ear {
    /// The last second Bob heard, once a second more has arrived.
    async fn next_second(&self) -> Vec<i16> {
        let start = self.0.samples().len();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let samples = self.0.samples();
            if samples.len() >= start + WINDOW {
                return samples[samples.len() - WINDOW..].to_vec();
            }
        }
    }

    /// How many samples Bob has heard so far.
    fn len(&self) -> usize {
        self.0.samples().len()
    }

    /// Everything Bob has heard so far.
    fn samples(&self) -> Vec<i16> {
        self.0.samples()
    }

    /// The `length` samples Bob heard from `start` on, once he has heard them.
    async fn span(&self, start: usize, length: usize) -> Vec<i16> {
        loop {
            let samples = self.0.samples();
            if samples.len() >= start + length {
                return samples[start..start + length].to_vec();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (within the deadline) for a second of what Bob hears that passes `check`.
    async fn hears(&self, what: &str, check: impl Fn(&[i16]) -> bool) -> Vec<i16> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let heard = self.next_second().await;
            if check(&heard) {
                return heard;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "Bob never hears {what}: last second at {:.1} dB of what he sends",
                db(rms(&heard) / bob_sends_rms())
            );
        }
    }
}
