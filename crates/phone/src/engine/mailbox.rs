//! What the voicemail commands do, and the mailbox as the server has it.

use restphone_api::message::Message;

use super::owner::Owner;
use crate::command::Command;
use crate::core::appearance::{AppearanceState, Where};
use crate::error::PhoneError;
use crate::outcome::Outcome;

impl Owner {
    pub(super) async fn reload_mailbox(&mut self) {
        match self.client.messages().await {
            Ok(messages) => self.mailbox = messages,
            Err(error) => tracing::debug!(%error, "could not read the mailbox"),
        }
    }

    fn message(&self, id: &str) -> Result<&Message, PhoneError> {
        self.mailbox.iter().find(|m| m.id == id).ok_or_else(|| PhoneError::NotPossible(format!("there is no message {id} in your mailbox")))
    }

    /// Recording and playback use the devices a call here is using: they wait for it to end.
    fn devices_free(&self) -> Result<(), PhoneError> {
        let busy = self.book.snapshot().iter().any(|call| call.where_ == Where::Here && call.state != AppearanceState::Ended);
        if busy { Err(PhoneError::NotPossible("a call is live on this device".to_owned())) } else { Ok(()) }
    }

    pub(super) async fn execute_voicemail(&mut self, command: Command) -> Result<Outcome, PhoneError> {
        let done = Outcome::Done {};
        match command {
            Command::LeaveMessage { to, prompt } => {
                self.devices_free()?;
                self.voicemail.leave(to.clone(), prompt, None).await?;
                Ok(Outcome::Recording { recording_for: Some(to) })
            }
            Command::RecordGreeting => {
                self.devices_free()?;
                self.voicemail.record_greeting().await?;
                Ok(Outcome::Recording { recording_for: None })
            }
            Command::ClearGreeting => self.client.delete_greeting().await.map(|()| done),
            Command::StopRecording => self.voicemail.stop_recording().map(|()| done),
            Command::CancelRecording => self.voicemail.cancel_recording().map(|()| done),
            Command::PlayMessage { id } => {
                self.devices_free()?;
                let message = self.message(&id)?.clone();
                self.voicemail.play(&message).await?;
                if !message.heard {
                    self.mark_heard(&id, true).await?;
                }
                Ok(Outcome::Playing { playing: id })
            }
            Command::PauseMessage => self.voicemail.pause().map(|()| done),
            Command::ResumeMessage => self.voicemail.resume().map(|()| done),
            Command::SeekMessage { position_ms } => self.voicemail.seek(position_ms).map(|()| done),
            Command::SpeedMessage { speed } => self.voicemail.set_speed(speed).map(|()| done),
            Command::StopMessage => {
                self.voicemail.stop_playback().await;
                Ok(done)
            }
            Command::MarkHeard { id, heard } => self.mark_heard(&id, heard).await.map(|()| Outcome::Message { message: id, heard: Some(heard) }),
            Command::DeleteMessage { id } => {
                self.voicemail.forget(&id).await;
                self.client.delete_message(&id).await?;
                self.mailbox.retain(|m| m.id != id);
                Ok(Outcome::Deleted { deleted: id })
            }
            Command::SaveMessage { id, file } => {
                let ogg = self.client.message_audio(&id).await?;
                tokio::fs::write(&file, &ogg).await.map_err(|e| PhoneError::NotPossible(format!("cannot write {}: {e}", file.display())))?;
                Ok(Outcome::Saved { saved: file, bytes: ogg.len() })
            }
            other => Err(PhoneError::NotPossible(format!("{other:?} is not a voicemail command"))),
        }
    }

    /// Marks a message heard or not; the other devices hear of it from the server.
    async fn mark_heard(&mut self, id: &str, heard: bool) -> Result<(), PhoneError> {
        self.client.mark_heard(id, heard).await?;
        self.mailbox.iter_mut().filter(|m| m.id == id).for_each(|m| m.heard = heard);
        Ok(())
    }
}
