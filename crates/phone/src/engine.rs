//! The owner task: one per account on this device. It holds the call book, carries
//! out commands, follows the push channel and keeps the registration alive, and
//! publishes a snapshot after every change.

use std::collections::HashSet;

use chrono::Utc;
use restphone_api::call::{Call, CallEvent};
use restphone_api::event::{Command as ServerCommand, CommandKind, EventKind, MessageNotice};
use restphone_api::login::{Device, OnlineUser, Presence};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::client::ServerClient;
use crate::command::Command;
use crate::core::appearance::{Appearance, AppearanceState};
use crate::core::calls::{CallBook, Change};
use crate::core::identity::{Me, MyDevices};
use crate::core::registration::next_refresh_at;
use crate::error::PhoneError;
use crate::push::{self, PushInput};

#[derive(Debug, Clone)]
pub struct PhoneConfig {
    pub server: String,
    pub email: String,
    pub password: String,
    pub device_name: String,
    /// Registration lifetime asked for, in seconds.
    pub expires: u32,
    pub auto_answer: bool,
}

/// Everything a UI renders, as it is now.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    pub email: String,
    pub device_id: String,
    pub device_name: String,
    /// Whether the push channel is open.
    pub connected: bool,
    /// My registered devices, this one included.
    pub devices: Vec<DeviceView>,
    pub calls: Vec<Appearance>,
    /// Who is logged in now, and on how many devices (refreshed on every resync and
    /// every `CONTACTS_REFRESH`).
    pub online: Vec<OnlineUser>,
    /// Messages in my mailbox not marked heard (the message waiting indicator).
    pub unheard_messages: usize,
}

/// What arrives for the user besides call state: shown, not kept.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// What another user sent with `POST /invite/{email}`, with `from`.
    Invite(serde_json::Value),
    /// A message arrived, or was marked heard, or was deleted.
    Message(MessageNotice),
}

/// How often the list of who is online is read again.
const CONTACTS_REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceView {
    pub id: String,
    pub name: String,
    pub here: bool,
}

type Reply = oneshot::Sender<Result<serde_json::Value, PhoneError>>;

pub struct Phone {
    commands: mpsc::Sender<(Command, Reply)>,
    snapshots: watch::Receiver<Snapshot>,
    notices: broadcast::Sender<Notice>,
    media: broadcast::Sender<Change>,
    quit: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Phone {
    /// Signs in, registers this device and starts following the push channel.
    pub async fn start(config: PhoneConfig) -> Result<Self, PhoneError> {
        let client = ServerClient::sign_in(&config.server, &config.email, &config.password).await?;
        let registered = client.register(&config.device_name, config.expires).await?;
        let me = Me { email: client.email.clone(), device_id: registered.id.clone() };
        let (commands, command_inbox) = mpsc::channel(32);
        let (snapshot_sender, snapshots) = watch::channel(Snapshot::default());
        let (device_sender, device_id) = watch::channel(registered.id.clone());
        let (push_sender, push_inbox) = mpsc::channel(256);
        let (notices, _) = broadcast::channel(64);
        let (media, _) = broadcast::channel(64);
        let push_task = tokio::spawn(push::run(client.clone(), device_id, push_sender));
        let mut owner = Owner {
            client,
            book: CallBook::new(me.clone(), MyDevices::default()),
            me,
            config,
            devices: Vec::new(),
            connected: false,
            registered_at: Utc::now(),
            granted: registered.expires,
            alerted: HashSet::new(),
            online: Vec::new(),
            unheard_messages: 0,
            notices: notices.clone(),
            media: media.clone(),
            snapshot: snapshot_sender,
            device_id: device_sender,
        };
        owner.reload_devices().await?;
        owner.publish();
        let (quit, quit_signal) = oneshot::channel();
        let task = tokio::spawn(async move {
            owner.run(command_inbox, push_inbox, quit_signal).await;
            push_task.abort();
        });
        Ok(Self { commands, snapshots, notices, media, quit, task })
    }

    pub async fn execute(&self, command: Command) -> Result<serde_json::Value, PhoneError> {
        let (reply, answer) = oneshot::channel();
        self.commands.send((command, reply)).await.map_err(|_| PhoneError::Stopped)?;
        answer.await.map_err(|_| PhoneError::Stopped)?
    }

    pub fn snapshots(&self) -> watch::Receiver<Snapshot> {
        self.snapshots.clone()
    }

    pub fn notices(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    /// Where a media engine attaches: `MediaStart` when this device takes a leg (with
    /// the peer's session), `MediaRenegotiate` when the peer's session changes,
    /// `MediaStop` when the leg moves elsewhere or ends. It answers with
    /// `Command::SetSession`. Without a media engine, nobody listens and calls still work.
    pub fn media_events(&self) -> broadcast::Receiver<Change> {
        self.media.subscribe()
    }

    /// Unregisters this device and stops.
    pub async fn quit(self) {
        let _ = self.quit.send(());
        let _ = self.task.await;
    }
}

struct Owner {
    client: ServerClient,
    config: PhoneConfig,
    me: Me,
    book: CallBook,
    devices: Vec<Device>,
    connected: bool,
    registered_at: chrono::DateTime<Utc>,
    granted: u32,
    /// Calls this device has reported `alerting` for.
    alerted: HashSet<String>,
    online: Vec<OnlineUser>,
    unheard_messages: usize,
    notices: broadcast::Sender<Notice>,
    media: broadcast::Sender<Change>,
    snapshot: watch::Sender<Snapshot>,
    device_id: watch::Sender<String>,
}

impl Owner {
    async fn run(&mut self, mut commands: mpsc::Receiver<(Command, Reply)>, mut push: mpsc::Receiver<PushInput>, mut quit: oneshot::Receiver<()>) {
        let mut contacts = tokio::time::interval(CONTACTS_REFRESH);
        contacts.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let refresh_at = next_refresh_at(self.granted, self.registered_at);
            let refresh_in = (refresh_at - Utc::now()).to_std().unwrap_or_default();
            tokio::select! {
                Some((command, reply)) = commands.recv() => {
                    let _ = reply.send(self.execute(command).await);
                }
                Some(input) = push.recv() => self.on_push(input).await,
                _ = tokio::time::sleep(refresh_in) => self.refresh().await,
                _ = contacts.tick() => self.reload_contacts().await,
                _ = &mut quit => break,
            }
            self.publish();
        }
        if let Err(error) = self.client.unregister(&self.me.device_id).await {
            tracing::warn!(%error, "could not unregister on quit");
        }
        let _ = self.client.sign_out().await;
    }

    fn publish(&self) {
        let devices = self.devices.iter().map(|d| DeviceView { id: d.id.clone(), name: d.name.clone(), here: d.id == self.me.device_id }).collect();
        let snapshot = Snapshot {
            email: self.me.email.clone(),
            device_id: self.me.device_id.clone(),
            device_name: self.config.device_name.clone(),
            connected: self.connected,
            devices,
            calls: self.book.snapshot(),
            online: self.online.clone(),
            unheard_messages: self.unheard_messages,
        };
        self.snapshot.send_replace(snapshot);
    }

    async fn reload_devices(&mut self) -> Result<(), PhoneError> {
        let presence = self.client.devices_of(&self.me.email).await?;
        self.set_devices(presence.devices);
        Ok(())
    }

    fn set_devices(&mut self, devices: Vec<Device>) {
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
                Some(EventKind::Invite) => {
                    if let Ok(invite) = serde_json::from_str(&event.data) {
                        let _ = self.notices.send(Notice::Invite(invite));
                    }
                }
                Some(EventKind::Message) => {
                    if let Ok(notice) = serde_json::from_str(&event.data) {
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
    }

    async fn reload_contacts(&mut self) {
        match self.client.online().await {
            Ok(online) => self.online = online,
            Err(error) => tracing::debug!(%error, "could not read who is online"),
        }
    }

    async fn reload_mailbox(&mut self) {
        match self.client.messages().await {
            Ok(messages) => self.unheard_messages = messages.iter().filter(|m| !m.heard).count(),
            Err(error) => tracing::debug!(%error, "could not read the mailbox"),
        }
    }

    /// Acts on what the book says changed for this device. Acting (auto-answer) can
    /// change the book again, so changes are worked off as a queue.
    async fn act_on(&mut self, changes: Vec<Change>) {
        let mut queue = std::collections::VecDeque::from(changes);
        while let Some(change) = queue.pop_front() {
            match change {
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
                Change::MediaStart { .. } | Change::MediaRenegotiate { .. } | Change::MediaStop { .. } => {
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

    async fn take(&mut self, call_id: &str) -> Result<serde_json::Value, PhoneError> {
        let taken = self.client.take(call_id, &self.me.device_id, None).await?;
        self.follow(call_id).await;
        Ok(serde_json::json!({ "call": call_id, "participant": taken.url }))
    }

    async fn answer(&mut self, call_id: &str) -> Result<serde_json::Value, PhoneError> {
        let call = self.client.report(call_id, CallEvent::Answered, &self.me.device_id).await?;
        let changes = self.book.apply_call(call);
        self.act_on(changes).await;
        Ok(serde_json::json!({ "call": call_id }))
    }

    /// Applies the call as the server has it now, without waiting for its event.
    async fn follow(&mut self, call_id: &str) {
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

    /// A call of mine in one of `states`: the one named, or the newest.
    fn pick(&self, named: Option<String>, states: &[AppearanceState], what: &str) -> Result<String, PhoneError> {
        let calls = self.book.snapshot();
        match named {
            Some(id) => calls.iter().find(|c| c.id == id).map(|c| c.id.clone()).ok_or(PhoneError::NoSuchCall(id)),
            None => calls.iter().rev().find(|c| states.contains(&c.state)).map(|c| c.id.clone()).ok_or_else(|| PhoneError::NotPossible(format!("there is no call to {what}"))),
        }
    }

    /// Another of my devices, by name (any case) or id.
    fn other_device(&self, named: &str) -> Result<String, PhoneError> {
        self.devices
            .iter()
            .find(|d| d.id == named || d.name.eq_ignore_ascii_case(named))
            .filter(|d| d.id != self.me.device_id)
            .map(|d| d.id.clone())
            .ok_or_else(|| PhoneError::NotPossible(format!("'{named}' is not another of your devices")))
    }

    async fn execute(&mut self, command: Command) -> Result<serde_json::Value, PhoneError> {
        use AppearanceState::{Active, Alerting, Dialing, Held, Ringing};
        let device = self.me.device_id.clone();
        match command {
            Command::Dial { to } => {
                let created = self.client.dial(&to, None).await?;
                self.take(&created.id).await
            }
            Command::Answer { call } => {
                let call = self.pick(call, &[Ringing], "answer")?;
                self.answer(&call).await
            }
            Command::Decline { call } => {
                let call = self.pick(call, &[Ringing], "decline")?;
                self.report(&call, CallEvent::Declined).await
            }
            Command::Hangup { call } => {
                let call = self.pick(call, &[Active, Held, Dialing, Alerting], "hang up")?;
                self.client.end(&call, &device).await?;
                self.follow(&call).await;
                Ok(serde_json::json!({ "call": call }))
            }
            Command::Hold { call } => self.report(&call, CallEvent::Hold).await,
            Command::Resume { call } => self.report(&call, CallEvent::Resume).await,
            Command::Mute { call } | Command::Unmute { call } if !self.book.set_muted(&call, matches!(command, Command::Mute { .. })) => {
                Err(PhoneError::NotPossible(format!("call {call} is not live on this device")))
            }
            Command::Mute { call } | Command::Unmute { call } => Ok(serde_json::json!({ "call": call })),
            Command::Pull { call } => self.take(&call).await,
            Command::Push { call, device } => {
                let target = self.other_device(&device)?;
                self.client.tap(&call, "push", &target).await?;
                Ok(serde_json::json!({ "call": call, "device": target }))
            }
            Command::AnswerOn { call, device } => {
                let target = self.other_device(&device)?;
                self.client.tap(&call, "answer", &target).await?;
                Ok(serde_json::json!({ "call": call, "device": target }))
            }
            Command::DialFrom { device, to } => {
                let from = self.other_device(&device)?;
                let created = self.client.dial(&to, Some(&from)).await?;
                Ok(serde_json::json!({ "call": created.id, "device": from }))
            }
            Command::HangupRemote { call } => {
                self.client.end(&call, &device).await?;
                self.follow(&call).await;
                Ok(serde_json::json!({ "call": call }))
            }
            Command::Message { to, text } => {
                let created = self.client.send_text(&to, &text).await?;
                Ok(serde_json::json!({ "message": created.url }))
            }
            Command::SetSession { call, session } => {
                self.client.take(&call, &device, Some(session)).await?;
                self.follow(&call).await;
                Ok(serde_json::json!({ "call": call }))
            }
            Command::Invite { to, url } => {
                self.client.invite(&to, &serde_json::json!({ "command": "invite", "url": url })).await?;
                Ok(serde_json::json!({ "invited": to }))
            }
        }
    }

    async fn report(&mut self, call_id: &str, event: CallEvent) -> Result<serde_json::Value, PhoneError> {
        let call = self.client.report(call_id, event, &self.me.device_id).await?;
        let changes = self.book.apply_call(call);
        self.act_on(changes).await;
        Ok(serde_json::json!({ "call": call_id }))
    }
}
