//! What each participant keeps of an ended call.

use restphone_api::call::{EndReason, Role};
use restphone_api::history::Direction;

use super::call::CallRecord;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    pub user_id: i64,
    pub call_id: String,
    pub direction: Direction,
    pub peer_email: String,
    pub peer_name: String,
    pub subject: Option<String>,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: i64,
    pub reason: EndReason,
    pub missed: bool,
    pub device: Option<String>,
}

/// One record for each participant of an ended call that has a peer; none for a call
/// still going.
pub fn records_of(call: &CallRecord) -> Vec<HistoryRecord> {
    let Some(ended) = &call.ended else {
        return Vec::new();
    };
    call.participants
        .iter()
        .filter_map(|me| {
            let peer = call.participants.iter().find(|p| p.party.user_id != me.party.user_id)?;
            let direction = if me.role == Role::Callee { Direction::Incoming } else { Direction::Outgoing };
            Some(HistoryRecord {
                user_id: me.party.user_id,
                call_id: call.id.clone(),
                direction,
                peer_email: peer.party.email.clone(),
                peer_name: peer.party.display_name.clone(),
                subject: call.subject.clone(),
                started_at: call.created_at,
                answered_at: call.answered_at,
                ended_at: ended.at,
                reason: ended.reason,
                // Declining is an answer of a kind; every other unanswered ring was missed.
                missed: direction == Direction::Incoming && call.answered_at.is_none() && ended.reason != EndReason::Declined,
                device: me.handled_by.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::call::{Actor, DeviceRef, Party};
    use restphone_api::call::CallEvent;

    fn party(user_id: i64, email: &str) -> Party {
        Party { user_id, email: email.to_owned(), display_name: email.split('@').next().unwrap().to_owned() }
    }

    fn ringing_call() -> CallRecord {
        CallRecord::new("c1".into(), Some("hello".into()), party(1, "alice@example.com"), Some((party(2, "bob@example.com"), true)), 1_000, 31_000)
    }

    fn actor(user_id: i64, email: &str, device: &str) -> Actor {
        Actor { user_id, email: email.to_owned(), device: Some(DeviceRef { id: device.to_lowercase(), name: device.to_owned() }) }
    }

    #[test]
    fn a_call_going_on_leaves_no_history() {
        assert!(records_of(&ringing_call()).is_empty());
    }

    #[test]
    fn an_unanswered_call_is_missed_by_the_callee_only() {
        let mut call = ringing_call();
        assert!(call.ring_timeout(31_000));
        let records = records_of(&call);
        assert_eq!(records.len(), 2);
        let (caller, callee) = (&records[0], &records[1]);
        assert_eq!((caller.user_id, caller.direction, caller.missed), (1, Direction::Outgoing, false));
        assert_eq!((callee.user_id, callee.direction, callee.missed), (2, Direction::Incoming, true));
        assert_eq!((callee.peer_email.as_str(), callee.reason, callee.ended_at), ("alice@example.com", EndReason::Noanswer, 31_000));
    }

    #[test]
    fn a_declined_call_is_not_missed() {
        let mut call = ringing_call();
        call.leave(&actor(2, "bob@example.com", "Desk"), 2_000).unwrap();
        assert!(records_of(&call).iter().all(|r| !r.missed && r.reason == EndReason::Declined));
    }

    #[test]
    fn an_answered_call_names_the_device_that_had_it_last() {
        let mut call = ringing_call();
        let alice = actor(1, "alice@example.com", "Laptop");
        let bob = actor(2, "bob@example.com", "Desk");
        call.take(&alice, alice.device.clone().unwrap(), Some("offer".into())).unwrap();
        call.report(&bob, CallEvent::Answered, 2_000).unwrap();
        let pulled = DeviceRef { id: "phone".into(), name: "Phone".into() };
        call.take(&bob, pulled, Some("answer".into())).unwrap();
        call.leave(&alice, 9_000).unwrap();
        let records = records_of(&call);
        assert_eq!(records[0].device.as_deref(), Some("Laptop"));
        assert_eq!(records[1].device.as_deref(), Some("Phone"));
        assert!(records.iter().all(|r| !r.missed && r.answered_at == Some(2_000) && r.reason == EndReason::Hangup));
    }
}
