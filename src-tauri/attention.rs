//! What the desktop shows outside the window, decided from the engine's snapshots: the
//! tray's look and menu, and which notifications to raise or withdraw. Pure, so the
//! shell (`tray`, `notifications`) only does the D-Bus and GTK calls.

use restphone_api::message::MessageKind;
use restphone_phone::Snapshot;
use restphone_phone::core::appearance::{Appearance, AppearanceState, Where};

/// The tray icon's look, in order of what matters most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// Not signed in, or the push channel is down: calls would not ring here.
    Offline,
    /// A call's audio is here.
    InCall,
    /// Voice messages wait to be heard.
    Voicemail,
    /// Registered: calls ring here.
    Ready,
}

/// The call the tray menu's Mute and Hang up act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveCall {
    pub call: String,
    pub muted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayView {
    pub look: Look,
    pub tooltip: String,
    pub live_call: Option<LiveCall>,
    pub do_not_disturb: bool,
}

fn is_here_and_live(call: &Appearance) -> bool {
    call.where_ == Where::Here && matches!(call.state, AppearanceState::Dialing | AppearanceState::Alerting | AppearanceState::Active | AppearanceState::Held)
}

fn unheard_voice(snapshot: &Snapshot) -> usize {
    snapshot.messages.iter().filter(|message| message.kind == MessageKind::Voice && !message.heard && message.from != snapshot.email).count()
}

/// The tray for the phone's latest snapshot (`None`: signed out).
pub fn tray_view(snapshot: Option<&Snapshot>) -> TrayView {
    let Some(snapshot) = snapshot.filter(|snapshot| snapshot.connected && !snapshot.signed_out) else {
        return TrayView {
            look: Look::Offline,
            tooltip: "restphone: offline".into(),
            live_call: None,
            do_not_disturb: snapshot.is_some_and(|s| s.do_not_disturb),
        };
    };
    let live_call = snapshot.calls.iter().find(|call| is_here_and_live(call));
    let voice = unheard_voice(snapshot);
    let (look, tooltip) = match (live_call, voice) {
        (Some(call), _) => (Look::InCall, format!("restphone: in a call with {}", call.peer.display_name)),
        (None, 0) => (Look::Ready, format!("restphone: {}", snapshot.email)),
        (None, 1) => (Look::Voicemail, "restphone: 1 new voice message".to_owned()),
        (None, count) => (Look::Voicemail, format!("restphone: {count} new voice messages")),
    };
    let tooltip = if snapshot.do_not_disturb { format!("{tooltip} (do not disturb)") } else { tooltip };
    TrayView { look, tooltip, live_call: live_call.map(|call| LiveCall { call: call.id.clone(), muted: call.muted }), do_not_disturb: snapshot.do_not_disturb }
}

/// A call that rings here, and who calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ring {
    pub call: String,
    pub caller: String,
}

/// What changed between two snapshots that a notification shows or withdraws.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Calls that started ringing.
    pub ringing: Vec<Ring>,
    /// Calls that stopped ringing (answered here or elsewhere, declined, gone).
    pub stopped: Vec<String>,
    /// Who called, for each call missed since (unseen on every device).
    pub missed: Vec<String>,
    /// Who left each voice message that arrived since.
    pub voicemail: Vec<String>,
}

fn ringing(snapshot: &Snapshot) -> impl Iterator<Item = &Appearance> {
    snapshot.calls.iter().filter(|call| call.state == AppearanceState::Ringing)
}

/// From `before` (`None`: the first snapshot of a session, whose history and mailbox
/// are old news) to `after`. Do not disturb silences missed calls and voice messages.
pub fn changes(before: Option<&Snapshot>, after: &Snapshot) -> Changes {
    let was_ringing = |id: &str| before.is_some_and(|before| ringing(before).any(|call| call.id == id));
    let mut changes = Changes {
        ringing: ringing(after)
            .filter(|call| !was_ringing(&call.id))
            .map(|call| Ring { call: call.id.clone(), caller: call.peer.display_name.clone() })
            .collect(),
        ..Changes::default()
    };
    let Some(before) = before else { return changes };
    changes.stopped = ringing(before).filter(|call| !ringing(after).any(|now| now.id == call.id)).map(|call| call.id.clone()).collect();
    if after.do_not_disturb {
        return changes;
    }
    if after.missed_calls > 0 {
        let known = |id: u64| before.history.iter().any(|entry| entry.id == id);
        changes.missed = after.history.iter().filter(|entry| entry.missed && !known(entry.id)).map(|entry| entry.peer.display_name.clone()).collect();
    }
    let known = |id: &str| before.messages.iter().any(|message| message.id == id);
    changes.voicemail = after
        .messages
        .iter()
        .filter(|message| message.kind == MessageKind::Voice && !message.heard && message.from != after.email && !known(&message.id))
        .map(|message| message.from.clone())
        .collect();
    changes
}

#[cfg(test)]
mod tests;
