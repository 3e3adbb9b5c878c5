//! Echo cancellation through a virtual room, faster than real time: a far-end talker
//! (speech-like bursts) is played, comes back into the microphone after a delay, and the
//! processor must remove it while keeping the near end's own voice.

use restphone_media::analysis::{rms_besides_tone, tone_rms};
use restphone_media::processing::room::{Room, samples_in_ms};
use restphone_media::processing::{EchoPath, ProcessingConfig};
use restphone_media::tone::Tone;

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

#[test]
fn the_echo_falls_30_db_within_2_seconds_on_every_path() {
    for (delay_ms, gain_db) in [(20, 0.0), (120, -3.0), (250, -6.0), (250, 0.0)] {
        for frame_ms in [10, 20] {
            let case = format!("{delay_ms} ms, {gain_db} dB, {frame_ms} ms frames");
            let mut room = Room::new(ProcessingConfig::default(), delay_ms, gain_db, frame_ms);
            let run = room.converge(6);
            let stats = room.processor.echo_stats().expect("the canceller reports its figures");
            eprintln!("{case}: {run:?}, {stats:?}");
            let converged_after = run.converged_after.unwrap_or_else(|| panic!("{case}: the echo never fell 30 dB"));
            assert!(converged_after <= 2.0, "{case}: the echo fell 30 dB only after {converged_after} s");
            assert!(stats.converged, "{case}: the canceller does not say it converged: {stats:?}");
        }
    }
}

#[test]
fn without_processing_the_echo_goes_back_at_full_level() {
    let mut room = Room::new(ProcessingConfig::OFF, 120, 0.0, 20);
    let run = room.converge(3);
    assert_eq!(run.converged_after, None);
    assert!(run.final_erle_db.abs() < 1.0, "unprocessed, the echo is sent as it came: {run:?}");
    assert_eq!(room.processor.echo_stats(), None);
}

#[test]
fn converges_again_after_the_echo_path_changes() {
    let mut room = Room::new(ProcessingConfig::default(), 60, -3.0, 20);
    assert!(room.converge(4).converged_after.is_some());
    // Another speaker, placed elsewhere: a longer delay, a louder echo.
    room.path = EchoPath::new(samples_in_ms(200), 0.0, 10);
    let run = room.converge(6);
    eprintln!("after the change: {run:?}");
    assert!(run.converged_after.is_some_and(|after| after <= 2.0), "after the path changed: {run:?}");
}

#[test]
fn stays_converged_when_the_far_end_pauses_and_comes_back() {
    let mut room = Room::new(ProcessingConfig::default(), 120, -3.0, 20);
    assert!(room.converge(4).converged_after.is_some());
    room.far_end_talks = false;
    for _ in 0..6 {
        room.far_end_alone();
    }
    room.far_end_talks = true;
    let back = room.far_end_alone().erle_db();
    assert!(back >= 30.0, "the first half second after the far end came back: {back:.1} dB");
}

#[test]
fn keeps_the_near_end_voice_while_both_talk() {
    // The near end's voice: 1000 Hz, as in the real-device test. Three seconds of it
    // against the far end's talk, after the canceller converged on the far end alone.
    let near_voice = |room: &mut Room| {
        let mut tone = Tone::new(1000.0, 6_000);
        let mut sent = Vec::new();
        for _ in 0..6 {
            sent.extend(room.window(&mut |samples| tone.next_frame(samples)).sent);
        }
        sent
    };
    for (delay_ms, gain_db) in [(20, 0.0), (250, 0.0), (120, -3.0)] {
        let case = format!("{delay_ms} ms, {gain_db} dB");
        let mut unprocessed = Room::new(ProcessingConfig::OFF, delay_ms, gain_db, 20);
        unprocessed.converge(3);
        let reference = near_voice(&mut unprocessed);
        let mut room = Room::new(ProcessingConfig::default(), delay_ms, gain_db, 20);
        room.converge(3);
        let both = near_voice(&mut room);
        let tone = tone_rms(&both, 1000.0);
        let tone_db = db(tone / tone_rms(&reference, 1000.0));
        let rest_db = db(rms_besides_tone(&both, 1000.0) / tone);
        eprintln!("{case}, both talking: the near voice at {tone_db:.1} dB of its unprocessed level, the rest {rest_db:.1} dB below it");
        assert!(tone_db.abs() <= 6.0, "{case}: the near voice changed by {tone_db:.1} dB");
        assert!(rest_db <= -20.0, "{case}: while both talk the echo left is only {rest_db:.1} dB below the near voice");
        // Unprocessed, the same figure fails: the test can tell.
        let unprocessed_rest_db = db(rms_besides_tone(&reference, 1000.0) / tone_rms(&reference, 1000.0));
        assert!(unprocessed_rest_db > -10.0, "{case}: unprocessed, the echo is only {unprocessed_rest_db:.1} dB below the voice");
    }
}
