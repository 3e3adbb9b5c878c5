//! Phone engines in tests: starting one with audio, waiting for a state, and picking out
//! one call of a snapshot.

use restphone_media::call::{AudioDevices, MediaConfig};
use restphone_phone::core::appearance::Appearance;
use restphone_phone::{MediaSetup, Phone, PhoneConfig, Snapshot};
use serde_json::Value;

use crate::{Client, DEADLINE, TestServer};

/// Starts `user`'s phone called `device` with audio on `devices` (calls over loopback,
/// `config` for the rest), and waits until its push channel is open.
pub async fn start_audio_phone(server: &TestServer, user: &Client, device: &str, config: MediaConfig, devices: AudioDevices) -> Phone {
    start_phone(audio_phone_config(server, user, device, config, devices)).await
}

/// What `start_audio_phone` starts, for a test to change first.
pub fn audio_phone_config(server: &TestServer, user: &Client, device: &str, config: MediaConfig, devices: AudioDevices) -> PhoneConfig {
    let config = MediaConfig { udp_addrs: vec!["127.0.0.1:0".to_owned()], ..config };
    PhoneConfig { media: Some(MediaSetup { config, devices }), ..phone_config(&server.base, user, device) }
}

/// `user`'s phone called `device` on the server at `base`, without audio.
pub fn phone_config(base: &str, user: &Client, device: &str) -> PhoneConfig {
    PhoneConfig {
        server: base.to_owned(),
        email: user.email.clone(),
        password: user.password.clone(),
        device_name: device.to_owned(),
        expires: 300,
        auto_answer: false,
        auto_voicemail: false,
        media: None,
    }
}

/// Starts a phone and waits until its push channel is open.
pub async fn start_phone(config: PhoneConfig) -> Phone {
    let phone = Phone::start(config).await.expect("the phone starts");
    until(&phone, "the push channel is open", |s| s.connected).await;
    phone
}

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
