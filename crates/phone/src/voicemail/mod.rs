//! Voicemail on this device: recording a message (after the callee's greeting and a
//! beep) or my greeting and uploading it, and playing messages of my mailbox from the
//! server. Each runs as its own task, so the owner task never waits on audio; both
//! report through one `watch` of [`VoicemailView`].

mod playback;
mod ranges;
mod recording;
mod view;

use restphone_api::message::Message;
use restphone_media::call::AudioDevices;
use restphone_media::voicemail::PlaybackSpeed;
use tokio::sync::watch;

use self::playback::Playback;
pub use self::ranges::HttpRanges;
use self::recording::{Destination, Recording};
pub use self::recording::{GREETING_LIMIT, MESSAGE_LIMIT};
pub use self::view::{PlaybackView, RecordingStage, RecordingView, VoicemailView};
use crate::client::ServerClient;
use crate::error::PhoneError;

pub(crate) struct Voicemail {
    client: ServerClient,
    devices: Option<AudioDevices>,
    view: watch::Sender<VoicemailView>,
    recording: Option<Recording>,
    playback: Option<Playback>,
}

impl Voicemail {
    pub(crate) fn new(client: ServerClient, devices: Option<AudioDevices>) -> (Self, watch::Receiver<VoicemailView>) {
        let (view, changes) = watch::channel(VoicemailView::default());
        (Self { client, devices, view, recording: None, playback: None }, changes)
    }

    fn devices(&self) -> Result<AudioDevices, PhoneError> {
        self.devices.clone().ok_or_else(|| PhoneError::NotPossible("this phone has no audio devices".to_owned()))
    }

    /// Records a voice message for `to` (after their greeting and a beep when
    /// `prompt`), following unanswered `call` if any, and sends it when the caller
    /// stops, the input ends or the limit is reached.
    pub(crate) async fn leave(&mut self, to: String, prompt: bool, call: Option<String>) -> Result<(), PhoneError> {
        self.record(Destination::Mailbox { to, prompt, call }).await
    }

    /// Whether a message is being left after `call` (any call when `None`); which call.
    pub(crate) fn leaving_after(&self, call: Option<&str>) -> Option<String> {
        let view = self.view.borrow();
        let recording = view.recording.as_ref().filter(|r| !r.stage.is_over())?;
        recording.call.clone().filter(|id| call.is_none_or(|call| call == id))
    }

    /// Records my greeting (after a beep) and stores it on the server.
    pub(crate) async fn record_greeting(&mut self) -> Result<(), PhoneError> {
        self.record(Destination::Greeting).await
    }

    async fn record(&mut self, destination: Destination) -> Result<(), PhoneError> {
        if self.recording.as_ref().is_some_and(|r| !r.is_over(&self.view)) {
            return Err(PhoneError::NotPossible("a message is being recorded already".to_owned()));
        }
        let devices = self.devices()?;
        self.stop_playback().await;
        self.recording = Some(Recording::start(self.client.clone(), devices, destination, self.view.clone()));
        Ok(())
    }

    /// Ends the recording and sends what was recorded.
    pub(crate) fn stop_recording(&mut self) -> Result<(), PhoneError> {
        match &self.recording {
            Some(recording) if !recording.is_over(&self.view) => {
                recording.stop();
                Ok(())
            }
            _ => Err(PhoneError::NotPossible("nothing is being recorded".to_owned())),
        }
    }

    /// Ends the recording and sends nothing.
    pub(crate) fn cancel_recording(&mut self) -> Result<(), PhoneError> {
        match self.recording.take() {
            Some(recording) if !recording.is_over(&self.view) => {
                recording.cancel(&self.view);
                Ok(())
            }
            _ => Err(PhoneError::NotPossible("nothing is being recorded".to_owned())),
        }
    }

    /// Plays voice message `message` of my mailbox, from the start.
    pub(crate) async fn play(&mut self, message: &Message) -> Result<(), PhoneError> {
        let devices = self.devices()?;
        if self.recording.as_ref().is_some_and(|r| !r.is_over(&self.view)) {
            return Err(PhoneError::NotPossible("a message is being recorded".to_owned()));
        }
        self.stop_playback().await;
        self.playback = Some(Playback::start(self.client.clone(), devices, message, self.view.clone())?);
        Ok(())
    }

    fn playing(&self) -> Result<&Playback, PhoneError> {
        self.playback.as_ref().ok_or_else(|| PhoneError::NotPossible("no message is playing".to_owned()))
    }

    pub(crate) fn pause(&self) -> Result<(), PhoneError> {
        self.playing().map(Playback::pause)
    }

    pub(crate) fn resume(&self) -> Result<(), PhoneError> {
        self.playing().map(Playback::resume)
    }

    pub(crate) fn seek(&self, position_ms: u64) -> Result<(), PhoneError> {
        self.playing().map(|playback| playback.seek(position_ms))
    }

    pub(crate) fn set_speed(&self, speed: PlaybackSpeed) -> Result<(), PhoneError> {
        self.playing().map(|playback| playback.set_speed(speed))
    }

    pub(crate) async fn stop_playback(&mut self) {
        if let Some(playback) = self.playback.take() {
            playback.stop(&self.view).await;
        }
    }

    /// Stops playing `message_id` if it is playing (it was deleted).
    pub(crate) async fn forget(&mut self, message_id: &str) {
        if self.playback.as_ref().is_some_and(|p| p.message() == message_id) {
            self.stop_playback().await;
        }
    }

    /// A call's audio takes the devices: playback stops, and a recording ends and is
    /// sent as far as it got.
    pub(crate) async fn make_way_for_a_call(&mut self) {
        self.stop_playback().await;
        if let Some(recording) = &self.recording {
            recording.stop();
        }
    }
}
