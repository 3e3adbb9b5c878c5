//! The call appearance a UI renders: a server `Call` as this device sees it, with the
//! actions the user may take on it here.

use chrono::{DateTime, Utc};
use restphone_api::call::{Call, CallState, EndReason, Participant, Role};
pub use restphone_api::history::{Direction, Peer};
use restphone_api::path;
use serde::{Serialize, Serializer};

use super::identity::{Me, MyDevices, email_of};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Appearance {
    pub id: String,
    pub subject: Option<String>,
    pub direction: Direction,
    pub peer: Peer,
    pub state: AppearanceState,
    /// "here", the name of another of my devices, or null.
    #[serde(rename = "where")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub where_: Where,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended: Option<Ended>,
    pub muted: bool,
    /// Seconds of the voice message left after this call went unanswered (while it
    /// records and once sent); null otherwise.
    pub recorded_seconds: Option<u64>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AppearanceState {
    /// Incoming, not answered yet: every device of mine rings.
    Ringing,
    /// Outgoing, the callee's devices are being told.
    Dialing,
    /// Outgoing, the callee's devices ring.
    Alerting,
    Active,
    /// Someone in the call holds it.
    Held,
    /// My outgoing call went unanswered and my phone is taking a voice message for the
    /// callee (greeting, beep, recording, upload). `hangup` sends it, `discard` drops it.
    Voicemail,
    Ended,
}

/// Which device has my side of the call. Serializes as `"here"`, as the name of my
/// other device, or as `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Where {
    Here,
    /// Another of my devices: "remote in use on {name}".
    Elsewhere {
        device_id: String,
        name: String,
    },
    Nowhere,
}

impl Serialize for Where {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Here => serializer.serialize_str("here"),
            Self::Elsewhere { name, .. } => serializer.serialize_str(name),
            Self::Nowhere => serializer.serialize_none(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Ended {
    /// Null when the call vanished from the server before this device saw how it ended.
    pub reason: Option<EndReason>,
    /// Ended by my account, from whichever of my devices.
    pub by_me: bool,
    pub by_peer: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Answer,
    Decline,
    Hangup,
    Hold,
    Resume,
    Mute,
    Unmute,
    /// Take my side of the call onto this device.
    Pull,
    /// Hand my side of the call to another of my devices.
    Push,
    /// Have another of my devices answer the ringing call.
    AnswerOn,
    /// Hang up the call that another of my devices has.
    HangupRemote,
    /// The callee did not take the call (no answer, declined, no device): leave a voice message.
    LeaveMessage,
    /// Drop the voice message being recorded after the call, sending nothing.
    Discard,
}

/// What this device knows about a call beyond what the server says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalState {
    /// This device's microphone is muted for the call.
    pub muted: bool,
    /// When the call vanished from the server (a 404, or missing from `GET /call`).
    pub vanished_at: Option<DateTime<Utc>>,
}

/// My leg of the call and the peer's: the first child with my email, and another child.
/// None for a call I take no part in.
pub(super) fn legs<'a>(call: &'a Call, me: &Me) -> Option<(&'a Participant, &'a Participant)> {
    let mine = call.participant_of(&me.email)?;
    let peer = call.children.iter().find(|child| child.id != mine.id)?;
    Some((mine, peer))
}

impl Appearance {
    /// The call as `me` sees it; None for a call I take no part in.
    pub fn of(call: &Call, me: &Me, devices: &MyDevices, local: LocalState) -> Option<Self> {
        let (mine, peer) = legs(call, me)?;
        let direction = match mine.role {
            Role::Callee => Direction::Incoming,
            Role::Caller => Direction::Outgoing,
        };
        let ended = ending(call, me, peer, local.vanished_at);
        let state = if ended.is_some() { AppearanceState::Ended } else { state_of(call.state, direction) };
        let where_ = if ended.is_some() { Where::Nowhere } else { where_of(mine, me, devices) };
        let mut actions = allowed_actions(state, &where_, devices.others(me).count(), local.muted);
        if direction == Direction::Outgoing && ended.as_ref().is_some_and(Ended::callee_missed) {
            actions.push(Action::LeaveMessage);
        }
        Some(Self {
            id: call.id.clone(),
            subject: call.subject.clone(),
            direction,
            peer: Peer { email: peer.email.clone(), display_name: peer.display_name.clone() },
            state,
            where_,
            started_at: call.created_at,
            answered_at: call.answered_at,
            ended,
            muted: local.muted,
            recorded_seconds: None,
            actions,
        })
    }

    /// The ended call as it goes on into voicemail: while `in_progress` the call shows
    /// state `voicemail` with what may be done to the message; after, it shows as ended
    /// with the length of the message left.
    pub fn leaving_message(mut self, recorded_ms: u64, in_progress: bool) -> Self {
        self.recorded_seconds = Some(recorded_ms / 1000);
        if in_progress {
            self.state = AppearanceState::Voicemail;
            self.actions = vec![Action::Hangup, Action::Discard];
        }
        self
    }
}

impl Ended {
    /// The callee never took the call: nobody answered, they declined, or no device of theirs was there.
    pub fn callee_missed(&self) -> bool {
        matches!(self.reason, Some(EndReason::Noanswer | EndReason::Declined | EndReason::Unavailable))
    }
}

fn state_of(call_state: CallState, direction: Direction) -> AppearanceState {
    match (call_state, direction) {
        (CallState::Proceeding | CallState::Alerting, Direction::Incoming) => AppearanceState::Ringing,
        (CallState::Proceeding, Direction::Outgoing) => AppearanceState::Dialing,
        (CallState::Alerting, Direction::Outgoing) => AppearanceState::Alerting,
        (CallState::Answered, _) => AppearanceState::Active,
        (CallState::Held, _) => AppearanceState::Held,
        (CallState::Ended, _) => AppearanceState::Ended,
    }
}

/// Where my leg is handled. Another device is named from my device list, else by the
/// name the server gave, else by its id.
fn where_of(mine: &Participant, me: &Me, devices: &MyDevices) -> Where {
    let Some(handler) = mine.handler.as_deref() else {
        return Where::Nowhere;
    };
    if handler == me.device_url() {
        return Where::Here;
    }
    let device_id = path::parse_login(handler).map_or(handler, |(_, id)| id).to_owned();
    let name = devices.name_of_handler(handler).or(mine.handler_name.as_deref()).unwrap_or(&device_id).to_owned();
    Where::Elsewhere { device_id, name }
}

fn ending(call: &Call, me: &Me, peer: &Participant, vanished_at: Option<DateTime<Utc>>) -> Option<Ended> {
    let Some(ending) = &call.ended else {
        return vanished_at.map(|at| Ended { reason: None, by_me: false, by_peer: false, at });
    };
    let by = ending.by.as_deref();
    Some(Ended {
        reason: Some(ending.reason),
        by_me: by.is_some_and(|by| me.is_named_by(by)),
        by_peer: by.and_then(email_of) == Some(peer.email.as_str()),
        at: ending.at,
    })
}

/// What the user may do with a call in `state`, handled `where_`, when they have
/// `other_devices` besides this one. A live call no device handles can be pulled here.
pub fn allowed_actions(state: AppearanceState, where_: &Where, other_devices: usize, muted: bool) -> Vec<Action> {
    let has_others = other_devices > 0;
    let mut actions = match (state, where_) {
        (AppearanceState::Ringing, _) => vec![Action::Answer, Action::Decline],
        (AppearanceState::Dialing | AppearanceState::Alerting, _) => vec![Action::Hangup],
        (AppearanceState::Active, Where::Here) => vec![Action::Hangup, Action::Hold, if muted { Action::Unmute } else { Action::Mute }],
        (AppearanceState::Held, Where::Here) => vec![Action::Resume, Action::Hangup],
        (AppearanceState::Active | AppearanceState::Held, Where::Elsewhere { .. }) => vec![Action::Pull, Action::HangupRemote],
        (AppearanceState::Active | AppearanceState::Held, Where::Nowhere) => vec![Action::Pull, Action::Hangup],
        (AppearanceState::Voicemail | AppearanceState::Ended, _) => vec![],
    };
    let tap_other = match (state, where_) {
        (AppearanceState::Ringing, _) => Some(Action::AnswerOn),
        (AppearanceState::Active | AppearanceState::Held, Where::Here) => Some(Action::Push),
        _ => None,
    };
    actions.extend(tap_other.filter(|_| has_others));
    actions
}

#[cfg(test)]
mod tests {
    use restphone_api::call::{CallState, EndReason, Ending, ParticipantState, Role};
    use serde_json::json;

    use super::*;
    use crate::core::testing::{DESK_PHONE, HERE, at, call, me, my_devices};

    fn seen(call: &Call) -> Appearance {
        Appearance::of(call, &me(), &my_devices(), LocalState::default()).expect("Alice takes part")
    }

    #[test]
    fn an_unanswered_call_shows_the_voice_message_being_left_then_its_length() {
        let mut missed = call(CallState::Ended, Role::Caller, ParticipantState::Left, None, None);
        missed.ended = Some(Ending { reason: EndReason::Noanswer, by: None, at: at(30) });
        let recording = seen(&missed).leaving_message(4_250, true);
        assert_eq!(
            (recording.state, recording.actions.clone(), recording.recorded_seconds),
            (AppearanceState::Voicemail, vec![Action::Hangup, Action::Discard], Some(4))
        );
        let sent = seen(&missed).leaving_message(4_250, false);
        assert_eq!((sent.state, sent.recorded_seconds), (AppearanceState::Ended, Some(4)));
        assert_eq!(serde_json::to_value(&recording).unwrap()["state"], json!("voicemail"));
    }

    #[test]
    fn incoming_ringing_can_be_answered_declined_or_answered_on_another_device() {
        let ringing = seen(&call(CallState::Alerting, Role::Callee, ParticipantState::Ringing, None, None));
        assert_eq!((ringing.direction, ringing.state, &ringing.where_), (Direction::Incoming, AppearanceState::Ringing, &Where::Nowhere));
        assert_eq!(ringing.actions, vec![Action::Answer, Action::Decline, Action::AnswerOn]);
        assert_eq!(ringing.peer, Peer { email: "bob@example.com".to_owned(), display_name: "Bob".to_owned() });
        assert_eq!(allowed_actions(AppearanceState::Ringing, &Where::Nowhere, 0, false), vec![Action::Answer, Action::Decline]);
    }

    #[test]
    fn outgoing_dialing_and_alerting_can_be_hung_up() {
        let dialing = seen(&call(CallState::Proceeding, Role::Caller, ParticipantState::Dialing, Some(HERE), None));
        assert_eq!((dialing.direction, dialing.state), (Direction::Outgoing, AppearanceState::Dialing));
        assert_eq!(dialing.actions, vec![Action::Hangup]);
        let alerting = seen(&call(CallState::Alerting, Role::Caller, ParticipantState::Dialing, Some(HERE), None));
        assert_eq!((alerting.state, alerting.actions), (AppearanceState::Alerting, vec![Action::Hangup]));
    }

    #[test]
    fn active_here_can_be_hung_up_held_muted_and_pushed() {
        let active = seen(&call(CallState::Answered, Role::Callee, ParticipantState::Connected, Some(HERE), Some("bob-sdp")));
        assert_eq!((active.state, &active.where_), (AppearanceState::Active, &Where::Here));
        assert_eq!(active.answered_at, Some(at(5)));
        assert_eq!(active.actions, vec![Action::Hangup, Action::Hold, Action::Mute, Action::Push]);
        let here = Where::Here;
        assert_eq!(allowed_actions(AppearanceState::Active, &here, 0, true), vec![Action::Hangup, Action::Hold, Action::Unmute]);
    }

    #[test]
    fn held_here_can_be_resumed_hung_up_and_pushed() {
        let held = seen(&call(CallState::Held, Role::Caller, ParticipantState::Held, Some(HERE), Some("bob-sdp")));
        assert_eq!(held.state, AppearanceState::Held);
        assert_eq!(held.actions, vec![Action::Resume, Action::Hangup, Action::Push]);
        assert_eq!(allowed_actions(AppearanceState::Held, &Where::Here, 0, false), vec![Action::Resume, Action::Hangup]);
    }

    #[test]
    fn answered_on_my_other_device_shows_its_name_and_can_be_pulled_or_hung_up_there() {
        let elsewhere = seen(&call(CallState::Answered, Role::Callee, ParticipantState::Connected, Some(DESK_PHONE), Some("bob-sdp")));
        assert_eq!(elsewhere.where_, Where::Elsewhere { device_id: "d2".to_owned(), name: "Desk phone".to_owned() });
        assert_eq!(elsewhere.actions, vec![Action::Pull, Action::HangupRemote]);
    }

    #[test]
    fn a_device_missing_from_my_list_is_named_by_the_server_else_by_its_id() {
        let mut answered = call(CallState::Held, Role::Callee, ParticipantState::Connected, Some("/login/alice@example.com/d7"), None);
        assert_eq!(seen(&answered).where_, Where::Elsewhere { device_id: "d7".to_owned(), name: "d7".to_owned() });
        answered.children[1].handler_name = Some("Tablet".to_owned());
        assert_eq!(seen(&answered).where_, Where::Elsewhere { device_id: "d7".to_owned(), name: "Tablet".to_owned() });
    }

    #[test]
    fn a_live_call_no_device_handles_can_be_pulled_or_hung_up() {
        let orphan = seen(&call(CallState::Answered, Role::Caller, ParticipantState::Connected, None, Some("bob-sdp")));
        assert_eq!(orphan.actions, vec![Action::Pull, Action::Hangup]);
    }

    #[test]
    fn ended_calls_say_who_ended_them() {
        let mut ended = call(CallState::Ended, Role::Caller, ParticipantState::Left, None, None);
        ended.ended = Some(Ending { reason: EndReason::Declined, by: Some("/login/bob@example.com/b1".to_owned()), at: at(9) });
        let by_peer = seen(&ended);
        assert_eq!(by_peer.state, AppearanceState::Ended);
        assert_eq!(by_peer.ended, Some(Ended { reason: Some(EndReason::Declined), by_me: false, by_peer: true, at: at(9) }));
        ended.ended = Some(Ending { reason: EndReason::Cancelled, by: Some("/user/alice@example.com".to_owned()), at: at(9) });
        assert_eq!(seen(&ended).ended.map(|e| (e.by_me, e.by_peer)), Some((true, false)));
        ended.ended = Some(Ending { reason: EndReason::Noanswer, by: None, at: at(9) });
        assert_eq!(seen(&ended).ended.map(|e| (e.by_me, e.by_peer)), Some((false, false)));
    }

    #[test]
    fn a_call_the_callee_never_took_offers_the_caller_a_voice_message_and_nothing_else() {
        let reasons = [EndReason::Noanswer, EndReason::Declined, EndReason::Unavailable, EndReason::Hangup, EndReason::Cancelled, EndReason::Failed];
        for (role, reason) in [Role::Caller, Role::Callee].into_iter().flat_map(|role| reasons.map(|reason| (role, reason))) {
            let mut ended = call(CallState::Ended, role, ParticipantState::Left, None, None);
            ended.ended = Some(Ending { reason, by: None, at: at(9) });
            let missed = role == Role::Caller && matches!(reason, EndReason::Noanswer | EndReason::Declined | EndReason::Unavailable);
            let expected = if missed { vec![Action::LeaveMessage] } else { vec![] };
            assert_eq!(seen(&ended).actions, expected, "{role:?} of a call ended {reason:?}");
        }
    }

    #[test]
    fn a_vanished_call_is_ended_for_an_unknown_reason_and_handled_nowhere() {
        let live = call(CallState::Answered, Role::Caller, ParticipantState::Connected, Some(HERE), Some("bob-sdp"));
        let vanished = Appearance::of(&live, &me(), &my_devices(), LocalState { muted: false, vanished_at: Some(at(70)) }).expect("Alice takes part");
        assert_eq!((vanished.state, &vanished.where_), (AppearanceState::Ended, &Where::Nowhere));
        assert_eq!(vanished.ended, Some(Ended { reason: None, by_me: false, by_peer: false, at: at(70) }));
    }

    #[test]
    fn a_call_without_me_has_no_appearance() {
        let mut others = call(CallState::Alerting, Role::Callee, ParticipantState::Ringing, None, None);
        others.children[1].email = "carol@example.com".to_owned();
        assert_eq!(Appearance::of(&others, &me(), &my_devices(), LocalState::default()), None);
    }

    #[test]
    fn where_serializes_as_here_the_device_name_or_null() {
        let desk = Where::Elsewhere { device_id: "d2".to_owned(), name: "Desk phone".to_owned() };
        assert_eq!(serde_json::to_value(Where::Here).expect("serializes"), json!("here"));
        assert_eq!(serde_json::to_value(desk).expect("serializes"), json!("Desk phone"));
        assert_eq!(serde_json::to_value(Where::Nowhere).expect("serializes"), json!(null));
    }

    #[test]
    fn an_appearance_serializes_with_snake_case_names() {
        let active = seen(&call(CallState::Answered, Role::Callee, ParticipantState::Connected, Some(DESK_PHONE), Some("bob-sdp")));
        let value = serde_json::to_value(active).expect("serializes");
        assert_eq!(value["id"], json!("c1"));
        assert_eq!(value["state"], json!("active"));
        assert_eq!(value["where"], json!("Desk phone"));
        assert_eq!(value["peer"], json!({"email": "bob@example.com", "display_name": "Bob"}));
        assert_eq!(value["direction"], json!("incoming"));
        assert_eq!(value["actions"], json!(["pull", "hangup_remote"]));
        assert_eq!(value["ended"], json!(null));
    }
}
