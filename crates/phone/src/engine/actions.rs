//! What the user's commands do.

use restphone_api::call::CallEvent;

use super::owner::Owner;
use crate::command::Command;
use crate::core::appearance::AppearanceState;
use crate::error::PhoneError;
use crate::outcome::{Outcome, VoiceMessageFate};

impl Owner {
    /// A call of mine in one of `states`: the one named, or the newest.
    fn pick(&self, named: Option<String>, states: &[AppearanceState], what: &str) -> Result<String, PhoneError> {
        let calls = self.book.snapshot();
        match named {
            Some(id) => calls.iter().find(|c| c.id == id).map(|c| c.id.clone()).ok_or(PhoneError::NoSuchCall(id)),
            None => calls
                .iter()
                .rev()
                .find(|c| states.contains(&c.state))
                .map(|c| c.id.clone())
                .ok_or_else(|| PhoneError::NotPossible(format!("there is no call to {what}"))),
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

    pub(super) async fn execute(&mut self, command: Command) -> Result<Outcome, PhoneError> {
        use AppearanceState::{Active, Alerting, Dialing, Held, Ringing};
        let device = self.me.device_id.clone();
        match command {
            Command::Dial { to } => {
                let created = self.client.dial(&to, None).await?;
                let taken = self.take(&created.id).await;
                if taken.is_err() {
                    self.follow(&created.id).await;
                }
                // The callee can end the call before this device has seen it live here (no
                // device of theirs, or a decline quicker than the take): no `CalleeMissed`
                // comes then, so the voice message is offered here.
                if self.ended_missed(&created.id) && self.voicemail.leaving_after(Some(&created.id)).is_none() {
                    tracing::info!("the call ended before this device saw it live");
                    self.offer_voicemail(created.id.clone(), to).await;
                    return Ok(Outcome::call(&created.id));
                }
                taken
            }
            Command::Answer { call } => {
                let call = self.pick(call, &[Ringing], "answer")?;
                self.answer(&call).await
            }
            Command::Decline { call } => {
                let call = self.pick(call, &[Ringing], "decline")?;
                self.report(&call, CallEvent::Declined).await
            }
            Command::Hangup { call } if self.voicemail.leaving_after(call.as_deref()).is_some() => {
                self.voicemail.stop_recording()?;
                Ok(Outcome::VoiceMessage { call, voicemail: VoiceMessageFate::Sent })
            }
            Command::Discard { call } => {
                let call = self
                    .voicemail
                    .leaving_after(call.as_deref())
                    .ok_or_else(|| PhoneError::NotPossible("no voice message is being left after that call".to_owned()))?;
                self.voicemail.cancel_recording()?;
                Ok(Outcome::VoiceMessage { call: Some(call), voicemail: VoiceMessageFate::Discarded })
            }
            Command::AutoVoicemail { enabled } => {
                self.config.auto_voicemail = enabled;
                Ok(Outcome::AutoVoicemail { auto_voicemail: enabled })
            }
            Command::Hangup { call } => {
                let call = self.pick(call, &[Active, Held, Dialing, Alerting], "hang up")?;
                self.client.end(&call, &device).await?;
                self.follow(&call).await;
                Ok(Outcome::call(&call))
            }
            Command::Hold { call } => self.report(&call, CallEvent::Hold).await,
            Command::Resume { call } => self.report(&call, CallEvent::Resume).await,
            Command::Mute { call } | Command::Unmute { call } if !self.book.set_muted(&call, matches!(command, Command::Mute { .. })) => {
                Err(PhoneError::NotPossible(format!("call {call} is not live on this device")))
            }
            Command::Mute { call } | Command::Unmute { call } => Ok(Outcome::call(&call)),
            Command::Pull { call } => self.take(&call).await,
            Command::Push { call, device } => {
                let target = self.other_device(&device)?;
                self.client.tap(&call, "push", &target).await?;
                Ok(Outcome::CallOnDevice { call, device: target })
            }
            Command::AnswerOn { call, device } => {
                let target = self.other_device(&device)?;
                self.client.tap(&call, "answer", &target).await?;
                Ok(Outcome::CallOnDevice { call, device: target })
            }
            Command::DialFrom { device, to } => {
                let from = self.other_device(&device)?;
                let created = self.client.dial(&to, Some(&from)).await?;
                Ok(Outcome::CallOnDevice { call: created.id, device: from })
            }
            Command::HangupRemote { call } => {
                self.client.end(&call, &device).await?;
                self.follow(&call).await;
                Ok(Outcome::call(&call))
            }
            Command::Message { to, text } => {
                let created = self.client.send_text(&to, &text).await?;
                Ok(Outcome::Message { message: created.url, heard: None })
            }
            Command::SetSession { call, session } => {
                self.client.take(&call, &device, Some(session)).await?;
                self.follow(&call).await;
                Ok(Outcome::call(&call))
            }
            Command::Invite { to, url } => {
                self.client.invite(&to, &serde_json::json!({ "command": "invite", "url": url })).await?;
                Ok(Outcome::Invited { invited: to })
            }
            Command::Search { text } => Ok(Outcome::People { people: self.client.search(&text).await? }),
            Command::RenameDevice { name } => {
                let name = name.trim().to_owned();
                self.client.rename_device(&device, &name, self.config.expires).await?;
                self.config.device_name.clone_from(&name);
                self.reload_devices().await?;
                Ok(Outcome::DeviceRenamed { device, name })
            }
            Command::SignOutDevice { device: named } => {
                let target = self.other_device(&named)?;
                self.client.unregister(&target).await?;
                self.reload_devices().await?;
                Ok(Outcome::SignedOut { signed_out: target })
            }
            Command::ChangePassword { current, new } => {
                self.client.change_password(&current, &new).await?;
                // The registration learns the new token now, so signing this device out
                // from another one still reaches it.
                self.client.refresh(&device, self.config.expires).await?;
                Ok(Outcome::PasswordChanged { password_changed: true })
            }
            Command::SetDisplayName { name } => {
                let name = name.trim().to_owned();
                self.client.set_display_name(&name).await?;
                self.display_name.clone_from(&name);
                Ok(Outcome::DisplayName { display_name: name })
            }
            Command::DoNotDisturb { enabled } => {
                self.do_not_disturb = enabled;
                Ok(Outcome::DoNotDisturb { do_not_disturb: enabled })
            }
            Command::SeeMissedCalls => {
                // Through the newest entry shown: a call missed meanwhile stays unseen.
                let through = self.history.entries.first().map(|entry| entry.id);
                self.client.see_missed_calls(through).await?;
                Ok(Outcome::MissedCallsSeen { seen_through: through })
            }
            command @ (Command::LeaveMessage { .. }
            | Command::RecordGreeting
            | Command::ClearGreeting
            | Command::StopRecording
            | Command::CancelRecording
            | Command::PlayMessage { .. }
            | Command::PauseMessage
            | Command::ResumeMessage
            | Command::SeekMessage { .. }
            | Command::SpeedMessage { .. }
            | Command::StopMessage
            | Command::MarkHeard { .. }
            | Command::DeleteMessage { .. }
            | Command::SaveMessage { .. }) => self.execute_voicemail(command).await,
        }
    }

    /// Whether the call ended without the callee taking it.
    fn ended_missed(&self, call_id: &str) -> bool {
        self.book.appearance(call_id).and_then(|call| call.ended).is_some_and(|ended| ended.callee_missed())
    }

    async fn report(&mut self, call_id: &str, event: CallEvent) -> Result<Outcome, PhoneError> {
        let call = self.client.report(call_id, event, &self.me.device_id).await?;
        let changes = self.book.apply_call(call);
        self.act_on(changes).await;
        Ok(Outcome::call(call_id))
    }
}
