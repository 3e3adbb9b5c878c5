//! Compact builders for the tests: Alice's device `d1` ("Laptop") sees the calls; her
//! other device is `d2` ("Desk phone"); her peer is Bob.

use chrono::{DateTime, Utc};
use restphone_api::call::{Call, CallState, EndReason, Ending, Participant, ParticipantState, Role};
use restphone_api::login::Device;

use super::identity::{Me, MyDevices};

pub const HERE: &str = "/login/alice@example.com/d1";
pub const DESK_PHONE: &str = "/login/alice@example.com/d2";
pub const BOB_PHONE: &str = "/login/bob@example.com/b1";

pub fn me() -> Me {
    Me { email: "alice@example.com".to_owned(), device_id: "d1".to_owned() }
}

pub fn my_devices() -> MyDevices {
    MyDevices::new(&[device("d1", "Laptop"), device("d2", "Desk phone")])
}

fn device(id: &str, name: &str) -> Device {
    Device {
        id: id.to_owned(),
        url: format!("/login/alice@example.com/{id}"),
        name: name.to_owned(),
        contact: None,
        registered_at: at(0),
        refreshed_at: at(0),
        expires_at: at(3600),
    }
}

/// A moment, `seconds` after a fixed origin.
pub fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + seconds, 0).expect("a representable test time")
}

/// Call `c1` between Alice (`my_role`, `my_state`, handled by `my_handler`) and Bob, whose
/// phone handles his leg when he has a session. Ended calls ended by hang-up at `at(60)`.
pub fn call(state: CallState, my_role: Role, my_state: ParticipantState, my_handler: Option<&str>, peer_session: Option<&str>) -> Call {
    let peer_role = match my_role {
        Role::Caller => Role::Callee,
        Role::Callee => Role::Caller,
    };
    let peer_state = match (state, peer_role) {
        (CallState::Proceeding | CallState::Alerting, Role::Caller) => ParticipantState::Dialing,
        (CallState::Proceeding | CallState::Alerting, Role::Callee) => ParticipantState::Ringing,
        (CallState::Answered | CallState::Held, _) => ParticipantState::Connected,
        (CallState::Ended, _) => ParticipantState::Left,
    };
    let mine = participant(("alice", "Alice"), my_role, my_state, my_handler.map(str::to_owned), None);
    let peer = participant(("bob", "Bob"), peer_role, peer_state, peer_session.map(|_| BOB_PHONE.to_owned()), peer_session);
    let children = match my_role {
        Role::Caller => vec![mine, peer],
        Role::Callee => vec![peer, mine],
    };
    Call {
        id: "c1".to_owned(),
        url: "/call/c1".to_owned(),
        subject: None,
        state,
        revision: next_revision(),
        created_at: at(0),
        answered_at: (state != CallState::Proceeding && state != CallState::Alerting).then(|| at(5)),
        ended: (state == CallState::Ended).then(|| Ending { reason: EndReason::Hangup, by: None, at: at(60) }),
        children,
    }
}

/// Each built call is newer than the one before, as successive server copies are.
fn next_revision() -> u64 {
    static REVISION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    REVISION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The same call under another id, created `seconds` after the first.
pub fn renamed(mut call: Call, id: &str, seconds: i64) -> Call {
    call.id = id.to_owned();
    call.url = format!("/call/{id}");
    call.created_at = at(seconds);
    call
}

fn participant((name, display_name): (&str, &str), role: Role, state: ParticipantState, handler: Option<String>, session: Option<&str>) -> Participant {
    Participant {
        id: format!("p-{name}"),
        url: format!("/call/c1/p-{name}"),
        user: format!("/user/{name}@example.com"),
        email: format!("{name}@example.com"),
        display_name: display_name.to_owned(),
        role,
        state,
        handler,
        handler_name: None,
        session: session.map(str::to_owned),
    }
}
