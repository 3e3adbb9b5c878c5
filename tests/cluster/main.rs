//! Three instances on one PostgreSQL database behind HAProxy (`deploy/haproxy.cfg`), with
//! Alice's laptop and desk phone and Bob's phone streaming from different instances: a
//! call forks, is answered, pulled and pushed across instances. Then the instance that
//! took a second, still ringing, call is killed with SIGKILL: the devices it served
//! reconnect through the balancer with Last-Event-ID and miss no event (every id the log
//! holds for them, in order), the first call goes on, and the second call's ring timer
//! fires on another instance. A token revoked on one instance is refused by all.

use std::collections::HashSet;

use restphone_system_tests::cluster::{Cluster, INSTANCES};
use restphone_system_tests::{Client, DEADLINE, EventStream, psql};
use serde_json::{Value, json};

/// A device with its push channel, and every event id it received over all its streams.
struct Device {
    id: String,
    events: EventStream,
    received: Vec<i64>,
}

impl Device {
    async fn open(owner: &Client, name: &str) -> Self {
        let id = owner.register(name).await;
        let events = owner.events(&id, None).await;
        Self { id, events, received: Vec::new() }
    }

    fn served_by(&self) -> String {
        served_by(&self.events.headers)
    }

    /// After its instance died: the stream ends, and the device reconnects through the
    /// balancer with the last id it saw.
    async fn reconnect(&mut self, owner: &Client) {
        self.events.wait_closed().await;
        self.received.append(&mut self.events.ids);
        let last = self.events.last_id.clone().expect("the device saw events before");
        self.events = owner.events(&self.id, Some(&last)).await;
    }

    /// Reads up to `owner`'s next marker, so that everything before it was received.
    async fn drain(&mut self, owner: &Client) -> Vec<i64> {
        let marker = owner.mark().await;
        self.events.until_marker(&marker).await;
        self.received.append(&mut self.events.ids);
        self.received.clone()
    }
}

fn served_by(headers: &reqwest::header::HeaderMap) -> String {
    headers.get("x-served-by").expect("the balancer names the instance").to_str().unwrap().to_owned()
}

fn alice_of(call: &Value) -> &Value {
    call["children"].as_array().unwrap().iter().find(|c| c["email"] == "alice@example.com").unwrap()
}

/// The ids the log holds for `device` of `email` from `first` through `last`: what a
/// device that missed nothing received.
fn logged_ids(database: &str, email: &str, device: &str, first: i64, last: i64) -> Vec<i64> {
    let query = format!(
        "SELECT e.id FROM events e JOIN users u ON u.id = e.user_id WHERE u.email = '{email}'
         AND (e.device_id IS NULL OR e.device_id = '{device}') AND e.id BETWEEN {first} AND {last} ORDER BY e.id"
    );
    psql(database, &query).lines().map(|id| id.parse().unwrap()).collect()
}

#[tokio::test]
async fn three_instances_behind_a_balancer_lose_nothing_when_one_is_killed() {
    let mut cluster = Cluster::start(&["--ring-timeout", "4"]).await;
    let alice = Client::sign_up(&cluster.base, "alice").await;
    let bob = Client::sign_up(&cluster.base, "bob").await;
    let carol = Client::sign_up(&cluster.base, "carol").await;
    let mut laptop = Device::open(&alice, "Laptop").await;
    let mut desk = Device::open(&alice, "Desk phone").await;
    let mut phone = Device::open(&bob, "Phone").await;
    let instances: HashSet<String> = [&laptop, &desk, &phone].iter().map(|d| d.served_by()).collect();
    assert_eq!(instances.len(), 3, "the balancer spreads the three streams over the three instances");

    // Bob calls: both of Alice's devices ring, whichever instance serves them.
    let call = bob.call(&alice).await;
    bob.take(&call, &phone.id, "bob-offer").await.expect(200);
    for device in [&mut laptop, &mut desk] {
        device.events.wait_for_call(&call, |c| alice_of(c)["state"] == "ringing").await;
    }
    // The laptop answers; the desk phone and Bob are told.
    alice.report(&call, "answered", &laptop.id).await.expect(200);
    alice.take(&call, &laptop.id, "laptop-answer").await.expect(200);
    let laptop_url = alice.device_url(&laptop.id);
    let desk_url = alice.device_url(&desk.id);
    desk.events.wait_for_call(&call, |c| alice_of(c)["handler"] == laptop_url.as_str()).await;
    phone.events.wait_for_call(&call, |c| c["state"] == "answered").await;
    // The desk phone pulls it; then Alice pushes it back to the laptop, which takes it.
    alice.take(&call, &desk.id, "desk-offer").await.expect(200);
    laptop.events.wait_for_call(&call, |c| alice_of(c)["handler"] == desk_url.as_str()).await;
    alice.post(&format!("/call/{call}/push"), json!({"device": laptop.id})).await.expect(202);
    let take = laptop.events.wait_for("command", |c| c["command"] == "take").await.data;
    assert_eq!(take["call"], format!("/call/{call}"));
    alice.take(&call, &laptop.id, "laptop-again").await.expect(200);
    desk.events.wait_for_call(&call, |c| alice_of(c)["handler"] == laptop_url.as_str()).await;

    // Carol calls Alice; the instance that took the call dies while it rings.
    let created = carol.post("/call", json!({"to": alice.email})).await;
    let doomed = served_by(&created.headers);
    let ringing = created.expect(201)["id"].as_str().unwrap().to_owned();
    for device in [&mut laptop, &mut desk] {
        device.events.wait_for_call(&ringing, |c| alice_of(c)["state"] == "ringing").await;
    }
    cluster.kill(&doomed);
    // While its devices are cut off, Bob writes to Alice and to himself is told of it.
    bob.post("/user/alice@example.com/message", json!({"text": "are you there?"})).await.expect(201);
    for (device, owner) in [(&mut laptop, &alice), (&mut desk, &alice), (&mut phone, &bob)] {
        if device.served_by() == doomed {
            device.reconnect(owner).await;
            assert_ne!(device.served_by(), doomed, "the balancer skips the dead instance");
        }
    }
    for device in [&mut laptop, &mut desk] {
        let missed = device.events.wait_for("message", |_| true).await;
        assert_eq!(missed.data["from"], "bob@example.com");
    }

    // The call goes on: pushed to the desk phone, which takes it, and the laptop is told.
    assert_eq!(alice.get(&format!("/call/{call}")).await.expect(200)["state"], "answered");
    alice.post(&format!("/call/{call}/push"), json!({"device": desk.id})).await.expect(202);
    desk.events.wait_for("command", |c| c["command"] == "take").await;
    alice.take(&call, &desk.id, "desk-again").await.expect(200);
    laptop.events.wait_for_call(&call, |c| alice_of(c)["handler"] == desk_url.as_str()).await;
    // Carol's call, taken by the dead instance, times out on a live one.
    for device in [&mut laptop, &mut desk] {
        let ended = device.events.wait_for_call(&ringing, |c| c["state"] == "ended").await;
        assert_eq!(ended["ended"]["reason"], "noanswer");
    }
    bob.delete(&format!("/call/{call}")).await.expect(204);
    for device in [&mut laptop, &mut desk, &mut phone] {
        device.events.wait_for_call(&call, |c| c["state"] == "ended").await;
    }

    // Every device received every event the log holds for it, each once, in order.
    for (device, owner) in [(&mut laptop, &alice), (&mut desk, &alice), (&mut phone, &bob)] {
        let received = device.drain(owner).await;
        let (first, last) = (received[0], *received.last().unwrap());
        assert_eq!(received, logged_ids(&cluster.database, &owner.email, &device.id, first, last), "{}", device.id);
    }
}

/// Signing out on one instance, or changing the password there, revokes tokens that
/// every instance holds in memory: each refuses them within moments.
#[tokio::test]
async fn a_token_revoked_on_one_instance_is_refused_by_every_instance() {
    let cluster = Cluster::start(&[]).await;
    for (name, revoke) in [("alice", Revocation::SignOut), ("bob", Revocation::NewPassword)] {
        let client = Client::sign_up(&cluster.base, name).await;
        until_every_instance_answers(&client, 200).await;
        match revoke {
            Revocation::SignOut => client.delete("/session").await.expect(204),
            Revocation::NewPassword => {
                let change = json!({"password": "a brand new password", "current_password": client.password});
                client.patch(&format!("/user/{}", client.email), change).await.expect(200)
            }
        };
        until_every_instance_answers(&client, 401).await;
    }
}

enum Revocation {
    SignOut,
    NewPassword,
}

/// Asks until each instance has answered `status` (to the client's own profile).
async fn until_every_instance_answers(client: &Client, status: u16) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut answered = HashSet::new();
    while answered.len() < INSTANCES.len() {
        assert!(tokio::time::Instant::now() < deadline, "only {answered:?} answered {status} for {}", client.email);
        let reply = client.get(&format!("/user/{}", client.email)).await;
        if reply.status == status {
            answered.insert(served_by(&reply.headers));
        }
    }
}

/// A registration removed through one instance stops on the others at once: the
/// device's stream there closes, and a refresh there is refused.
#[tokio::test]
async fn a_device_removed_on_one_instance_is_gone_on_the_others() {
    let cluster = Cluster::start(&[]).await;
    let alice = Client::sign_up(&cluster.base, "alice").await;
    let mut laptop = Device::open(&alice, "Laptop").await;
    let streaming_on = laptop.served_by();
    let refresh = format!("/login/alice@example.com/{}", laptop.id);
    // The instance holding the stream knows the registration (it answers refreshes from memory).
    let there = Client { base: cluster.direct(&streaming_on), ..alice.clone() };
    there.put(&refresh, json!({})).await.expect(200);
    let elsewhere = INSTANCES.into_iter().find(|name| *name != streaming_on).unwrap();
    Client { base: cluster.direct(elsewhere), ..alice.clone() }.delete(&refresh).await.expect(204);
    laptop.events.wait_closed().await;
    there.put(&refresh, json!({})).await.problem(404);
}
