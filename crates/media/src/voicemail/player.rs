//! Playing a voice message through the output device while it streams in: a task that
//! writes one 20 ms frame per tick, takes pause, resume, seek and speed at any time,
//! and reports where it is.

use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::FRAME;
use super::reader::MessageReader;
use super::source::RangeSource;
use super::tempo::{PlaybackSpeed, Tempo};
use crate::MediaError;
use crate::call::AudioDevices;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PlayerState {
    /// Reading the file's head and end.
    Loading,
    Playing,
    Paused,
    /// Played to the end; a seek plays again from there.
    Finished,
    /// The file cannot be read or decoded; `error` says why.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerStatus {
    pub state: PlayerState,
    pub speed: PlaybackSpeed,
    pub position_ms: u64,
    pub duration_ms: u64,
    pub error: Option<String>,
}

enum Control {
    Pause,
    Resume,
    Seek(Duration),
    Speed(PlaybackSpeed),
}

/// A message playing; dropping it stops the playback.
pub struct Player {
    controls: mpsc::UnboundedSender<Control>,
    status: watch::Receiver<PlayerStatus>,
    task: JoinHandle<()>,
}

impl Player {
    /// Starts playing `source` (an Ogg Opus file) through `devices`' output.
    pub fn start<S: RangeSource>(source: S, devices: AudioDevices) -> Self {
        let loading = PlayerStatus { state: PlayerState::Loading, speed: PlaybackSpeed::Normal, position_ms: 0, duration_ms: 0, error: None };
        let (status_sender, status) = watch::channel(loading);
        let (controls, received) = mpsc::unbounded_channel();
        let task = tokio::spawn(play(source, devices, received, status_sender));
        Self { controls, status, task }
    }

    pub fn status(&self) -> watch::Receiver<PlayerStatus> {
        self.status.clone()
    }

    pub fn pause(&self) {
        self.send(Control::Pause);
    }

    pub fn resume(&self) {
        self.send(Control::Resume);
    }

    /// Goes to `position` (the end at most), keeping the state: a paused player stays
    /// paused, a finished one plays again.
    pub fn seek(&self, position: Duration) {
        self.send(Control::Seek(position));
    }

    /// Plays on at `speed`, the pitch kept.
    pub fn set_speed(&self, speed: PlaybackSpeed) {
        self.send(Control::Speed(speed));
    }

    /// Stops playing; nothing more is written once this returns.
    pub async fn stop(mut self) {
        self.task.abort();
        // The task was aborted: the only outcome left is its cancellation.
        let _ = (&mut self.task).await;
    }

    fn send(&self, control: Control) {
        // The task ends only when it is aborted, and then the player is gone.
        let _ = self.controls.send(control);
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn ms(samples: u64) -> u64 {
    samples * 1000 / u64::from(crate::jitter::CLOCK_RATE)
}

async fn play<S: RangeSource>(source: S, devices: AudioDevices, mut controls: mpsc::UnboundedReceiver<Control>, status: watch::Sender<PlayerStatus>) {
    let fail = |error: MediaError| {
        status.send_modify(|status| {
            status.state = PlayerState::Failed;
            status.error = Some(error.to_string());
        });
    };
    // The speaker runs while the message plays.
    let _in_use = match devices.use_devices_async().await {
        Ok(in_use) => in_use,
        Err(error) => return fail(error),
    };
    let mut reader = match MessageReader::open(source).await {
        Ok(reader) => reader,
        Err(error) => return fail(error),
    };
    status.send_modify(|status| {
        status.state = PlayerState::Playing;
        status.duration_ms = ms(reader.duration());
    });
    let mut ticks = tokio::time::interval(FRAME.duration());
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut frame = vec![0; FRAME.samples()];
    let mut tempo = Tempo::new(FRAME.samples());
    // Where the listener is: the reader is ahead by what the tempo stage holds.
    let position = |reader: &MessageReader<S>, tempo: &Tempo| ms(reader.position().saturating_sub(tempo.lag()));
    let mut frames: u32 = 0;
    loop {
        let playing = status.borrow().state == PlayerState::Playing;
        tokio::select! {
            // A seek sent with the start is done before the first frame plays.
            biased;
            control = controls.recv() => {
                let Some(control) = control else { return };
                let state = status.borrow().state;
                let next = match (control, state) {
                    (Control::Pause, PlayerState::Playing) => PlayerState::Paused,
                    (Control::Resume, PlayerState::Paused) => PlayerState::Playing,
                    (Control::Seek(position), _) => {
                        let target = u64::try_from(position.as_millis()).unwrap_or(u64::MAX) * 48;
                        if let Err(error) = reader.seek(target).await {
                            fail(error);
                            continue;
                        }
                        tempo.reset();
                        ticks.reset_immediately();
                        if state == PlayerState::Paused { state } else { PlayerState::Playing }
                    }
                    (Control::Speed(speed), state) => {
                        tempo.set_speed(speed);
                        state
                    }
                    (_, state) => state,
                };
                status.send_modify(|status| {
                    status.state = next;
                    status.speed = tempo.speed();
                    status.position_ms = position(&reader, &tempo);
                    if next != PlayerState::Failed {
                        status.error = None;
                    }
                });
            }
            _ = ticks.tick(), if playing => {
                let written = match tempo.read(&mut reader, &mut frame).await {
                    Ok(0) => Ok(false),
                    Ok(_) => devices.write(&frame).map(|()| true),
                    Err(error) => Err(error),
                };
                match written {
                    Ok(true) => {
                        frames += 1;
                        if frames.is_multiple_of(super::REPORT_EVERY_FRAMES) {
                            status.send_modify(|status| status.position_ms = position(&reader, &tempo));
                        }
                    }
                    Ok(false) => status.send_modify(|status| {
                        status.state = PlayerState::Finished;
                        status.position_ms = status.duration_ms;
                    }),
                    Err(error) => fail(error),
                }
            }
        }
    }
}
