//! Voicemail at 1.5× and 2×: a 3 s 440 Hz message, played through the real player into
//! a capturing sink, lasts 2 s and 1.5 s and is still 440 Hz (the pitch is kept).

use std::time::Duration;

use restphone_media::analysis::dominant_tone_ratio;
use restphone_media::call::AudioDevices;
use restphone_media::device::{CaptureSink, SilenceSource, ToneSource};
use restphone_media::tone::Tone;
use restphone_media::voicemail::{MemoryRanges, PlaybackSpeed, Player, PlayerState, record_ogg_opus};

const MESSAGE: Duration = Duration::from_secs(3);

/// How long the tone (amplitude 8,000) lasts in `samples`, in milliseconds.
fn loud_ms(samples: &[i16]) -> u64 {
    let first = samples.iter().position(|s| s.unsigned_abs() > 2_000);
    let last = samples.iter().rposition(|s| s.unsigned_abs() > 2_000);
    first.zip(last).map_or(0, |(first, last)| ((last - first) / 48) as u64)
}

async fn play_at(speed: PlaybackSpeed) -> Vec<i16> {
    let ogg = record_ogg_opus(&mut ToneSource::new(Tone::new(440.0, 8_000)), MESSAGE).unwrap();
    let ear = CaptureSink::new();
    let player = Player::start(MemoryRanges::new(ogg), AudioDevices::new(Box::new(SilenceSource), Box::new(ear.clone())));
    player.set_speed(speed);
    let mut status = player.status();
    let finished = tokio::time::timeout(Duration::from_secs(10), status.wait_for(|s| s.state == PlayerState::Finished)).await;
    let finished = finished.expect("the message plays to its end in time").unwrap().clone();
    assert_eq!((finished.speed, finished.position_ms), (speed, finished.duration_ms));
    ear.samples()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faster_playback_is_shorter_and_keeps_the_pitch() {
    for (speed, expected_ms) in [(PlaybackSpeed::OneAndAHalf, 2_000), (PlaybackSpeed::Double, 1_500)] {
        let played = play_at(speed).await;
        assert!(loud_ms(&played).abs_diff(expected_ms) <= 60, "{speed:?}: the tone played for {} ms", loud_ms(&played));
        let middle = &played[played.len() / 4..played.len() / 2];
        assert!(dominant_tone_ratio(middle, 440.0) > 100.0, "{speed:?}: still 440 Hz");
    }
}
