//! The PulseAudio null sinks the app may play into (`rp_null`, the default, and
//! `rp_second`; `scripts/audio.sh` makes both), listened to through their monitors,
//! and the ALSA configuration that offers the second one to the app as a device.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use restphone_media::analysis::{dominant_tone_ratio, rms};
use tokio::io::AsyncReadExt;

/// ALSA's own configuration plus a PCM for the second sink, with a hint so that device
/// lists (cpal's among them) show it. Given to the app as `ALSA_CONFIG_PATH`.
pub fn write_alsa_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("alsa.conf");
    let config = "</usr/share/alsa/alsa.conf>\n\
        pcm.rp_second {\n    type pulse\n    device rp_second\n    hint {\n        show on\n        description \"restphone test: the second null sink\"\n    }\n}\n";
    std::fs::write(&path, config).unwrap();
    path
}

/// Half a second of what `sink` plays, 48 kHz mono, from its monitor.
async fn listen(sink: &str) -> Vec<i16> {
    let mut parec = tokio::process::Command::new("parec")
        .args([&format!("--device={sink}.monitor"), "--raw", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=20"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("parec runs (pulseaudio-utils)");
    let mut bytes = vec![0u8; 48_000];
    parec.stdout.as_mut().unwrap().read_exact(&mut bytes).await.expect("the monitor records");
    let _ = parec.kill().await;
    bytes.chunks_exact(2).map(|pair| i16::from_le_bytes([pair[0], pair[1]])).collect()
}

/// Waits until `sink` plays a tone at `hz` well above everything else.
pub async fn plays(sink: &str, hz: f64, deadline: Duration) {
    let until = tokio::time::Instant::now() + deadline;
    loop {
        let heard = listen(sink).await;
        if dominant_tone_ratio(&heard, hz) > 100.0 && rms(&heard) > 300.0 {
            return;
        }
        assert!(tokio::time::Instant::now() < until, "{sink} does not play {hz} Hz (rms {:.0})", rms(&heard));
    }
}

/// Waits until `sink` plays nothing audible.
pub async fn falls_silent(sink: &str, deadline: Duration) {
    let until = tokio::time::Instant::now() + deadline;
    loop {
        let heard = listen(sink).await;
        if rms(&heard) < 50.0 {
            return;
        }
        assert!(tokio::time::Instant::now() < until, "{sink} still plays (rms {:.0})", rms(&heard));
    }
}
