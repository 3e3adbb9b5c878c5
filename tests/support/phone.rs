//! Reading a phone engine's snapshots: waiting for a state, and picking out one call.

use restphone_phone::core::appearance::Appearance;
use restphone_phone::{Phone, Snapshot};
use serde_json::Value;

use crate::DEADLINE;

pub fn appearance<'a>(snapshot: &'a Snapshot, call: &str) -> Option<&'a Appearance> {
    snapshot.calls.iter().find(|c| c.id == call)
}

/// One field of a call's appearance as the UI would see it in JSON (`Null` if absent).
pub fn field(snapshot: &Snapshot, call: &str, name: &str) -> Value {
    appearance(snapshot, call).map(|a| serde_json::to_value(a).unwrap()[name].clone()).unwrap_or(Value::Null)
}

pub fn state(snapshot: &Snapshot, call: &str) -> Value {
    field(snapshot, call, "state")
}

/// Where the call is handled: "here", another device's name, or `Null`.
pub fn place(snapshot: &Snapshot, call: &str) -> Value {
    field(snapshot, call, "where")
}

/// Waits until the phone's snapshot satisfies `condition`, or fails after the deadline.
pub async fn until(phone: &Phone, what: &str, condition: impl Fn(&Snapshot) -> bool) -> Snapshot {
    let mut snapshots = phone.snapshots();
    let reached = tokio::time::timeout(DEADLINE, snapshots.wait_for(|s| condition(s))).await.map(|r| r.map(|s| s.clone()));
    match reached {
        Ok(Ok(snapshot)) => snapshot,
        _ => panic!("{what}: not within {DEADLINE:?}; last snapshot: {}", serde_json::to_string_pretty(&*phone.snapshots().borrow()).unwrap()),
    }
}
