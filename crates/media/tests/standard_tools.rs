//! Voice message files open with a standard tool: Debian's `opusinfo` (opus-tools),
//! which `scripts/test` installs.

use std::process::Command;
use std::time::Duration;

use restphone_media::device::ToneSource;
use restphone_media::tone::Tone;
use restphone_media::voicemail::record_ogg_opus;

#[test]
fn a_recorded_voice_message_opens_with_opusinfo() {
    let mut source = ToneSource::new(Tone::new(440.0, 8000));
    let ogg = record_ogg_opus(&mut source, Duration::from_millis(1500)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("message.opus");
    std::fs::write(&path, ogg).unwrap();
    let output = Command::new("opusinfo").arg(&path).output().expect("opusinfo is installed (opus-tools)");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "opusinfo refused the file: {report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.contains("Opus stream 1"), "{report}");
    assert!(report.contains("Playback length: 0m:01.4") || report.contains("Playback length: 0m:01.5"), "{report}");
    assert!(!report.to_lowercase().contains("warning"), "{report}");
}
