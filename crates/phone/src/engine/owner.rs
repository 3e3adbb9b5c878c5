//! The owner task's state and its event loop: the push channel, the registration
//! timer, the contact list timer, and what server events change.

use std::collections::HashSet;

use chrono::Utc;
use restphone_api::call::{Call, CallEvent};
use restphone_api::event::{Command as ServerCommand, CommandKind, EventKind, MessageNotice};
use restphone_api::history::HistoryPage;
use restphone_api::login::{Device, OnlineUser, Presence};
use restphone_api::message::Message;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::PhoneConfig;
use super::Reply;
use crate::client::ServerClient;
use crate::command::Command;
use crate::core::calls::{CallBook, Change};
use crate::core::identity::{Me, MyDevices};
use crate::core::registration::next_refresh_at;
use crate::error::PhoneError;
use crate::media::QualityByCall;
use crate::outcome::Outcome;
use crate::push::PushInput;
use crate::snapshot::{DeviceView, Notice, Snapshot};
use crate::voicemail::{RecordingStage, Voicemail, VoicemailView};

/// How many of my latest calls the snapshot carries.
const HISTORY_SHOWN: u32 = 50;

/// How often the list of who is online is read again.
const CONTACTS_REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

pub(super) struct Owner {
    pub(super) client: ServerClient,
    pub(super) config: PhoneConfig,
    pub(super) me: Me,
    pub(super) book: CallBook,
    pub(super) devices: Vec<Device>,
    pub(super) connected: bool,
    pub(super) registered_at: chrono::DateTime<Utc>,
    pub(super) granted: u32,
    /// Calls this device has reported `alerting` for.
    pub(super) alerted: HashSet<String>,
    pub(super) online: Vec<OnlineUser>,
    /// My mailbox as the server last listed it.
    pub(super) mailbox: Vec<Message>,
    /// The newest page of my call history, as the server last listed it.
    pub(super) history: HistoryPage,
    /// Incoming calls are declined at once (callers go to voicemail).
    pub(super) do_not_disturb: bool,
    /// The server stopped taking this device's token: the phone stops.
    pub(super) signed_out: bool,
    /// The name others see me by.
    pub(super) display_name: String,
    pub(super) voicemail: Voicemail,
    pub(super) voicemail_view: watch::Receiver<VoicemailView>,
    pub(super) notices: broadcast::Sender<Notice>,
    pub(super) media: broadcast::Sender<Change>,
    /// Call quality as the media agent last measured it.
    pub(super) quality: watch::Receiver<QualityByCall>,
    pub(super) snapshot: watch::Sender<Snapshot>,
    pub(super) device_id: watch::Sender<String>,
}

impl Owner {
    pub(super) async fn run(&mut self, mut commands: mpsc::Receiver<(Command, Reply)>, mut push: mpsc::Receiver<PushInput>, mut quit: oneshot::Receiver<()>) {
        let mut contacts = tokio::time::interval(CONTACTS_REFRESH);
        contacts.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let refresh_at = next_refresh_at(self.granted, self.registered_at);
            let refresh_in = (refresh_at - Utc::now()).to_std().unwrap_or_default();
            tokio::select! {
                Some((command, reply)) = commands.recv() => {
                    let outcome = self.execute(command).await;
                    if matches!(outcome, Err(PhoneError::ServerUnreachable { .. })) {
                        self.lost_server();
                    }
                    let _ = reply.send(outcome);
                }
                Some(input) = push.recv() => self.on_push(input).await,
                _ = tokio::time::sleep(refresh_in) => self.refresh().await,
                _ = contacts.tick() => self.reload_contacts().await,
                Ok(()) = self.quality.changed() => {}
                Ok(()) = self.voicemail_view.changed() => {}
                _ = &mut quit => break,
            }
            self.publish();
            if self.signed_out {
                return;
            }
        }
        if let Err(error) = self.client.unregister(&self.me.device_id).await {
            tracing::warn!(%error, "could not unregister on quit");
        }
        let _ = self.client.sign_out().await;
    }

    /// A request got no answer: the phone shows offline now, not when the push stream
    /// notices (up to `STREAM_SILENCE` later), and the push channel opens a new stream
    /// (the same device id, sent again), which resyncs once the server answers.
    fn lost_server(&mut self) {
        self.connected = false;
        self.device_id.send_modify(|_| {});
    }

    pub(super) fn publish(&self) {
        let devices = self
            .devices
            .iter()
            .map(|d| DeviceView { id: d.id.clone(), name: d.name.clone(), here: d.id == self.me.device_id, last_seen: d.refreshed_at })
            .collect();
        let snapshot = Snapshot {
            email: self.me.email.clone(),
            display_name: self.display_name.clone(),
            device_id: self.me.device_id.clone(),
            device_name: self.config.device_name.clone(),
            connected: self.connected,
            devices,
            calls: self.calls_with_voicemail(),
            online: self.online.clone(),
            unheard_messages: self.mailbox.iter().filter(|m| !m.heard).count(),
            messages: self.mailbox.clone(),
            history: self.history.entries.clone(),
            missed_calls: self.history.missed_unseen,
            voicemail: self.voicemail_view.borrow().clone(),
            auto_voicemail: self.config.auto_voicemail,
            do_not_disturb: self.do_not_disturb,
            signed_out: self.signed_out,
            quality: self.quality.borrow().clone(),
        };
        self.snapshot.send_replace(snapshot);
    }

    /// The calls, with the one a voice message is being left after (or was) showing it.
    fn calls_with_voicemail(&self) -> Vec<crate::core::appearance::Appearance> {
        let view = self.voicemail_view.borrow();
        let recording = view.recording.as_ref().filter(|r| r.stage != RecordingStage::Failed && r.stage != RecordingStage::Cancelled);
        let after_call = |id: &str| recording.filter(|r| r.call.as_deref() == Some(id));
        let calls = self.book.snapshot().into_iter();
        calls
            .map(|call| match after_call(&call.id) {
                Some(recording) => call.leaving_message(recording.recorded_ms, !recording.stage.is_over()),
                None => call,
            })
            .collect()
    }

    /// My call from this device went unanswered: take a voice message for the callee,
    /// unless the user turned that off.
    pub(super) async fn offer_voicemail(&mut self, call_id: String, callee: String) {
        if !self.config.auto_voicemail {
            return;
        }
        if let Err(error) = self.voicemail.leave(callee, true, Some(call_id)).await {
            tracing::info!(%error, "no voice message after the unanswered call");
        }
    }

    pub(super) async fn reload_devices(&mut self) -> Result<(), PhoneError> {
        let presence = self.client.devices_of(&self.me.email).await?;
        self.set_devices(presence.devices);
        Ok(())
    }

    pub(super) fn set_devices(&mut self, devices: Vec<Device>) {
        self.book.set_devices(MyDevices::new(&devices));
        self.devices = devices;
    }

    async fn refresh(&mut self) {
        match self.client.refresh(&self.me.device_id, self.config.expires).await {
            Ok(registered) => {
                self.registered_at = Utc::now();
                self.granted = registered.expires;
            }
            Err(PhoneError::RegistrationGone) => self.register_again().await,
            Err(PhoneError::Refused { status: 401, .. }) => self.signed_out = true,
            Err(error) => {
                tracing::warn!(%error, "refresh failed; retrying");
                // Try again soon rather than at the next half-life.
                self.registered_at = Utc::now() - chrono::Duration::seconds(i64::from(self.granted));
                self.granted = self.granted.max(10);
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }

    /// The server forgot this device (it lapsed, or the server lost its data).
    async fn register_again(&mut self) {
        match self.client.register(&self.config.device_name, self.config.expires).await {
            Ok(registered) => {
                self.me.device_id = registered.id.clone();
                self.registered_at = Utc::now();
                self.granted = registered.expires;
                self.book = CallBook::new(self.me.clone(), MyDevices::new(&self.devices));
                let _ = self.device_id.send(registered.id);
                let _ = self.reload_devices().await;
            }
            Err(error) => tracing::warn!(%error, "could not register again"),
        }
    }

    async fn on_push(&mut self, input: PushInput) {
        match input {
            PushInput::Connected => {
                self.connected = true;
                self.resync().await;
            }
            PushInput::Disconnected { reason } => {
                tracing::info!(%reason, "push channel down");
                self.connected = false;
            }
            PushInput::DeviceUnknown => self.register_again().await,
            // A stream refused while this device signed in again (its password changed
            // here) is not a sign-out: one REST request with the token now tells.
            PushInput::SignedOut if self.client.profile().await.is_ok() => self.device_id.send_modify(|_| {}),
            PushInput::SignedOut => {
                tracing::info!("signed out: the server no longer takes this device's token");
                self.signed_out = true;
                self.connected = false;
            }
            PushInput::Event(event) => match EventKind::parse(&event.event) {
                Some(EventKind::Call) => match serde_json::from_str::<Call>(&event.data) {
                    Ok(call) => {
                        let changes = self.book.apply_call(call);
                        self.act_on(changes).await;
                    }
                    Err(error) => tracing::warn!(%error, "a call event that does not parse"),
                },
                Some(EventKind::Presence) => {
                    if let Ok(presence) = serde_json::from_str::<Presence>(&event.data) {
                        self.set_devices(presence.devices);
                    }
                }
                Some(EventKind::Command) => {
                    if let Ok(command) = serde_json::from_str::<ServerCommand>(&event.data) {
                        self.carry_out(command).await;
                    }
                }
                Some(EventKind::Reset) => self.resync().await,
                Some(EventKind::History) => self.reload_history().await,
                Some(EventKind::Invite) => {
                    if let Ok(invite) = serde_json::from_str(&event.data) {
                        let _ = self.notices.send(Notice::Invite(invite));
                    }
                }
                Some(EventKind::Message) => {
                    if let Ok(notice) = serde_json::from_str::<MessageNotice>(&event.data) {
                        if notice.deleted {
                            self.voicemail.forget(&notice.id).await;
                        }
                        let _ = self.notices.send(Notice::Message(notice));
                    }
                    self.reload_mailbox().await;
                }
                None => {}
            },
        }
    }

    /// Brings the call book in line with the server: calls that rang while the push
    /// channel was down appear, calls that ended meanwhile end.
    async fn resync(&mut self) {
        match self.client.calls().await {
            Ok(calls) => {
                let changes = self.book.resync(calls, Utc::now());
                self.act_on(changes).await;
            }
            Err(error) => tracing::warn!(%error, "resync failed"),
        }
        let _ = self.reload_devices().await;
        self.reload_contacts().await;
        self.reload_mailbox().await;
        self.reload_history().await;
    }

    /// My recent calls and the missed-call count, read again whenever they change.
    pub(super) async fn reload_history(&mut self) {
        match self.client.history(HISTORY_SHOWN).await {
            Ok(page) => self.history = page,
            Err(error) => tracing::debug!(%error, "could not read the call history"),
        }
    }

    async fn reload_contacts(&mut self) {
        match self.client.online().await {
            Ok(online) => self.online = online,
            Err(error) => tracing::debug!(%error, "could not read who is online"),
        }
    }

    /// Acts on what the book says changed for this device. Acting (auto-answer) can
    /// change the book again, so changes are worked off as a queue.
    pub(super) async fn act_on(&mut self, changes: Vec<Change>) {
        let mut queue = std::collections::VecDeque::from(changes);
        while let Some(change) = queue.pop_front() {
            match change {
                Change::Ringing { call_id } if self.do_not_disturb => match self.client.report(&call_id, CallEvent::Declined, &self.me.device_id).await {
                    Ok(call) => queue.extend(self.book.apply_call(call)),
                    Err(error) => tracing::info!(%error, "could not decline while not to be disturbed"),
                },
                Change::Ringing { call_id } => {
                    if self.alerted.insert(call_id.clone()) {
                        let _ = self.client.report(&call_id, CallEvent::Alerting, &self.me.device_id).await;
                    }
                    if self.config.auto_answer {
                        match self.client.report(&call_id, CallEvent::Answered, &self.me.device_id).await {
                            Ok(call) => queue.extend(self.book.apply_call(call)),
                            Err(error) => tracing::info!(%error, "auto-answer lost"),
                        }
                    }
                }
                Change::Ended { call_id, .. } => {
                    self.alerted.remove(&call_id);
                }
                Change::CalleeMissed { call_id, callee } => self.offer_voicemail(call_id, callee).await,
                Change::MediaStart { .. } => {
                    self.voicemail.make_way_for_a_call().await;
                    let _ = self.media.send(change);
                }
                Change::MediaRenegotiate { .. } | Change::MediaStop { .. } => {
                    let _ = self.media.send(change);
                }
                Change::StopRinging { .. } => {}
            }
        }
    }

    /// What the server asks this device to do (push, third-party answer, third-party dial).
    async fn carry_out(&mut self, command: ServerCommand) {
        let Some(call_id) = restphone_api::path::parse_call(&command.call).map(str::to_owned) else { return };
        let result = match command.command {
            CommandKind::Take | CommandKind::Dial => self.take(&call_id).await,
            CommandKind::Answer => self.answer(&call_id).await,
        };
        if let Err(error) = result {
            tracing::warn!(%error, ?command, "could not carry out the server's command");
        }
    }

    pub(super) async fn take(&mut self, call_id: &str) -> Result<Outcome, PhoneError> {
        let taken = self.client.take(call_id, &self.me.device_id, None).await?;
        self.follow(call_id).await;
        Ok(Outcome::Call { call: call_id.to_owned(), participant: Some(taken.url) })
    }

    pub(super) async fn answer(&mut self, call_id: &str) -> Result<Outcome, PhoneError> {
        let call = self.client.report(call_id, CallEvent::Answered, &self.me.device_id).await?;
        let changes = self.book.apply_call(call);
        self.act_on(changes).await;
        Ok(Outcome::call(call_id))
    }

    /// Applies the call as the server has it now, without waiting for its event.
    pub(super) async fn follow(&mut self, call_id: &str) {
        match self.client.call(call_id).await {
            Ok(Some(call)) => {
                let changes = self.book.apply_call(call);
                self.act_on(changes).await;
            }
            Ok(None) => {
                let changes = self.book.end_not_found(call_id, Utc::now());
                self.act_on(changes).await;
            }
            Err(error) => tracing::warn!(%error, "could not read the call"),
        }
    }
}
