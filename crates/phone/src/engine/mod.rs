//! The phone: one owner task per account on this device. It holds the call book,
//! carries out commands, follows the push channel and keeps the registration alive,
//! and publishes a snapshot after every change. `Phone` is the handle to it.

mod actions;
mod mailbox;
mod owner;

use std::collections::HashSet;

use chrono::Utc;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use self::owner::Owner;
use crate::client::ServerClient;
use crate::command::Command;
use crate::core::calls::{CallBook, Change};
use crate::core::identity::{Me, MyDevices};
use crate::error::PhoneError;
use crate::media::{MediaAgent, MediaSetup};
use crate::outcome::Outcome;
use crate::push;
use crate::snapshot::{Notice, Snapshot};
use crate::voicemail::Voicemail;

#[derive(Debug, Clone)]
pub struct PhoneConfig {
    pub server: String,
    pub email: String,
    pub password: String,
    pub device_name: String,
    /// Registration lifetime asked for, in seconds.
    pub expires: u32,
    pub auto_answer: bool,
    /// When my call from this device goes unanswered (no answer, declined, no device),
    /// go on to leave a voice message: greeting, beep, recording.
    pub auto_voicemail: bool,
    /// Audio for calls; without it calls still connect, silently.
    pub media: Option<MediaSetup>,
}

impl PhoneConfig {
    /// `email` on `device_name` at `server`: registered for 5 minutes, answering and
    /// leaving messages only when told, without audio (set `media` for that).
    pub fn new(server: &str, email: &str, password: &str, device_name: &str) -> Self {
        Self {
            server: server.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
            device_name: device_name.to_owned(),
            expires: 300,
            auto_answer: false,
            auto_voicemail: false,
            media: None,
        }
    }
}

pub(crate) type Reply = oneshot::Sender<Result<Outcome, PhoneError>>;

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
        let (quality_sender, quality) = watch::channel(Default::default());
        let media_task = config.media.clone().map(|setup| {
            let agent = MediaAgent::new(setup, commands.clone(), snapshots.clone(), quality_sender);
            tokio::spawn(agent.run(media.subscribe()))
        });
        let push_task = tokio::spawn(push::run(client.clone(), device_id, push_sender));
        let (voicemail, voicemail_view) = Voicemail::new(client.clone(), config.media.as_ref().map(|m| m.devices.clone()));
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
            mailbox: Vec::new(),
            history: Default::default(),
            do_not_disturb: false,
            signed_out: false,
            display_name: String::new(),
            voicemail,
            voicemail_view,
            notices: notices.clone(),
            media: media.clone(),
            quality,
            snapshot: snapshot_sender,
            device_id: device_sender,
        };
        owner.reload_devices().await?;
        owner.display_name = owner.client.profile().await?.display_name;
        owner.publish();
        let (quit, quit_signal) = oneshot::channel();
        let task = tokio::spawn(async move {
            owner.run(command_inbox, push_inbox, quit_signal).await;
            push_task.abort();
            // Without the owner's sender (and the handle's), the media events end and the
            // agent closes its legs.
            drop(owner);
            if let Some(media_task) = media_task {
                let _ = media_task.await;
            }
        });
        Ok(Self { commands, snapshots, notices, media, quit, task })
    }

    pub async fn execute(&self, command: Command) -> Result<Outcome, PhoneError> {
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
        let Self { quit, task, media, .. } = self;
        drop(media);
        let _ = quit.send(());
        let _ = task.await;
    }
}
