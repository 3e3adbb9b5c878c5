//! The real device path (PulseAudio's null sink, `bash scripts/audio.sh`): the microphone is
//! open only while a call needs it.

use std::time::Duration;

use restphone_media::call::{AudioDevices, MediaConfig};
use restphone_media::device::{NullSink, SilenceSource};
use restphone_media::system_audio::{SystemInput, SystemOutput};
use restphone_phone::{Command, MediaSetup, Phone, PhoneConfig};
use restphone_system_tests::phone::{state, until};
use restphone_system_tests::{Client, TestServer};

fn system_devices() -> AudioDevices {
    let input = SystemInput::open(None).expect("a default input device: run `bash scripts/audio.sh` to start PulseAudio with a null sink");
    let output = SystemOutput::open(None).expect("a default output device: run `bash scripts/audio.sh` to start PulseAudio with a null sink");
    AudioDevices::new(Box::new(input), Box::new(output))
}

async fn start_phone(server: &TestServer, user: &Client, device: &str, devices: AudioDevices) -> Phone {
    let config = PhoneConfig {
        server: server.base.clone(),
        email: user.email.clone(),
        password: user.password.clone(),
        device_name: device.to_owned(),
        expires: 300,
        auto_answer: false,
        media: Some(MediaSetup { config: MediaConfig { udp_addrs: vec!["127.0.0.1:0".to_owned()], ..MediaConfig::default() }, devices }),
    };
    let phone = Phone::start(config).await.expect("the phone starts");
    until(&phone, "the push channel is open", |s| s.connected).await;
    phone
}

/// The source outputs PulseAudio lists for this process: its open microphone streams.
async fn my_source_outputs() -> usize {
    let listing = tokio::process::Command::new("pactl").args(["list", "source-outputs"]).output().await.expect("pactl runs");
    let listing = String::from_utf8_lossy(&listing.stdout);
    let me = format!("application.process.id = \"{}\"", std::process::id());
    listing.lines().filter(|line| line.trim() == me).count()
}

async fn source_outputs_become(expected: usize, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let open = my_source_outputs().await;
        if open == expected {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{open} microphone streams open, expected {expected} within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_microphone_is_open_only_during_a_call() {
    let server = TestServer::start().await;
    let alice_account = Client::sign_up(&server.base, "alice").await;
    let bob_account = Client::sign_up(&server.base, "bob").await;
    let alice = start_phone(&server, &alice_account, "Laptop", system_devices()).await;
    let bob = start_phone(&server, &bob_account, "Phone", AudioDevices::new(Box::new(SilenceSource), Box::new(NullSink))).await;
    let dialed = bob.execute(Command::Dial { to: alice_account.email.clone() }).await.unwrap();
    let call = dialed["call"].as_str().unwrap().to_owned();
    until(&alice, "the call rings", |s| state(s, &call) == "ringing").await;
    // Registered, with a call ringing: nothing needs the microphone yet.
    assert_eq!(my_source_outputs().await, 0, "a microphone stream is open while no call is up");

    alice.execute(Command::Answer { call: Some(call.clone()) }).await.unwrap();
    until(&alice, "the call is answered here", |s| state(s, &call) == "active").await;
    source_outputs_become(1, Duration::from_secs(10)).await;

    bob.execute(Command::Hangup { call: Some(call.clone()) }).await.unwrap();
    until(&alice, "the call ends", |s| state(s, &call) != "active").await;
    source_outputs_become(0, Duration::from_secs(1)).await;
}
