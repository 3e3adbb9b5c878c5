//! The media agent: turns the engine's media events into WebRTC call legs on this device,
//! publishes each leg's session through the engine, follows mute and hold from the
//! snapshots, and reports call quality back.
//!
//! Who offers: the device that starts a leg (the caller, or the device that pulls or is
//! pushed the call) offers; the peer answers whatever new offer it sees, replacing its
//! leg, because a new offer means a new device (new ICE and DTLS endpoints) on the far end.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use restphone_media::call::{AudioDevices, CallMedia, CallQuality, MediaConfig, SessionKind, session_kind};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::command::Command;
use crate::core::appearance::{AppearanceState, Where};
use crate::core::calls::{Change, MediaRole};
use crate::engine::Reply;
use crate::snapshot::Snapshot;

/// How often call quality is measured.
const QUALITY_INTERVAL: Duration = Duration::from_secs(2);

/// Audio for a phone: how calls carry it, and the devices they use.
#[derive(Debug, Clone)]
pub struct MediaSetup {
    pub config: MediaConfig,
    pub devices: AudioDevices,
}

/// Quality of each call handled here, by call id.
pub type QualityByCall = BTreeMap<String, CallQuality>;

struct Leg {
    media: CallMedia,
    /// The peer's offer this leg answered, so the same offer seen again is not answered twice.
    answered: Option<String>,
}

pub(crate) struct MediaAgent {
    setup: MediaSetup,
    commands: mpsc::Sender<(Command, Reply)>,
    snapshots: watch::Receiver<Snapshot>,
    quality: watch::Sender<QualityByCall>,
    legs: HashMap<String, Leg>,
}

impl MediaAgent {
    pub(crate) fn new(
        setup: MediaSetup,
        commands: mpsc::Sender<(Command, Reply)>,
        snapshots: watch::Receiver<Snapshot>,
        quality: watch::Sender<QualityByCall>,
    ) -> Self {
        Self { setup, commands, snapshots, quality, legs: HashMap::new() }
    }

    pub(crate) async fn run(mut self, mut events: broadcast::Receiver<Change>) {
        let mut measure = tokio::time::interval(QUALITY_INTERVAL);
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(change) => self.on_change(change).await,
                    Err(broadcast::error::RecvError::Lagged(missed)) => tracing::error!(missed, "media events were missed"),
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                Ok(()) = self.snapshots.changed() => self.follow_controls(),
                _ = measure.tick() => self.measure().await,
            }
        }
        for (_, leg) in self.legs.drain() {
            leg.media.close().await;
        }
    }

    async fn on_change(&mut self, change: Change) {
        match change {
            Change::MediaStart { call_id, local_role: MediaRole::Offerer, .. } => self.offer(call_id).await,
            Change::MediaStart { call_id, remote_session, local_role: MediaRole::Answerer } | Change::MediaRenegotiate { call_id, remote_session } => {
                if let Some(session) = remote_session {
                    self.on_remote_session(call_id, session).await;
                }
            }
            Change::MediaStop { call_id } => self.stop(&call_id).await,
            Change::Ringing { .. } | Change::StopRinging { .. } | Change::Ended { .. } | Change::CalleeMissed { .. } => {}
        }
    }

    async fn on_remote_session(&mut self, call_id: String, session: String) {
        match session_kind(&session) {
            Ok(SessionKind::Offer) if self.legs.get(&call_id).is_some_and(|leg| leg.answered.as_ref() == Some(&session)) => {}
            Ok(SessionKind::Offer) => self.answer(call_id, session).await,
            Ok(SessionKind::Answer) => {
                let Some(leg) = self.legs.get(&call_id) else { return };
                // An answer to an offer made before this leg (another device's) is not for us.
                if leg.media.awaits_answer().await
                    && let Err(error) = leg.media.accept_answer(&session).await
                {
                    tracing::warn!(%error, call_id, "the peer's answer was refused");
                }
            }
            Err(error) => tracing::warn!(%error, call_id, "the peer's session is unusable"),
        }
    }

    async fn offer(&mut self, call_id: String) {
        self.stop(&call_id).await;
        match CallMedia::offer(&self.setup.config, self.setup.devices.clone()).await {
            Ok((media, offer)) => self.publish(call_id, Leg { media, answered: None }, offer).await,
            Err(error) => tracing::error!(%error, call_id, "could not start the call's audio"),
        }
    }

    async fn answer(&mut self, call_id: String, offer: String) {
        self.stop(&call_id).await;
        match CallMedia::answer(&self.setup.config, self.setup.devices.clone(), &offer).await {
            Ok((media, answer)) => self.publish(call_id, Leg { media, answered: Some(offer) }, answer).await,
            Err(error) => tracing::error!(%error, call_id, "could not answer the peer's offer"),
        }
    }

    /// Keeps the leg and puts its session on the call for the peer to see.
    async fn publish(&mut self, call_id: String, leg: Leg, session: String) {
        self.legs.insert(call_id.clone(), leg);
        self.follow_controls();
        let (reply, done) = oneshot::channel();
        let command = Command::SetSession { call: call_id.clone(), session };
        if self.commands.send((command, reply)).await.is_err() {
            return; // the phone is stopping
        }
        if let Ok(Err(error)) = done.await {
            tracing::warn!(%error, call_id, "could not publish this leg's session");
        }
    }

    async fn stop(&mut self, call_id: &str) {
        if let Some(leg) = self.legs.remove(call_id) {
            leg.media.close().await;
        }
        self.quality.send_if_modified(|quality| quality.remove(call_id).is_some());
    }

    /// Mute and hold as the latest snapshot has them.
    fn follow_controls(&mut self) {
        let snapshot = self.snapshots.borrow_and_update();
        for call in snapshot.calls.iter().filter(|call| call.where_ == Where::Here) {
            if let Some(leg) = self.legs.get(&call.id) {
                leg.media.set_muted(call.muted);
                leg.media.set_held(call.state == AppearanceState::Held);
            }
        }
    }

    async fn measure(&self) {
        let mut measured = QualityByCall::new();
        for (call_id, leg) in &self.legs {
            measured.insert(call_id.clone(), leg.media.quality().await);
        }
        self.quality.send_replace(measured);
    }
}
