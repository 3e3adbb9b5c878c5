//! The call state machine: how takes, reports, hang-ups and timers change a call.
//!
//! Each method checks that the transition is legal for the acting user and device and
//! either changes the call (returning `Ok(true)`), leaves it as it is because the
//! request was already satisfied (`Ok(false)`, so retries are harmless), or refuses
//! with a `CallError` that says why.

use restphone_api::call::{CallEvent, CallState, EndReason, ParticipantState, Role};
use restphone_api::event::{Command, CommandKind};
use restphone_api::path;

/// A registered device, as the call remembers its handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRef {
    pub id: String,
    pub name: String,
}

/// The user acting on a call, and the device they act from when they named one.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub email: String,
    pub device: Option<DeviceRef>,
}

impl Actor {
    /// Who to name as having ended the call: the device when known, else the user.
    fn url(&self) -> String {
        match &self.device {
            Some(device) => path::login(&self.email, &device.id),
            None => path::user(&self.email),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRecord {
    pub id: String,
    pub party: Party,
    pub role: Role,
    pub state: ParticipantState,
    pub handler: Option<DeviceRef>,
    pub session: Option<String>,
    /// The name of the device that had this leg last; kept after it leaves, for history.
    pub handled_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndingRecord {
    pub reason: EndReason,
    pub by: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub id: String,
    pub subject: Option<String>,
    pub state: CallState,
    /// Raised by the store with every saved change.
    pub revision: i64,
    pub created_at: i64,
    pub answered_at: Option<i64>,
    /// When a call still ringing becomes `noanswer`.
    pub ring_deadline: i64,
    pub ended: Option<EndingRecord>,
    pub participants: Vec<ParticipantRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("you are not a participant of this call")]
    NotParticipant,
    #[error("the call has ended")]
    Ended,
    #[error("you have left this call")]
    Left,
    #[error("the call was already answered on {0}")]
    AnsweredElsewhere(String),
    #[error("the call is still ringing: answer it first")]
    StillRinging,
    #[error("the call is no longer ringing")]
    NotRinging,
    #[error("the call is not answered yet")]
    NotLive,
    #[error("only the callee can {0}")]
    CalleeOnly(&'static str),
    #[error("the call is already on that device")]
    SameDevice,
    #[error("the call is not on one of your devices: take it first")]
    NotHandled,
}

impl CallRecord {
    /// A new call from `caller`, ringing `callee`'s devices until `ring_deadline`.
    /// A callee with no registered device ends the call at once as `unavailable`.
    pub fn new(id: String, subject: Option<String>, caller: Party, callee: Option<(Party, bool)>, now: i64, ring_deadline: i64) -> Self {
        let mut participants = vec![ParticipantRecord {
            id: super::ids::new_id(),
            party: caller,
            role: Role::Caller,
            state: ParticipantState::Dialing,
            handler: None,
            session: None,
            handled_by: None,
        }];
        let mut unreachable = false;
        if let Some((party, reachable)) = callee {
            unreachable = !reachable;
            participants.push(ParticipantRecord {
                id: super::ids::new_id(),
                party,
                role: Role::Callee,
                state: ParticipantState::Ringing,
                handler: None,
                session: None,
                handled_by: None,
            });
        }
        let mut call =
            Self { id, subject, state: CallState::Proceeding, revision: 1, created_at: now, answered_at: None, ring_deadline, ended: None, participants };
        if unreachable {
            call.finish(EndReason::Unavailable, None, now);
        }
        call
    }

    pub fn participant_of(&self, user_id: i64) -> Option<&ParticipantRecord> {
        self.participants.iter().find(|p| p.party.user_id == user_id)
    }

    /// The users to tell about a change: every participant, once each.
    pub fn audience(&self) -> Vec<i64> {
        let mut users: Vec<i64> = self.participants.iter().map(|p| p.party.user_id).collect();
        users.sort_unstable();
        users.dedup();
        users
    }

    fn acting(&mut self, user_id: i64) -> Result<&mut ParticipantRecord, CallError> {
        if self.ended.is_some() {
            return Err(if self.participant_of(user_id).is_some() { CallError::Ended } else { CallError::NotParticipant });
        }
        let participant = self.participants.iter_mut().find(|p| p.party.user_id == user_id).ok_or(CallError::NotParticipant)?;
        if participant.state == ParticipantState::Left {
            return Err(CallError::Left);
        }
        Ok(participant)
    }

    /// `POST /call/{id}`: put my leg on `device` with `session`. A different device
    /// than the current handler is a pull; the same device only updates the session.
    pub fn take(&mut self, actor: &Actor, device: DeviceRef, session: Option<String>) -> Result<bool, CallError> {
        let ringing = self.state.is_ringing();
        let participant = self.acting(actor.user_id)?;
        if participant.role == Role::Callee && ringing {
            return Err(CallError::StillRinging);
        }
        if participant.handler.as_ref() == Some(&device) && participant.session == session {
            return Ok(false);
        }
        participant.handled_by = Some(device.name.clone());
        participant.handler = Some(device);
        participant.session = session;
        Ok(true)
    }

    /// `POST /call/{id}/events`, reported by `actor.device`.
    pub fn report(&mut self, actor: &Actor, event: CallEvent, now: i64) -> Result<bool, CallError> {
        let state = self.state;
        let by = actor.url();
        let device = actor.device.clone();
        let participant = self.acting(actor.user_id)?;
        let is_callee = participant.role == Role::Callee;
        match event {
            CallEvent::Proceeding => Ok(false),
            CallEvent::Alerting => {
                let changed = is_callee && state == CallState::Proceeding;
                if changed {
                    self.state = CallState::Alerting;
                }
                Ok(changed)
            }
            CallEvent::Answered => {
                if !is_callee {
                    return Err(CallError::CalleeOnly("answer"));
                }
                if !state.is_ringing() {
                    return match (&participant.handler, &device) {
                        (Some(handler), Some(device)) if handler == device => Ok(false),
                        (Some(handler), _) => Err(CallError::AnsweredElsewhere(handler.name.clone())),
                        (None, _) => Err(CallError::NotRinging),
                    };
                }
                participant.handled_by = device.as_ref().map(|d| d.name.clone());
                participant.handler = device;
                participant.state = ParticipantState::Connected;
                for other in &mut self.participants {
                    if other.state == ParticipantState::Dialing {
                        other.state = ParticipantState::Connected;
                    }
                }
                self.state = CallState::Answered;
                self.answered_at = Some(now);
                Ok(true)
            }
            CallEvent::Declined | CallEvent::Noanswer => {
                if !is_callee {
                    return Err(CallError::CalleeOnly(if event == CallEvent::Declined { "decline" } else { "report no answer" }));
                }
                if !state.is_ringing() {
                    return Err(CallError::NotRinging);
                }
                let reason = if event == CallEvent::Declined { EndReason::Declined } else { EndReason::Noanswer };
                self.finish(reason, Some(by), now);
                Ok(true)
            }
            CallEvent::Failed => {
                self.finish(EndReason::Failed, Some(by), now);
                Ok(true)
            }
            CallEvent::End => self.leave(actor, now),
            CallEvent::Hold | CallEvent::Resume => {
                if !state.is_live() {
                    return Err(CallError::NotLive);
                }
                let wanted = if event == CallEvent::Hold { ParticipantState::Held } else { ParticipantState::Connected };
                if participant.state == wanted {
                    return Ok(false);
                }
                participant.state = wanted;
                let anyone_held = self.participants.iter().any(|p| p.state == ParticipantState::Held);
                self.state = if anyone_held { CallState::Held } else { CallState::Answered };
                Ok(true)
            }
        }
    }

    /// `DELETE /call/{id}/{pid}` or the `end` report: my side leaves. Leaving a ringing
    /// call cancels (caller) or declines (callee) it; a live call ends when fewer than
    /// two participants remain.
    pub fn leave(&mut self, actor: &Actor, now: i64) -> Result<bool, CallError> {
        let ringing = self.state.is_ringing();
        let participant = self.acting(actor.user_id)?;
        if ringing {
            let reason = if participant.role == Role::Caller { EndReason::Cancelled } else { EndReason::Declined };
            self.finish(reason, Some(actor.url()), now);
            return Ok(true);
        }
        participant.state = ParticipantState::Left;
        participant.handler = None;
        participant.session = None;
        let remaining = self.participants.iter().filter(|p| p.state != ParticipantState::Left).count();
        if remaining < 2 {
            self.finish(EndReason::Hangup, Some(actor.url()), now);
        }
        Ok(true)
    }

    /// `DELETE /call/{id}`: end the call for everyone (also from a device that is not
    /// the handler: third-party hang-up).
    pub fn end(&mut self, actor: &Actor, now: i64) -> Result<bool, CallError> {
        let ringing = self.state.is_ringing();
        let role = self.acting(actor.user_id)?.role;
        let reason = match (ringing, role) {
            (true, Role::Caller) => EndReason::Cancelled,
            (true, Role::Callee) => EndReason::Declined,
            (false, _) => EndReason::Hangup,
        };
        self.finish(reason, Some(actor.url()), now);
        Ok(true)
    }

    /// The ring timer: a call still ringing at its deadline becomes `noanswer`.
    pub fn ring_timeout(&mut self, now: i64) -> bool {
        let due = self.state.is_ringing() && now >= self.ring_deadline;
        if due {
            self.finish(EndReason::Noanswer, None, now);
        }
        due
    }

    /// `POST /call/{id}/push`: the `take` command for another of my devices.
    pub fn push(&self, actor: &Actor, target: &DeviceRef) -> Result<Command, CallError> {
        let participant = self.checked(actor)?;
        if !self.state.is_live() {
            return Err(if self.state.is_ringing() { CallError::StillRinging } else { CallError::NotLive });
        }
        if participant.handler.as_ref() == Some(target) {
            return Err(CallError::SameDevice);
        }
        Ok(self.command(CommandKind::Take, actor))
    }

    /// `POST /call/{id}/answer`: the `answer` command for another of my devices.
    pub fn answer_on(&self, actor: &Actor) -> Result<Command, CallError> {
        let participant = self.checked(actor)?;
        if participant.role != Role::Callee {
            return Err(CallError::CalleeOnly("answer"));
        }
        if !self.state.is_ringing() {
            return Err(CallError::NotRinging);
        }
        Ok(self.command(CommandKind::Answer, actor))
    }

    fn checked(&self, actor: &Actor) -> Result<&ParticipantRecord, CallError> {
        let participant = self.participant_of(actor.user_id).ok_or(CallError::NotParticipant)?;
        if self.ended.is_some() {
            return Err(CallError::Ended);
        }
        if participant.state == ParticipantState::Left {
            return Err(CallError::Left);
        }
        Ok(participant)
    }

    pub fn command(&self, command: CommandKind, actor: &Actor) -> Command {
        let to = self.participants.iter().find(|p| p.role == Role::Callee).map(|p| p.party.email.clone());
        Command { command, call: path::call(&self.id), from: actor.device.as_ref().map(|d| path::login(&actor.email, &d.id)), to }
    }

    fn finish(&mut self, reason: EndReason, by: Option<String>, now: i64) {
        self.state = CallState::Ended;
        self.ended = Some(EndingRecord { reason, by, at: now });
        for participant in &mut self.participants {
            participant.state = ParticipantState::Left;
            participant.handler = None;
            participant.session = None;
        }
    }
}

#[cfg(test)]
mod tests;
