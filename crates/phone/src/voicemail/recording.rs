//! One recording: the prompt, the recording itself and its upload, as a task that
//! reports its stage through the voicemail view.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use restphone_media::call::AudioDevices;
use restphone_media::voicemail::{play_prompt, record_live};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::view::{RecordingStage, RecordingView, VoicemailView};
use crate::client::ServerClient;
use crate::error::PhoneError;

/// The longest voice message: it stops itself here.
pub const MESSAGE_LIMIT: Duration = Duration::from_secs(3 * 60);
/// The longest greeting (the server refuses longer ones).
pub const GREETING_LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub(super) enum Destination {
    /// A message for `to`, after unanswered `call` if any; `prompt` plays their
    /// greeting and a beep first.
    Mailbox { to: String, prompt: bool, call: Option<String> },
    /// My own greeting.
    Greeting,
}

impl Destination {
    fn limit(&self) -> Duration {
        match self {
            Self::Mailbox { .. } => MESSAGE_LIMIT,
            Self::Greeting => GREETING_LIMIT,
        }
    }
}

pub(super) struct Recording {
    stop: watch::Sender<bool>,
    /// Set before `stop` when what was recorded is to be dropped, so the task, which
    /// may be finishing its recording on another thread, sends nothing.
    discarded: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

/// Moves the recording to `stage`; a recording that is over stays as it ended.
fn set_stage(view: &watch::Sender<VoicemailView>, stage: RecordingStage, error: Option<String>) {
    view.send_if_modified(|view| match &mut view.recording {
        Some(recording) if !recording.stage.is_over() => {
            recording.stage = stage;
            recording.error = error;
            true
        }
        _ => false,
    });
}

impl Recording {
    pub(super) fn start(client: ServerClient, devices: AudioDevices, destination: Destination, view: watch::Sender<VoicemailView>) -> Self {
        let first_stage = match destination {
            Destination::Mailbox { prompt: true, .. } => RecordingStage::Prompt,
            _ => RecordingStage::Recording,
        };
        let (to, call) = match &destination {
            Destination::Mailbox { to, call, .. } => (Some(to.clone()), call.clone()),
            Destination::Greeting => (None, None),
        };
        let limit_ms = u64::try_from(destination.limit().as_millis()).unwrap_or(u64::MAX);
        view.send_modify(|view| view.recording = Some(RecordingView { to, call, stage: first_stage, recorded_ms: 0, limit_ms, error: None }));
        let (stop, stopped) = watch::channel(false);
        let discarded = Arc::new(AtomicBool::new(false));
        let task_discarded = Arc::clone(&discarded);
        let task = tokio::spawn(async move {
            let (stage, error) = match run(&client, devices, &destination, stopped, &task_discarded, &view).await {
                Ok(stage) => (stage, None),
                Err(error) => (RecordingStage::Failed, Some(error.to_string())),
            };
            set_stage(&view, stage, error);
        });
        Self { stop, discarded, task }
    }

    pub(super) fn is_over(&self, view: &watch::Sender<VoicemailView>) -> bool {
        self.task.is_finished() || view.borrow().recording.as_ref().is_none_or(|r| r.stage.is_over())
    }

    pub(super) fn stop(&self) {
        self.stop.send_replace(true);
    }

    pub(super) fn cancel(self, view: &watch::Sender<VoicemailView>) {
        self.discarded.store(true, Ordering::SeqCst);
        self.stop.send_replace(true);
        self.task.abort();
        set_stage(view, RecordingStage::Cancelled, None);
    }
}

/// Prompt, record, upload; returns the stage it ended in.
async fn run(
    client: &ServerClient,
    devices: AudioDevices,
    destination: &Destination,
    stopped: watch::Receiver<bool>,
    discarded: &AtomicBool,
    view: &watch::Sender<VoicemailView>,
) -> Result<RecordingStage, PhoneError> {
    let media_error = |error: restphone_media::MediaError| PhoneError::NotPossible(error.to_string());
    // Held from the prompt through the recording, so the devices are not closed and
    // reopened between the beep and the first recorded frame.
    let _in_use = devices.use_devices_async().await.map_err(media_error)?;
    if let Destination::Mailbox { to, prompt: true, .. } = destination {
        // Without their own greeting (or when it cannot be read), callers hear the default one.
        let greeting = client.greeting(to).await.unwrap_or_else(|error| {
            tracing::info!(%error, "the callee's greeting cannot be read; playing the default");
            None
        });
        play_prompt(devices.clone(), greeting, stopped.clone()).await.map_err(media_error)?;
        if *stopped.borrow() {
            // Hanging up during the greeting leaves no message, as on any voicemail system.
            return Ok(RecordingStage::Cancelled);
        }
        set_stage(view, RecordingStage::Recording, None);
    }
    let progress = |recorded: Duration| {
        let recorded_ms = u64::try_from(recorded.as_millis()).unwrap_or(u64::MAX);
        view.send_modify(|view| view.recording.iter_mut().for_each(|r| r.recorded_ms = recorded_ms));
    };
    let ogg = record_live(devices, destination.limit(), stopped, progress).await.map_err(media_error)?;
    if discarded.load(Ordering::SeqCst) {
        return Ok(RecordingStage::Cancelled);
    }
    set_stage(view, RecordingStage::Sending, None);
    match destination {
        Destination::Mailbox { to, .. } => client.leave_voice_message(to, ogg).await.map(drop)?,
        Destination::Greeting => client.set_greeting(ogg).await.map(drop)?,
    }
    Ok(RecordingStage::Sent)
}
