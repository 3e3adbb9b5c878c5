//! `call_fanout`: how long after `POST /call {to}` is sent the last of the callee's N
//! registered devices has the call's `call` event on its open push channel, for N of
//! 10, 100 and 1000. Calls are made one at a time, each once the previous one reached
//! every device (or a deadline passed).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use restphone_api::event::EventKind;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::BenchResult;
use crate::api::{Account, Api};
use crate::deployment::Deployment;
use crate::sse::SseReader;
use crate::stats::Latency;

/// (devices of the callee, measured calls).
const ROUNDS: [(usize, usize); 3] = [(10, 50), (100, 50), (1000, 20)];
/// Calls made before the measured ones, so that first-time costs do not count.
const WARMUP_CALLS: usize = 3;
/// A call whose event has not reached every device by then counts as incomplete.
const EVENT_DEADLINE: Duration = Duration::from_secs(10);
const REGISTER_CONCURRENCY: usize = 8;
const OPEN_CONCURRENCY: usize = 64;

#[derive(Debug, Serialize)]
pub struct Report {
    pub devices: usize,
    pub calls: usize,
    /// Registering the callee's devices one by one (each announces the device list).
    pub register_devices_seconds: f64,
    /// Until the `201 Created` of `POST /call`.
    pub post_call_ms: Latency,
    /// From sending `POST /call` until the first device has the event.
    pub first_device_ms: Latency,
    /// From sending `POST /call` until the last device has the event: the figure.
    pub last_device_ms: Latency,
    /// Calls whose event some device did not get within the deadline.
    pub incomplete_calls: usize,
    pub missing_events: usize,
    /// Push channels the server closed during the round.
    pub streams_ended: usize,
}

pub async fn measure(deployment: &Deployment) -> BenchResult<Vec<Report>> {
    let api = Api::new(&deployment.base_url)?;
    let caller = api.create_account("caller").await?;
    let mut reports = Vec::with_capacity(ROUNDS.len());
    for (devices, calls) in ROUNDS {
        let report = measure_round(&api, &caller, devices, calls).await?;
        eprintln!("fanout: {devices} devices: last device p99 {} ms", report.last_device_ms.p99_ms);
        reports.push(report);
    }
    Ok(reports)
}

async fn measure_round(api: &Api, caller: &Account, devices: usize, calls: usize) -> BenchResult<Report> {
    eprintln!("fanout: registering {devices} devices of one callee");
    let callee = api.create_account(&format!("callee-of-{devices}")).await?;
    let registering = Instant::now();
    let device_ids = api.register_devices(&callee, devices, REGISTER_CONCURRENCY).await?;
    let register_devices_seconds = registering.elapsed().as_secs_f64();
    eprintln!("fanout: opening {devices} push channels");
    let channels: Vec<_> = futures::stream::iter(&device_ids).map(|id| api.open_events(&callee, id)).buffer_unordered(OPEN_CONCURRENCY).try_collect().await?;
    let (sender, receiver) = mpsc::unbounded_channel();
    let watchers: Vec<_> = channels.into_iter().map(|channel| tokio::spawn(watch_calls(SseReader::new(channel), sender.clone()))).collect();
    drop(sender);
    let mut arrivals = Arrivals { receiver, calls: HashMap::new() };
    let (mut post_call, mut first_device, mut last_device) = (Vec::new(), Vec::new(), Vec::new());
    let (mut incomplete_calls, mut missing_events) = (0, 0);
    for round in 0..WARMUP_CALLS + calls {
        let sent = Instant::now();
        let call = api.call(caller, &callee.email).await?;
        let created = sent.elapsed();
        let reached = arrivals.wait_for(&call.id, devices, sent + EVENT_DEADLINE).await;
        if round < WARMUP_CALLS {
            continue;
        }
        post_call.push(created);
        match reached {
            Some(reached) if reached.devices == devices => {
                first_device.push(reached.first - sent);
                last_device.push(reached.last - sent);
            }
            reached => {
                incomplete_calls += 1;
                missing_events += devices - reached.map_or(0, |r| r.devices);
            }
        }
    }
    let streams_ended = watchers.iter().filter(|watcher| watcher.is_finished()).count();
    watchers.iter().for_each(|watcher| watcher.abort());
    Ok(Report {
        devices,
        calls,
        register_devices_seconds: (register_devices_seconds * 1000.0).round() / 1000.0,
        post_call_ms: Latency::of(&post_call),
        first_device_ms: Latency::of(&first_device),
        last_device_ms: Latency::of(&last_device),
        incomplete_calls,
        missing_events,
        streams_ended,
    })
}

/// When one device got the first `call` event of one call.
struct Arrival {
    call_id: String,
    at: Instant,
}

/// The fields of a `call` event this benchmark reads.
#[derive(Deserialize)]
struct CallId {
    id: String,
}

/// Reads one device's push channel and reports the first `call` event of each call.
async fn watch_calls(mut channel: SseReader, arrivals: mpsc::UnboundedSender<Arrival>) {
    let mut seen = HashSet::new();
    while let Some(event) = channel.next_event().await {
        let at = Instant::now();
        if event.event != EventKind::Call.as_str() {
            continue;
        }
        let Ok(call) = serde_json::from_str::<CallId>(&event.data) else { continue };
        if seen.insert(call.id.clone()) && arrivals.send(Arrival { call_id: call.id, at }).is_err() {
            return;
        }
    }
}

/// How many devices got a call's event, and when the first and the last did.
#[derive(Debug, Clone, Copy)]
struct Reached {
    devices: usize,
    first: Instant,
    last: Instant,
}

/// Arrivals by call id: an event may come before the response to `POST /call`.
struct Arrivals {
    receiver: mpsc::UnboundedReceiver<Arrival>,
    calls: HashMap<String, Reached>,
}

impl Arrivals {
    /// Waits until `devices` devices got the event of `call_id`, or the deadline.
    async fn wait_for(&mut self, call_id: &str, devices: usize, deadline: Instant) -> Option<Reached> {
        loop {
            if self.calls.get(call_id).is_some_and(|reached| reached.devices >= devices) {
                return self.calls.remove(call_id);
            }
            match tokio::time::timeout_at(deadline.into(), self.receiver.recv()).await {
                Ok(Some(arrival)) => self.note(arrival),
                Ok(None) | Err(_) => return self.calls.remove(call_id),
            }
        }
    }

    fn note(&mut self, arrival: Arrival) {
        let reached = self.calls.entry(arrival.call_id).or_insert(Reached { devices: 0, first: arrival.at, last: arrival.at });
        reached.devices += 1;
        reached.first = reached.first.min(arrival.at);
        reached.last = reached.last.max(arrival.at);
    }
}
