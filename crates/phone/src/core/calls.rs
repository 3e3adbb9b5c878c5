//! The engine's calls: every call this device knows, updated from `call` events and
//! `GET /call`, and what each update asks the shell to do on this device.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use restphone_api::call::{Call, EndReason};

use super::appearance::{Appearance, AppearanceState, Direction, Ended, LocalState, Where, legs};
use super::identity::{Me, MyDevices};

/// What an update asks the shell to do on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A call rings here (every ringing incoming call rings on all my devices).
    Ringing { call_id: String },
    /// A call that rang here no longer rings: answered (here or elsewhere) or ended.
    StopRinging { call_id: String },
    /// This device now handles my leg: start media with the peer's session as the server
    /// has it now.
    MediaStart { call_id: String, remote_session: Option<String>, local_role: MediaRole },
    /// The peer's session changed while this device handles my leg: apply it.
    MediaRenegotiate { call_id: String, remote_session: Option<String> },
    /// This device no longer handles my leg ("remote in use" elsewhere, or the call ended).
    MediaStop { call_id: String },
    /// A call this device knew ended; the reason is None when it vanished unseen.
    Ended { call_id: String, reason: Option<EndReason> },
    /// A call placed from this device ended without the callee taking it (no answer,
    /// declined, no device of theirs): the caller may leave a voice message.
    CalleeMissed { call_id: String, callee: String },
}

/// Which side of the session exchange this device takes when its media starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaRole {
    /// I answered the ringing call here: `remote_session` is the caller's offer, and my
    /// session, posted with `POST /call/{id}`, answers it.
    Answerer,
    /// Everything else: I am the caller, or I took over a call from another device (pull
    /// or push). The session I posted with my take is the offer; a remote session already
    /// there answered an earlier offer, and the peer's answer to mine arrives as
    /// `MediaRenegotiate` (unless it is the same text).
    Offerer,
}

#[derive(Debug, Clone)]
struct Entry {
    call: Call,
    local: LocalState,
}

/// How a call stands for this device: what the changes are computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Standing {
    ringing: bool,
    handled_here: bool,
    ended: bool,
    /// Outgoing and ended without the callee taking it.
    callee_missed: bool,
    peer_email: String,
    peer_session: Option<String>,
}

/// The calls this device knows, in creation order. Ended calls stay until forgotten;
/// an ended call is final, so later (stale) updates of it are ignored.
#[derive(Debug, Clone)]
pub struct CallBook {
    me: Me,
    devices: MyDevices,
    entries: Vec<Entry>,
}

impl CallBook {
    pub fn new(me: Me, devices: MyDevices) -> Self {
        Self { me, devices, entries: Vec::new() }
    }

    /// My devices changed (a `presence` event): names and push targets follow.
    pub fn set_devices(&mut self, devices: MyDevices) {
        self.devices = devices;
    }

    /// A `call` event or `GET /call/{id}`: insert or update the call. Calls I take no
    /// part in are ignored. A call first seen already ended is listed but changes nothing.
    pub fn apply_call(&mut self, call: Call) -> Vec<Change> {
        let Some(after) = self.standing(&call, LocalState::default()) else {
            return Vec::new();
        };
        let Some(index) = self.index_of(&call.id) else {
            let changes = changes_between(&call, None, &after);
            let at = self.entries.partition_point(|entry| entry.call.created_at <= call.created_at);
            self.entries.insert(at, Entry { call, local: LocalState::default() });
            return changes;
        };
        let entry = &self.entries[index];
        if call.revision <= entry.call.revision {
            return Vec::new(); // a stale copy: an event overtaken by a GET, or the reverse
        }
        let before = self.standing(&entry.call, entry.local);
        if before.as_ref().is_none_or(|before| before.ended) {
            return Vec::new();
        }
        let changes = changes_between(&call, before.as_ref(), &after);
        let entry = &mut self.entries[index];
        entry.local.muted &= after.handled_here;
        entry.call = call;
        changes
    }

    /// A full `GET /call`: every listed call is applied; a known call missing from the
    /// list is gone from the server, so it ends now.
    pub fn resync(&mut self, calls: Vec<Call>, now: DateTime<Utc>) -> Vec<Change> {
        let listed: HashSet<String> = calls.iter().map(|call| call.id.clone()).collect();
        let mut changes: Vec<Change> = calls.into_iter().flat_map(|call| self.apply_call(call)).collect();
        let missing: Vec<String> = self.entries.iter().map(|entry| entry.call.id.clone()).filter(|id| !listed.contains(id)).collect();
        for call_id in missing {
            changes.extend(self.end_not_found(&call_id, now));
        }
        changes
    }

    /// `GET /call/{id}` answered 404: the server forgot the call, so it ended at `now`
    /// for a reason this device never saw.
    pub fn end_not_found(&mut self, call_id: &str, now: DateTime<Utc>) -> Vec<Change> {
        let Some(index) = self.index_of(call_id) else {
            return Vec::new();
        };
        let entry = &self.entries[index];
        let vanished = LocalState { muted: false, vanished_at: Some(now) };
        let (Some(before), Some(after)) = (self.standing(&entry.call, entry.local), self.standing(&entry.call, vanished)) else {
            return Vec::new();
        };
        if before.ended {
            return Vec::new();
        }
        let changes = changes_between(&entry.call, Some(&before), &after);
        self.entries[index].local = vanished;
        changes
    }

    /// Mutes or unmutes this device's microphone for a call it handles; false (and no
    /// change) when the call is not live here.
    pub fn set_muted(&mut self, call_id: &str, muted: bool) -> bool {
        let Some(index) = self.index_of(call_id) else {
            return false;
        };
        let entry = &self.entries[index];
        let live_here = self.standing(&entry.call, entry.local).is_some_and(|standing| standing.handled_here);
        if live_here {
            self.entries[index].local.muted = muted;
        }
        live_here
    }

    /// Drops the calls that ended before `cutoff` (`now` minus how long to keep them).
    pub fn forget_ended_before(&mut self, cutoff: DateTime<Utc>) {
        let (me, devices) = (&self.me, &self.devices);
        self.entries.retain(|entry| {
            let ended_at = Appearance::of(&entry.call, me, devices, entry.local).and_then(|appearance| appearance.ended).map(|ended| ended.at);
            ended_at.is_none_or(|at| at >= cutoff)
        });
    }

    /// One call as the UI renders it.
    pub fn appearance(&self, call_id: &str) -> Option<Appearance> {
        let entry = &self.entries[self.index_of(call_id)?];
        Appearance::of(&entry.call, &self.me, &self.devices, entry.local)
    }

    /// Every call as the UI renders it, in creation order.
    pub fn snapshot(&self) -> Vec<Appearance> {
        self.entries.iter().filter_map(|entry| Appearance::of(&entry.call, &self.me, &self.devices, entry.local)).collect()
    }

    fn index_of(&self, call_id: &str) -> Option<usize> {
        self.entries.iter().position(|entry| entry.call.id == call_id)
    }

    fn standing(&self, call: &Call, local: LocalState) -> Option<Standing> {
        let appearance = Appearance::of(call, &self.me, &self.devices, local)?;
        let (_, peer) = legs(call, &self.me)?;
        Some(Standing {
            ringing: appearance.state == AppearanceState::Ringing,
            handled_here: appearance.where_ == Where::Here,
            ended: appearance.state == AppearanceState::Ended,
            callee_missed: appearance.direction == Direction::Outgoing && appearance.ended.as_ref().is_some_and(Ended::callee_missed),
            peer_email: peer.email.clone(),
            peer_session: peer.session.clone(),
        })
    }
}

/// What moving from `before` (None: a call new to this device) to `after` asks of this
/// device, in the order to do it: ringing, then media, then the ending.
fn changes_between(call: &Call, before: Option<&Standing>, after: &Standing) -> Vec<Change> {
    let call_id = || call.id.clone();
    let known = before.is_some();
    let before = before.cloned().unwrap_or_default();
    let mut changes = Vec::new();
    if after.ringing && !before.ringing {
        changes.push(Change::Ringing { call_id: call_id() });
    }
    if before.ringing && !after.ringing {
        changes.push(Change::StopRinging { call_id: call_id() });
    }
    match (before.handled_here, after.handled_here) {
        (false, true) => {
            let local_role = if before.ringing { MediaRole::Answerer } else { MediaRole::Offerer };
            changes.push(Change::MediaStart { call_id: call_id(), remote_session: after.peer_session.clone(), local_role });
        }
        (true, false) => changes.push(Change::MediaStop { call_id: call_id() }),
        (true, true) if before.peer_session != after.peer_session => {
            changes.push(Change::MediaRenegotiate { call_id: call_id(), remote_session: after.peer_session.clone() });
        }
        _ => {}
    }
    if known && after.ended && !before.ended {
        changes.push(Change::Ended { call_id: call_id(), reason: call.ended.as_ref().map(|ending| ending.reason) });
    }
    if before.handled_here && after.callee_missed {
        changes.push(Change::CalleeMissed { call_id: call_id(), callee: after.peer_email.clone() });
    }
    changes
}

#[cfg(test)]
mod tests {
    use restphone_api::call::{CallState, Ending, ParticipantState, Role};
    use serde_json::json;

    use super::*;
    use crate::core::appearance::Action;
    use crate::core::testing::{DESK_PHONE, HERE, at, call, me, my_devices, renamed};

    fn book() -> CallBook {
        CallBook::new(me(), my_devices())
    }

    fn ringing_in() -> Call {
        call(CallState::Alerting, Role::Callee, ParticipantState::Ringing, None, Some("bob-offer"))
    }

    fn answered_in(handler: &str, peer_session: &str) -> Call {
        call(CallState::Answered, Role::Callee, ParticipantState::Connected, Some(handler), Some(peer_session))
    }

    fn ringing(call_id: &str) -> Change {
        Change::Ringing { call_id: call_id.to_owned() }
    }

    fn stop_ringing(call_id: &str) -> Change {
        Change::StopRinging { call_id: call_id.to_owned() }
    }

    fn media_stop(call_id: &str) -> Change {
        Change::MediaStop { call_id: call_id.to_owned() }
    }

    fn ended(call_id: &str, reason: Option<EndReason>) -> Change {
        Change::Ended { call_id: call_id.to_owned(), reason }
    }

    fn states(book: &CallBook) -> Vec<(String, AppearanceState)> {
        book.snapshot().into_iter().map(|appearance| (appearance.id, appearance.state)).collect()
    }

    #[test]
    fn a_new_incoming_call_rings_here() {
        let mut book = book();
        assert_eq!(book.apply_call(ringing_in()), vec![ringing("c1")]);
        assert_eq!(book.apply_call(ringing_in()), vec![]);
        assert_eq!(states(&book), vec![("c1".to_owned(), AppearanceState::Ringing)]);
    }

    #[test]
    fn answered_on_my_other_device_stops_ringing_and_shows_that_device() {
        let mut book = book();
        book.apply_call(ringing_in());
        assert_eq!(book.apply_call(answered_in(DESK_PHONE, "bob-offer")), vec![stop_ringing("c1")]);
        let appearance = book.appearance("c1").expect("known call");
        assert_eq!(appearance.where_, Where::Elsewhere { device_id: "d2".to_owned(), name: "Desk phone".to_owned() });
        assert_eq!(appearance.actions, vec![Action::Pull, Action::HangupRemote]);
    }

    #[test]
    fn answering_here_starts_media_as_answerer_of_the_callers_offer() {
        let mut book = book();
        book.apply_call(ringing_in());
        let started = Change::MediaStart { call_id: "c1".to_owned(), remote_session: Some("bob-offer".to_owned()), local_role: MediaRole::Answerer };
        assert_eq!(book.apply_call(answered_in(HERE, "bob-offer")), vec![stop_ringing("c1"), started]);
    }

    #[test]
    fn my_outgoing_call_starts_media_as_offerer_when_this_device_takes_it() {
        let mut book = book();
        assert_eq!(book.apply_call(call(CallState::Proceeding, Role::Caller, ParticipantState::Dialing, None, None)), vec![]);
        let taken = call(CallState::Proceeding, Role::Caller, ParticipantState::Dialing, Some(HERE), None);
        let started = Change::MediaStart { call_id: "c1".to_owned(), remote_session: None, local_role: MediaRole::Offerer };
        assert_eq!(book.apply_call(taken), vec![started]);
        let answered = call(CallState::Answered, Role::Caller, ParticipantState::Connected, Some(HERE), Some("bob-answer"));
        let renegotiated = Change::MediaRenegotiate { call_id: "c1".to_owned(), remote_session: Some("bob-answer".to_owned()) };
        assert_eq!(book.apply_call(answered), vec![renegotiated]);
    }

    fn missed(reason: EndReason) -> Call {
        let mut ended = call(CallState::Ended, Role::Caller, ParticipantState::Left, None, None);
        ended.ended = Some(Ending { reason, by: None, at: at(30) });
        ended
    }

    #[test]
    fn an_outgoing_call_the_callee_never_took_offers_voicemail_only_on_the_device_that_placed_it() {
        let callee_missed = |reason| {
            let mut book = book();
            book.apply_call(call(CallState::Alerting, Role::Caller, ParticipantState::Dialing, Some(HERE), None));
            book.apply_call(missed(reason))
        };
        let offered = Change::CalleeMissed { call_id: "c1".to_owned(), callee: "bob@example.com".to_owned() };
        for reason in [EndReason::Noanswer, EndReason::Declined, EndReason::Unavailable] {
            assert_eq!(callee_missed(reason), vec![Change::MediaStop { call_id: "c1".to_owned() }, ended("c1", Some(reason)), offered.clone()]);
        }
        assert!(!callee_missed(EndReason::Cancelled).contains(&offered), "I hung up myself");

        let mut elsewhere = book();
        elsewhere.apply_call(call(CallState::Alerting, Role::Caller, ParticipantState::Dialing, Some(DESK_PHONE), None));
        assert_eq!(elsewhere.apply_call(missed(EndReason::Noanswer)), vec![ended("c1", Some(EndReason::Noanswer))], "the desk phone placed it");
    }

    #[test]
    fn a_pull_to_this_device_starts_media_as_offerer() {
        let mut book = book();
        assert_eq!(book.apply_call(answered_in(DESK_PHONE, "bob-sdp")), vec![]);
        let started = Change::MediaStart { call_id: "c1".to_owned(), remote_session: Some("bob-sdp".to_owned()), local_role: MediaRole::Offerer };
        assert_eq!(book.apply_call(answered_in(HERE, "bob-sdp")), vec![started]);
        assert_eq!(book.appearance("c1").map(|appearance| appearance.where_), Some(Where::Here));
    }

    #[test]
    fn the_handler_moving_away_stops_media_and_unmutes() {
        let mut book = book();
        book.apply_call(answered_in(HERE, "bob-sdp"));
        assert!(book.set_muted("c1", true));
        assert_eq!(book.appearance("c1").map(|appearance| appearance.actions), Some(vec![Action::Hangup, Action::Hold, Action::Unmute, Action::Push]));
        assert_eq!(book.apply_call(answered_in(DESK_PHONE, "bob-sdp")), vec![media_stop("c1")]);
        assert_eq!(book.appearance("c1").map(|appearance| appearance.muted), Some(false));
        assert!(!book.set_muted("c1", true));
        assert!(!book.set_muted("c9", true));
    }

    #[test]
    fn a_peer_session_change_renegotiates_only_while_this_device_handles_the_call() {
        let mut book = book();
        book.apply_call(answered_in(HERE, "bob-sdp"));
        let renegotiated = Change::MediaRenegotiate { call_id: "c1".to_owned(), remote_session: Some("bob-sdp-2".to_owned()) };
        assert_eq!(book.apply_call(answered_in(HERE, "bob-sdp-2")), vec![renegotiated]);
        book.apply_call(answered_in(DESK_PHONE, "bob-sdp-2"));
        assert_eq!(book.apply_call(answered_in(DESK_PHONE, "bob-sdp-3")), vec![]);
    }

    #[test]
    fn ending_while_handled_here_stops_media_and_ends() {
        let mut book = book();
        book.apply_call(answered_in(HERE, "bob-sdp"));
        let hung_up = call(CallState::Ended, Role::Callee, ParticipantState::Left, None, None);
        assert_eq!(book.apply_call(hung_up), vec![media_stop("c1"), ended("c1", Some(EndReason::Hangup))]);
        assert_eq!(states(&book), vec![("c1".to_owned(), AppearanceState::Ended)]);
    }

    #[test]
    fn ending_while_ringing_stops_ringing_and_ends() {
        let mut book = book();
        book.apply_call(ringing_in());
        let mut cancelled = call(CallState::Ended, Role::Callee, ParticipantState::Left, None, None);
        cancelled.ended = Some(Ending { reason: EndReason::Cancelled, by: Some("/user/bob@example.com".to_owned()), at: at(8) });
        assert_eq!(book.apply_call(cancelled), vec![stop_ringing("c1"), ended("c1", Some(EndReason::Cancelled))]);
    }

    #[test]
    fn an_ended_call_ignores_stale_updates() {
        let mut book = book();
        book.apply_call(ringing_in());
        book.apply_call(call(CallState::Ended, Role::Callee, ParticipantState::Left, None, None));
        assert_eq!(book.apply_call(ringing_in()), vec![]);
        assert_eq!(states(&book), vec![("c1".to_owned(), AppearanceState::Ended)]);
    }

    #[test]
    fn an_older_copy_of_a_live_call_is_ignored() {
        let mut book = book();
        let older = call(CallState::Answered, Role::Callee, ParticipantState::Connected, None, Some("bob-sdp"));
        let newer = call(CallState::Answered, Role::Callee, ParticipantState::Connected, Some(HERE), Some("bob-sdp"));
        book.apply_call(newer);
        assert_eq!(book.apply_call(older), vec![], "a stale copy must not move the call away from here");
        assert_eq!(book.snapshot()[0].where_, Where::Here);
    }

    #[test]
    fn a_call_first_seen_ended_is_listed_without_changes() {
        let mut book = book();
        assert_eq!(book.apply_call(call(CallState::Ended, Role::Callee, ParticipantState::Left, None, None)), vec![]);
        assert_eq!(states(&book), vec![("c1".to_owned(), AppearanceState::Ended)]);
    }

    #[test]
    fn calls_without_me_are_ignored() {
        let mut book = book();
        let mut others = ringing_in();
        others.children[1].email = "carol@example.com".to_owned();
        assert_eq!(book.apply_call(others), vec![]);
        assert_eq!(book.snapshot(), vec![]);
    }

    #[test]
    fn a_second_incoming_call_while_active_rings_as_a_second_appearance() {
        let mut book = book();
        book.apply_call(answered_in(HERE, "bob-sdp"));
        let second = renamed(ringing_in(), "c2", 10);
        assert_eq!(book.apply_call(second), vec![ringing("c2")]);
        assert_eq!(states(&book), vec![("c1".to_owned(), AppearanceState::Active), ("c2".to_owned(), AppearanceState::Ringing)]);
    }

    #[test]
    fn appearances_keep_creation_order_whatever_order_calls_arrive_in() {
        let mut book = book();
        book.apply_call(renamed(ringing_in(), "late", 20));
        book.apply_call(renamed(ringing_in(), "early", 10));
        let ids: Vec<String> = book.snapshot().into_iter().map(|appearance| appearance.id).collect();
        assert_eq!(ids, vec!["early", "late"]);
    }

    #[test]
    fn resync_applies_the_list_and_ends_calls_missing_from_it() {
        let mut book = book();
        book.apply_call(answered_in(HERE, "bob-sdp"));
        let second = renamed(ringing_in(), "c2", 10);
        assert_eq!(book.resync(vec![second], at(100)), vec![ringing("c2"), media_stop("c1"), ended("c1", None)]);
        let first = book.appearance("c1").expect("kept until forgotten");
        assert_eq!((first.state, first.ended.map(|ended| ended.at)), (AppearanceState::Ended, Some(at(100))));
        book.forget_ended_before(at(100));
        assert_eq!(states(&book).len(), 2);
        book.forget_ended_before(at(101));
        assert_eq!(states(&book), vec![("c2".to_owned(), AppearanceState::Ringing)]);
    }

    #[test]
    fn a_call_not_found_ends_for_an_unknown_reason() {
        let mut book = book();
        book.apply_call(ringing_in());
        assert_eq!(book.end_not_found("c1", at(30)), vec![stop_ringing("c1"), ended("c1", None)]);
        assert_eq!(book.end_not_found("c1", at(31)), vec![]);
        assert_eq!(book.end_not_found("c9", at(31)), vec![]);
    }

    #[test]
    fn new_device_names_show_at_once() {
        let mut book = book();
        book.apply_call(answered_in(DESK_PHONE, "bob-sdp"));
        book.set_devices(MyDevices::default());
        assert_eq!(book.appearance("c1").map(|appearance| appearance.where_), Some(Where::Elsewhere { device_id: "d2".to_owned(), name: "d2".to_owned() }));
    }

    #[test]
    fn the_snapshot_serializes_each_call_with_id_state_where_and_peer() {
        let mut book = book();
        book.apply_call(answered_in(HERE, "bob-sdp"));
        book.apply_call(renamed(ringing_in(), "c2", 10));
        let value = serde_json::to_value(book.snapshot()).expect("serializes");
        assert_eq!(value[0]["id"], json!("c1"));
        assert_eq!(value[0]["state"], json!("active"));
        assert_eq!(value[0]["where"], json!("here"));
        assert_eq!(value[0]["peer"]["display_name"], json!("Bob"));
        assert_eq!(value[1]["state"], json!("ringing"));
        assert_eq!(value[1]["where"], json!(null));
        assert_eq!(value[1]["actions"], json!(["answer", "decline", "answer_on"]));
    }
}
