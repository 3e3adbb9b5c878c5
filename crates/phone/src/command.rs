//! What a user (or a script) can ask the phone to do.

use restphone_media::voicemail::PlaybackSpeed;
use serde::{Deserialize, Serialize};

/// `call` is a server call id; `device` is the name or id of another of my devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Dial {
        to: String,
    },
    Answer {
        call: Option<String>,
    },
    Decline {
        call: Option<String>,
    },
    /// Hang up; after an unanswered call, send the voice message being recorded.
    Hangup {
        call: Option<String>,
    },
    /// Drop the voice message being recorded after an unanswered call.
    Discard {
        call: Option<String>,
    },
    /// Whether an unanswered call from here goes on to voicemail.
    AutoVoicemail {
        enabled: bool,
    },
    Hold {
        call: String,
    },
    Resume {
        call: String,
    },
    Mute {
        call: String,
    },
    Unmute {
        call: String,
    },
    Pull {
        call: String,
    },
    Push {
        call: String,
        device: String,
    },
    AnswerOn {
        call: String,
        device: String,
    },
    DialFrom {
        device: String,
        to: String,
    },
    HangupRemote {
        call: String,
    },
    Message {
        to: String,
        text: String,
    },
    /// Publish this device's session description (SDP) for its leg of `call`: what a
    /// media engine sends after `MediaStart` or `MediaRenegotiate`. Not a CLI command.
    SetSession {
        call: String,
        session: String,
    },
    /// Invite `to` to what `url` names (e.g. a call), with `command: invite`.
    Invite {
        to: String,
        url: String,
    },
    /// Record a voice message for `to` and send it when recording stops; with
    /// `prompt`, their greeting (or the default one) and a beep play first.
    LeaveMessage {
        to: String,
        prompt: bool,
    },
    /// Record my greeting (after a beep); it replaces the one I had.
    RecordGreeting,
    /// Remove my greeting: callers hear the default one.
    ClearGreeting,
    /// Stop recording and send what was recorded.
    StopRecording,
    /// Stop recording and send nothing.
    CancelRecording,
    /// Play voice message `id` of my mailbox here (it becomes heard).
    PlayMessage {
        id: String,
    },
    PauseMessage,
    ResumeMessage,
    SeekMessage {
        position_ms: u64,
    },
    /// Play on at 1×, 1.5× or 2×, the pitch kept.
    SpeedMessage {
        speed: PlaybackSpeed,
    },
    StopMessage,
    MarkHeard {
        id: String,
        heard: bool,
    },
    DeleteMessage {
        id: String,
    },
    /// My missed calls so far are seen: the count clears on every device of mine.
    SeeMissedCalls,
    /// Find people by part of a name or email (online), or an exact email.
    Search {
        text: String,
    },
    /// Give this device another name; my other devices show it.
    RenameDevice {
        name: String,
    },
    /// Sign out another of my devices (name or id): it stops ringing at once and must
    /// sign in again.
    SignOutDevice {
        device: String,
    },
    /// Change my password (`current` proves it is me). My other devices are signed out;
    /// this one signs in again with the new password.
    ChangePassword {
        current: String,
        new: String,
    },
    /// Change the name others see me by.
    SetDisplayName {
        name: String,
    },
    /// Decline every incoming call at once, so callers go to voicemail.
    DoNotDisturb {
        enabled: bool,
    },
    /// Write voice message `id`, the Ogg Opus file as stored, to `file`.
    SaveMessage {
        id: String,
        file: std::path::PathBuf,
    },
}

impl Command {
    /// Parses one line of `restphone-cli run`: `dial EMAIL`, `push CALL DEVICE`, ...
    pub fn parse(line: &str) -> Result<Self, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let optional = |i: usize| words.get(i).map(|w| (*w).to_owned());
        let required = |i: usize, what: &str| words.get(i).map(|w| (*w).to_owned()).ok_or(format!("'{}' needs {what}", words[0]));
        // The words from `i` on, as one (names and texts have spaces).
        let rest = |i: usize| words.get(i..).filter(|w| !w.is_empty()).map(|w| w.join(" "));
        let Some(&verb) = words.first() else {
            return Err("an empty line is no command".to_owned());
        };
        Ok(match verb {
            "dial" => Self::Dial { to: required(1, "an EMAIL")? },
            "answer" => Self::Answer { call: optional(1) },
            "decline" => Self::Decline { call: optional(1) },
            "hangup" => Self::Hangup { call: optional(1) },
            "discard" => Self::Discard { call: optional(1) },
            "auto-voicemail" => Self::AutoVoicemail {
                enabled: match words.get(1).copied() {
                    Some("on") => true,
                    Some("off") => false,
                    _ => return Err("'auto-voicemail' needs on or off".to_owned()),
                },
            },
            "hold" => Self::Hold { call: required(1, "a CALL")? },
            "resume" => Self::Resume { call: required(1, "a CALL")? },
            "mute" => Self::Mute { call: required(1, "a CALL")? },
            "unmute" => Self::Unmute { call: required(1, "a CALL")? },
            "pull" => Self::Pull { call: required(1, "a CALL")? },
            "push" => Self::Push {
                call: required(1, "a CALL")?,
                device: words.get(2..).filter(|w| !w.is_empty()).map(|w| w.join(" ")).ok_or("'push' needs a CALL and a DEVICE")?,
            },
            "answer-on" => Self::AnswerOn {
                call: required(1, "a CALL")?,
                device: words.get(2..).filter(|w| !w.is_empty()).map(|w| w.join(" ")).ok_or("'answer-on' needs a CALL and a DEVICE")?,
            },
            "dial-from" => Self::DialFrom { device: required(1, "a DEVICE")?, to: required(2, "a DEVICE and an EMAIL")? },
            "hangup-remote" => Self::HangupRemote { call: required(1, "a CALL")? },
            "invite" => Self::Invite { to: required(1, "an EMAIL")?, url: required(2, "an EMAIL and a URL")? },
            "message" => Self::Message {
                to: required(1, "an EMAIL")?,
                text: words.get(2..).filter(|w| !w.is_empty()).map(|w| w.join(" ")).ok_or("'message' needs an EMAIL and a TEXT")?,
            },
            "leave" => Self::LeaveMessage { to: required(1, "an EMAIL")?, prompt: true },
            "record" => Self::LeaveMessage { to: required(1, "an EMAIL")?, prompt: false },
            "stop-recording" | "stop-greeting" => Self::StopRecording,
            "cancel-recording" => Self::CancelRecording,
            "record-greeting" => Self::RecordGreeting,
            "clear-greeting" => Self::ClearGreeting,
            "play-message" => Self::PlayMessage { id: required(1, "an ID")? },
            "pause-message" => Self::PauseMessage,
            "resume-message" => Self::ResumeMessage,
            "seek-message" => Self::SeekMessage {
                position_ms: words
                    .get(1)
                    .and_then(|w| w.parse::<f64>().ok())
                    .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
                    .map(|seconds| (seconds * 1000.0).round() as u64)
                    .ok_or("'seek-message' needs a position in SECONDS")?,
            },
            "speed-message" => Self::SpeedMessage {
                speed: words
                    .get(1)
                    .and_then(|w| w.parse::<f32>().ok())
                    .and_then(|speed| PlaybackSpeed::try_from(speed).ok())
                    .ok_or("'speed-message' needs 1, 1.5 or 2")?,
            },
            "stop-message" => Self::StopMessage,
            "heard-message" => Self::MarkHeard { id: required(1, "an ID")?, heard: true },
            "unheard-message" => Self::MarkHeard { id: required(1, "an ID")?, heard: false },
            "delete-message" => Self::DeleteMessage { id: required(1, "an ID")? },
            "save-message" => Self::SaveMessage {
                id: required(1, "an ID")?,
                file: words.get(2..).filter(|w| !w.is_empty()).map(|w| w.join(" ")).ok_or("'save-message' needs an ID and a FILE")?.into(),
            },
            "see-missed-calls" => Self::SeeMissedCalls,
            "search" => Self::Search { text: rest(1).ok_or("'search' needs a TEXT")? },
            "display-name" => Self::SetDisplayName { name: rest(1).ok_or("'display-name' needs a NAME")? },
            "rename-device" => Self::RenameDevice { name: rest(1).ok_or("'rename-device' needs a NAME")? },
            "sign-out-device" => Self::SignOutDevice { device: rest(1).ok_or("'sign-out-device' needs a DEVICE")? },
            "do-not-disturb" => Self::DoNotDisturb {
                enabled: match words.get(1).copied() {
                    Some("on") => true,
                    Some("off") => false,
                    _ => return Err("'do-not-disturb' needs on or off".to_owned()),
                },
            },
            other => return Err(format!("unknown command '{other}'")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_commands_or_say_what_is_missing() {
        assert_eq!(Command::parse("dial bob@example.com"), Ok(Command::Dial { to: "bob@example.com".into() }));
        assert_eq!(Command::parse("answer"), Ok(Command::Answer { call: None }));
        assert_eq!(Command::parse("push c1 Desk phone"), Ok(Command::Push { call: "c1".into(), device: "Desk phone".into() }));
        assert_eq!(Command::parse("message bob@example.com see you at 5"), Ok(Command::Message { to: "bob@example.com".into(), text: "see you at 5".into() }));
        assert_eq!(Command::parse("push c1"), Err("'push' needs a CALL and a DEVICE".into()));
        assert_eq!(Command::parse("hold"), Err("'hold' needs a CALL".into()));
        assert_eq!(Command::parse("fly away"), Err("unknown command 'fly'".into()));
        assert_eq!(Command::parse("invite bob@example.com /call/c1"), Ok(Command::Invite { to: "bob@example.com".into(), url: "/call/c1".into() }));
        assert_eq!(Command::parse("invite bob@example.com"), Err("'invite' needs an EMAIL and a URL".into()));
        assert!(Command::parse("  ").is_err());
        assert_eq!(Command::parse("rename-device Desk phone"), Ok(Command::RenameDevice { name: "Desk phone".into() }));
        assert_eq!(Command::parse("sign-out-device"), Err("'sign-out-device' needs a DEVICE".into()));
        assert_eq!(Command::parse("do-not-disturb on"), Ok(Command::DoNotDisturb { enabled: true }));
        assert_eq!(Command::parse("search ali ce"), Ok(Command::Search { text: "ali ce".into() }));
        assert_eq!(Command::parse("display-name Alice Smith"), Ok(Command::SetDisplayName { name: "Alice Smith".into() }));
        assert_eq!(Command::parse("display-name"), Err("'display-name' needs a NAME".into()));
        assert_eq!(Command::parse("do-not-disturb"), Err("'do-not-disturb' needs on or off".into()));
        assert_eq!(Command::parse("search"), Err("'search' needs a TEXT".into()));
    }

    #[test]
    fn voicemail_lines_become_commands_or_say_what_is_missing() {
        assert_eq!(Command::parse("leave bob@example.com"), Ok(Command::LeaveMessage { to: "bob@example.com".into(), prompt: true }));
        assert_eq!(Command::parse("record bob@example.com"), Ok(Command::LeaveMessage { to: "bob@example.com".into(), prompt: false }));
        assert_eq!(Command::parse("discard c1"), Ok(Command::Discard { call: Some("c1".into()) }));
        assert_eq!(Command::parse("auto-voicemail off"), Ok(Command::AutoVoicemail { enabled: false }));
        assert_eq!(Command::parse("auto-voicemail maybe"), Err("'auto-voicemail' needs on or off".into()));
        assert_eq!(Command::parse("stop-greeting"), Ok(Command::StopRecording));
        assert_eq!(Command::parse("play-message m1"), Ok(Command::PlayMessage { id: "m1".into() }));
        assert_eq!(Command::parse("seek-message 1.5"), Ok(Command::SeekMessage { position_ms: 1500 }));
        assert_eq!(Command::parse("seek-message soon"), Err("'seek-message' needs a position in SECONDS".into()));
        assert_eq!(Command::parse("seek-message -2"), Err("'seek-message' needs a position in SECONDS".into()));
        assert_eq!(Command::parse("unheard-message m1"), Ok(Command::MarkHeard { id: "m1".into(), heard: false }));
        assert_eq!(Command::parse("save-message m1 my message.opus"), Ok(Command::SaveMessage { id: "m1".into(), file: "my message.opus".into() }));
        assert_eq!(Command::parse("play-message"), Err("'play-message' needs an ID".into()));
        assert_eq!(Command::parse("speed-message 1.5"), Ok(Command::SpeedMessage { speed: PlaybackSpeed::OneAndAHalf }));
        assert_eq!(Command::parse("speed-message 3"), Err("'speed-message' needs 1, 1.5 or 2".into()));
        let json: Command = serde_json::from_str(r#"{"command": "speed_message", "speed": 2}"#).unwrap();
        assert_eq!(json, Command::SpeedMessage { speed: PlaybackSpeed::Double });
        assert!(serde_json::from_str::<Command>(r#"{"command": "speed_message", "speed": 0.5}"#).is_err());
    }
}
