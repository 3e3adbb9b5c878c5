use super::*;

const ALICE: i64 = 1;
const BOB: i64 = 2;
const EVE: i64 = 3;

fn party(user_id: i64, name: &str) -> Party {
    Party { user_id, email: format!("{name}@example.com"), display_name: name.to_owned() }
}

fn device(id: &str) -> DeviceRef {
    DeviceRef { id: id.to_owned(), name: id.to_owned() }
}

fn actor(user_id: i64, device_id: &str) -> Actor {
    let name = match user_id {
        ALICE => "alice",
        BOB => "bob",
        _ => "eve",
    };
    Actor { user_id, email: format!("{name}@example.com"), device: Some(device(device_id)) }
}

/// Bob calls Alice, who is reachable; the ring deadline is at t=30.
fn bob_calls_alice() -> CallRecord {
    CallRecord::new("c1".into(), None, party(BOB, "bob"), Some((party(ALICE, "alice"), true)), 0, 30)
}

fn answered_on_laptop() -> CallRecord {
    let mut call = bob_calls_alice();
    call.take(&actor(BOB, "bob-phone"), device("bob-phone"), Some("offer".into())).unwrap();
    assert!(call.report(&actor(ALICE, "laptop"), CallEvent::Answered, 5).unwrap());
    call
}

fn handler_of(call: &CallRecord, user_id: i64) -> Option<String> {
    call.participant_of(user_id).unwrap().handler.as_ref().map(|d| d.id.clone())
}

#[test]
fn a_callee_without_devices_is_unavailable() {
    let call = CallRecord::new("c1".into(), None, party(BOB, "bob"), Some((party(ALICE, "alice"), false)), 0, 30);
    assert_eq!(call.state, CallState::Ended);
    assert_eq!(call.ended.unwrap().reason, EndReason::Unavailable);
}

#[test]
fn alerting_then_answer_connects_both_sides() {
    let mut call = bob_calls_alice();
    assert!(call.report(&actor(ALICE, "desk"), CallEvent::Alerting, 1).unwrap());
    assert!(!call.report(&actor(ALICE, "laptop"), CallEvent::Alerting, 1).unwrap(), "second alerting changes nothing");
    assert_eq!(call.state, CallState::Alerting);
    assert!(call.report(&actor(ALICE, "laptop"), CallEvent::Answered, 2).unwrap());
    assert_eq!(call.state, CallState::Answered);
    assert_eq!(call.answered_at, Some(2));
    assert_eq!(handler_of(&call, ALICE).as_deref(), Some("laptop"));
    assert_eq!(call.participant_of(BOB).unwrap().state, ParticipantState::Connected);
}

#[test]
fn only_one_device_wins_the_answer() {
    let mut call = answered_on_laptop();
    assert_eq!(call.report(&actor(ALICE, "desk"), CallEvent::Answered, 6), Err(CallError::AnsweredElsewhere("laptop".into())));
    assert_eq!(call.report(&actor(ALICE, "laptop"), CallEvent::Answered, 6), Ok(false), "a retried answer is harmless");
    assert_eq!(call.report(&actor(BOB, "bob-phone"), CallEvent::Answered, 6), Err(CallError::CalleeOnly("answer")));
}

#[test]
fn taking_while_ringing_is_refused_for_the_callee_only() {
    let mut call = bob_calls_alice();
    assert_eq!(call.take(&actor(ALICE, "desk"), device("desk"), None), Err(CallError::StillRinging));
    assert!(call.take(&actor(BOB, "bob-phone"), device("bob-phone"), Some("offer".into())).unwrap());
}

#[test]
fn a_take_from_another_device_is_a_pull() {
    let mut call = answered_on_laptop();
    assert!(call.take(&actor(ALICE, "desk"), device("desk"), Some("offer2".into())).unwrap());
    assert_eq!(handler_of(&call, ALICE).as_deref(), Some("desk"));
    assert_eq!(call.participant_of(ALICE).unwrap().session.as_deref(), Some("offer2"));
    assert!(!call.take(&actor(ALICE, "desk"), device("desk"), Some("offer2".into())).unwrap(), "same take twice changes nothing");
}

#[test]
fn strangers_cannot_touch_the_call() {
    let mut call = answered_on_laptop();
    assert_eq!(call.take(&actor(EVE, "x"), device("x"), None), Err(CallError::NotParticipant));
    assert_eq!(call.end(&actor(EVE, "x"), 9), Err(CallError::NotParticipant));
    assert_eq!(call.push(&actor(EVE, "x"), &device("y")).unwrap_err(), CallError::NotParticipant);
}

#[test]
fn hanging_up_ends_a_two_party_call() {
    let mut call = answered_on_laptop();
    assert!(call.leave(&actor(BOB, "bob-phone"), 9).unwrap());
    assert_eq!(call.state, CallState::Ended);
    let ending = call.ended.clone().unwrap();
    assert_eq!((ending.reason, ending.by.as_deref()), (EndReason::Hangup, Some("/login/bob@example.com/bob-phone")));
    assert!(call.participants.iter().all(|p| p.handler.is_none() && p.state == ParticipantState::Left));
    assert_eq!(call.leave(&actor(ALICE, "laptop"), 10), Err(CallError::Ended));
}

#[test]
fn leaving_a_ringing_call_cancels_or_declines() {
    let mut call = bob_calls_alice();
    call.leave(&actor(BOB, "bob-phone"), 1).unwrap();
    assert_eq!(call.ended.unwrap().reason, EndReason::Cancelled);
    let mut call = bob_calls_alice();
    call.report(&actor(ALICE, "desk"), CallEvent::Declined, 1).unwrap();
    assert_eq!(call.ended.unwrap().reason, EndReason::Declined);
}

#[test]
fn ring_timeout_only_fires_on_a_ringing_call_at_its_deadline() {
    let mut call = bob_calls_alice();
    assert!(!call.ring_timeout(29));
    assert!(call.ring_timeout(30));
    assert_eq!(call.ended.unwrap().reason, EndReason::Noanswer);
    let mut call = answered_on_laptop();
    assert!(!call.ring_timeout(100));
}

#[test]
fn hold_and_resume_follow_the_participants() {
    let mut call = answered_on_laptop();
    assert_eq!(bob_calls_alice().report(&actor(BOB, "p"), CallEvent::Hold, 1), Err(CallError::NotLive));
    assert!(call.report(&actor(ALICE, "laptop"), CallEvent::Hold, 6).unwrap());
    assert_eq!(call.state, CallState::Held);
    assert!(!call.report(&actor(ALICE, "laptop"), CallEvent::Hold, 6).unwrap());
    assert!(call.report(&actor(ALICE, "laptop"), CallEvent::Resume, 7).unwrap());
    assert_eq!(call.state, CallState::Answered);
}

#[test]
fn push_and_remote_answer_produce_commands_only_when_legal() {
    let ringing = bob_calls_alice();
    let command = ringing.answer_on(&actor(ALICE, "desk")).unwrap();
    assert_eq!((command.command, command.call.as_str()), (CommandKind::Answer, "/call/c1"));
    assert_eq!(ringing.push(&actor(ALICE, "desk"), &device("laptop")).unwrap_err(), CallError::StillRinging);
    let live = answered_on_laptop();
    assert_eq!(live.push(&actor(ALICE, "desk"), &device("laptop")).unwrap_err(), CallError::SameDevice);
    let command = live.push(&actor(ALICE, "laptop"), &device("desk")).unwrap();
    assert_eq!((command.command, command.from.as_deref()), (CommandKind::Take, Some("/login/alice@example.com/laptop")));
    assert_eq!(live.answer_on(&actor(ALICE, "desk")).unwrap_err(), CallError::NotRinging);
}

#[test]
fn third_party_hangup_names_the_device_that_did_it() {
    let mut call = answered_on_laptop();
    call.end(&actor(ALICE, "desk"), 8).unwrap();
    assert_eq!(call.ended.unwrap().by.as_deref(), Some("/login/alice@example.com/desk"));
}
