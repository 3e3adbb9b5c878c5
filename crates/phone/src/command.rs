//! What a user (or a script) can ask the phone to do.

use serde::{Deserialize, Serialize};

/// `call` is a server call id; `device` is the name or id of another of my devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    Hangup {
        call: Option<String>,
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
    DeleteGreeting,
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
    StopMessage,
    MarkHeard {
        id: String,
        heard: bool,
    },
    DeleteMessage {
        id: String,
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
        let Some(&verb) = words.first() else {
            return Err("an empty line is no command".to_owned());
        };
        Ok(match verb {
            "dial" => Self::Dial { to: required(1, "an EMAIL")? },
            "answer" => Self::Answer { call: optional(1) },
            "decline" => Self::Decline { call: optional(1) },
            "hangup" => Self::Hangup { call: optional(1) },
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
            "record-greeting" => Self::RecordGreeting,
            "delete-greeting" => Self::DeleteGreeting,
            "stop-recording" => Self::StopRecording,
            "cancel-recording" => Self::CancelRecording,
            "voicemail" => Self::parse_voicemail(&words[1..])?,
            other => return Err(format!("unknown command '{other}'")),
        })
    }

    /// `voicemail play ID`, `voicemail seek MS`, `voicemail save ID FILE`, ...
    fn parse_voicemail(words: &[&str]) -> Result<Self, String> {
        let id = || words.get(1).map(|w| (*w).to_owned()).ok_or(format!("'voicemail {}' needs an ID", words[0]));
        Ok(match words.first().copied() {
            Some("play") => Self::PlayMessage { id: id()? },
            Some("pause") => Self::PauseMessage,
            Some("resume") => Self::ResumeMessage,
            Some("stop") => Self::StopMessage,
            Some("seek") => {
                Self::SeekMessage { position_ms: words.get(1).and_then(|w| w.parse().ok()).ok_or("'voicemail seek' needs a position in milliseconds")? }
            }
            Some("heard") => Self::MarkHeard { id: id()?, heard: true },
            Some("unheard") => Self::MarkHeard { id: id()?, heard: false },
            Some("delete") => Self::DeleteMessage { id: id()? },
            Some("save") => Self::SaveMessage {
                id: id()?,
                file: words.get(2..).filter(|w| !w.is_empty()).map(|w| w.join(" ")).ok_or("'voicemail save' needs an ID and a FILE")?.into(),
            },
            Some(other) => return Err(format!("unknown voicemail command '{other}'")),
            None => return Err("'voicemail' needs play, pause, resume, seek, stop, heard, unheard, delete or save".to_owned()),
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
    }

    #[test]
    fn voicemail_lines_become_commands_or_say_what_is_missing() {
        assert_eq!(Command::parse("leave bob@example.com"), Ok(Command::LeaveMessage { to: "bob@example.com".into(), prompt: true }));
        assert_eq!(Command::parse("record bob@example.com"), Ok(Command::LeaveMessage { to: "bob@example.com".into(), prompt: false }));
        assert_eq!(Command::parse("stop-recording"), Ok(Command::StopRecording));
        assert_eq!(Command::parse("voicemail play m1"), Ok(Command::PlayMessage { id: "m1".into() }));
        assert_eq!(Command::parse("voicemail seek 1500"), Ok(Command::SeekMessage { position_ms: 1500 }));
        assert_eq!(Command::parse("voicemail seek soon"), Err("'voicemail seek' needs a position in milliseconds".into()));
        assert_eq!(Command::parse("voicemail unheard m1"), Ok(Command::MarkHeard { id: "m1".into(), heard: false }));
        assert_eq!(Command::parse("voicemail save m1 my message.opus"), Ok(Command::SaveMessage { id: "m1".into(), file: "my message.opus".into() }));
        assert_eq!(Command::parse("voicemail play"), Err("'voicemail play' needs an ID".into()));
        assert_eq!(Command::parse("voicemail rewind"), Err("unknown voicemail command 'rewind'".into()));
        assert!(Command::parse("voicemail").is_err());
    }
}
