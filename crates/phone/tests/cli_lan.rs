//! A device on another network pairs with a shared server and takes part in a call.
//!
//! Two network namespaces joined by a veth pair stand for Alice's home network (`a`,
//! where her server is shared over HTTPS on the link's address, and where her laptop and
//! Bob's phone are) and the network her desk phone is on (`b`). The desk phone knows the
//! server only through the pairing link; its call audio crosses the link. Every phone is
//! a `restphone-cli` process with a tone for a voice, and what each one played is
//! analysed by frequency afterwards.

mod common;

use std::path::Path;
use std::time::Duration;

use common::netns::{Inside, Link};
use common::{DEADLINE, Running, cli_in, wav_samples};
use restphone_media::analysis::dominant_tone_ratio;
use serde_json::Value;

const BOB_HZ: f64 = 440.0;
const LAPTOP_HZ: f64 = 1000.0;
const DESK_HZ: f64 = 1500.0;

fn call_where<'a>(snapshot: &'a Value, call: &str) -> Option<&'a Value> {
    snapshot["calls"].as_array()?.iter().find(|c| c["id"] == call)
}

/// A phone in `namespace` sending a tone of `hz` from `address`, recording what it plays.
fn phone(namespace: &str, pairing: &str, user: &str, device: &str, hz: f64, address: std::net::IpAddr, record: &Path) -> Running {
    let (hz, bind, record) = (hz.to_string(), format!("{address}:0"), record.to_str().unwrap().to_owned());
    Running::start_in(Some(namespace), pairing, user, device, &["run", "--tone", &hz, "--record", &record, "--bind", &bind])
}

async fn run(phone: &mut Running, command: &str) -> Value {
    phone.send(command).await;
    let result = phone.until(command, |v| v["command"] == command).await;
    assert_eq!(result["ok"], true, "{command}: {result}");
    result
}

async fn quit(phone: &mut Running) {
    phone.send("quit").await;
    let status = tokio::time::timeout(DEADLINE, phone.child.wait()).await.expect("the phone quits in time").unwrap();
    assert!(status.success());
}

/// The tones that stand out in `path`, in the order they were played (each 100 ms is
/// one of `tones` or nothing; repeats are folded).
fn tones_in_order(path: &Path, tones: &[f64]) -> Vec<f64> {
    let mut heard: Vec<f64> = Vec::new();
    for window in wav_samples(path).chunks(4_800) {
        let loudest = tones.iter().copied().find(|&hz| dominant_tone_ratio(window, hz) > 100.0);
        if let Some(hz) = loudest
            && heard.last() != Some(&hz)
        {
            heard.push(hz);
        }
    }
    heard
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_phone_on_another_network_pairs_rings_answers_and_hands_the_call_to_the_laptop() {
    let link = Link::new("lan");
    let home = Inside::new(&link.a);
    let shared = link.a.address;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("server");
    let pairing = home.run(common::start_tls_server_on((shared, 0).into(), data_dir)).await;
    assert!(pairing.starts_with(&format!("restphone://pair?server=https://{shared}:")), "{pairing}");
    for user in ["alice@example.com", "bob@example.com"] {
        let output = cli_in(Some(&link.a.name), &pairing, user, "cli", &["signup"]).output().await.unwrap();
        assert!(output.status.success(), "sign-up over the pairing link: {}", String::from_utf8_lossy(&output.stdout));
    }

    let heard = |name: &str| dir.path().join(format!("{name}.wav"));
    let mut laptop = phone(&link.a.name, &pairing, "alice@example.com", "Laptop", LAPTOP_HZ, shared, &heard("laptop"));
    let mut bob = phone(&link.a.name, &pairing, "bob@example.com", "Phone", BOB_HZ, shared, &heard("bob"));
    let mut desk = phone(&link.b.name, &pairing, "alice@example.com", "Desk", DESK_HZ, link.b.address, &heard("desk"));
    for phone in [&mut laptop, &mut bob, &mut desk] {
        phone.until_snapshot("the phone is connected", |v| v["connected"] == true).await;
    }
    laptop.until_snapshot("the laptop knows the desk phone", |v| v["devices"].as_array().is_some_and(|d| d.len() == 2)).await;

    let dialed = run(&mut bob, "dial alice@example.com").await;
    let call = dialed["result"]["call"].as_str().unwrap().to_owned();
    let ringing = |v: &Value| call_where(v, &call).is_some_and(|c| c["state"] == "ringing");
    laptop.until_snapshot("the laptop rings", ringing).await;
    desk.until_snapshot("the desk phone across the link rings", ringing).await;

    run(&mut desk, &format!("answer {call}")).await;
    let receiving = |v: &Value| v["quality"][&call]["receiving"] == true;
    desk.until_snapshot("the desk phone receives Bob's voice across the link", receiving).await;
    bob.until_snapshot("Bob receives the desk phone's voice", receiving).await;
    laptop.until_snapshot("the laptop shows the call on the desk phone", |v| call_where(v, &call).is_some_and(|c| c["where"] == "Desk")).await;
    // A second of the desk phone's voice, so Bob's recording holds it clearly.
    tokio::time::sleep(Duration::from_secs(1)).await;

    run(&mut laptop, &format!("pull {call}")).await;
    laptop.until_snapshot("the laptop receives Bob's voice after its pull", receiving).await;
    desk.until_snapshot("the desk phone shows the call on the laptop", |v| call_where(v, &call).is_some_and(|c| c["where"] == "Laptop")).await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    run(&mut bob, &format!("hangup {call}")).await;
    for phone in [&mut laptop, &mut desk] {
        phone.until_snapshot("the call ended", |v| call_where(v, &call).is_some_and(|c| c["state"] == "ended")).await;
    }
    for phone in [&mut laptop, &mut bob, &mut desk] {
        quit(phone).await;
    }
    let tones = [BOB_HZ, LAPTOP_HZ, DESK_HZ];
    assert_eq!(tones_in_order(&heard("desk"), &tones), [BOB_HZ], "the desk phone heard Bob");
    assert_eq!(tones_in_order(&heard("laptop"), &tones), [BOB_HZ], "the laptop heard Bob after its pull");
    assert_eq!(tones_in_order(&heard("bob"), &tones), [DESK_HZ, LAPTOP_HZ], "Bob heard the desk phone, then the laptop");
}
