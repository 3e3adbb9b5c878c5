//! One message playing: the media player reading the message from the server by
//! ranges, and a task that copies its status into the voicemail view.

use std::time::Duration;

use restphone_api::message::{Message, MessageKind};
use restphone_media::call::AudioDevices;
use restphone_media::voicemail::{PlaybackSpeed, Player};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::ranges::HttpRanges;
use super::view::{PlaybackView, VoicemailView};
use crate::client::ServerClient;
use crate::error::PhoneError;

pub(super) struct Playback {
    message: String,
    player: Player,
    follower: JoinHandle<()>,
}

impl Playback {
    pub(super) fn start(client: ServerClient, devices: AudioDevices, message: &Message, view: watch::Sender<VoicemailView>) -> Result<Self, PhoneError> {
        let (Some(url), Some(size), MessageKind::Voice) = (&message.audio_url, message.size, message.kind) else {
            return Err(PhoneError::NotPossible(format!("message {} is not a voice message", message.id)));
        };
        let player = Player::start(HttpRanges::new(client, url.clone(), size), devices);
        let mut status = player.status();
        let id = message.id.clone();
        let follower = tokio::spawn(async move {
            loop {
                let playing = PlaybackView::new(&id, &status.borrow_and_update());
                view.send_modify(|view| view.playback = Some(playing));
                if status.changed().await.is_err() {
                    return;
                }
            }
        });
        Ok(Self { message: message.id.clone(), player, follower })
    }

    pub(super) fn message(&self) -> &str {
        &self.message
    }

    pub(super) fn pause(&self) {
        self.player.pause();
    }

    pub(super) fn resume(&self) {
        self.player.resume();
    }

    pub(super) fn seek(&self, position_ms: u64) {
        self.player.seek(Duration::from_millis(position_ms));
    }

    pub(super) fn set_speed(&self, speed: PlaybackSpeed) {
        self.player.set_speed(speed);
    }

    pub(super) async fn stop(self, view: &watch::Sender<VoicemailView>) {
        self.follower.abort();
        self.player.stop().await;
        view.send_modify(|view| view.playback = None);
    }
}
