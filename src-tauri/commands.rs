//! The Tauri commands: each forwards to the app (`App`), off the UI thread (async).
//! Errors reach the window as `{code, message}`.

use std::sync::Arc;

use restphone_phone::{Command, Outcome, Snapshot};

use restphone_media::system_audio::Direction;
use tauri_plugin_autostart::ManagerExt;

use crate::app::App;
use crate::audio::AudioChoices;
use crate::error::{AppError, ErrorCode};
use crate::logging::Logs;
use crate::ringtone::RingtoneSettings;
use crate::settings::Habits;
use crate::status::Status;

type State<'a> = tauri::State<'a, Arc<App>>;

#[tauri::command]
pub async fn status(app: State<'_>) -> Result<Status, AppError> {
    // The window asks first thing once its page runs: from here on it is usable.
    static FIRST: std::sync::Once = std::sync::Once::new();
    FIRST.call_once(|| tracing::info!(since_launch_ms = crate::LAUNCHED.elapsed().as_millis() as u64, "the window is up"));
    Ok(app.status())
}

/// The engine's latest snapshot, for a window that (re)loads; `null` before sign-in.
#[tauri::command]
pub async fn snapshot(app: State<'_>) -> Result<Option<Snapshot>, AppError> {
    Ok(app.snapshot().await)
}

/// Quit on close, and start at login (an XDG autostart entry, added or removed here).
#[tauri::command]
pub async fn set_habits(handle: tauri::AppHandle, app: State<'_>, habits: Habits) -> Result<Status, AppError> {
    let autostart = handle.autolaunch();
    let applied = if habits.start_at_login { autostart.enable() } else { autostart.disable() };
    applied.map_err(|error| AppError::new(ErrorCode::NotPossible, format!("cannot change starting at login: {error}")))?;
    app.set_habits(habits)
}

/// What to attach to a bug report: versions, the app's state, and the log's tail.
#[tauri::command]
pub async fn diagnostics(app: State<'_>, logs: tauri::State<'_, Logs>) -> Result<String, AppError> {
    Ok(crate::diagnostics::report(&app.status(), &logs))
}

/// The window has shown the link the app was opened with.
#[tauri::command]
pub async fn take_link(app: State<'_>) -> Result<Status, AppError> {
    Ok(app.take_link())
}

#[tauri::command]
pub async fn host_here(app: State<'_>) -> Result<Status, AppError> {
    app.host_here().await
}

#[tauri::command]
pub async fn use_server(app: State<'_>, url: String) -> Result<Status, AppError> {
    app.use_server(&url).await
}

#[tauri::command]
pub async fn choose_server_again(app: State<'_>) -> Result<Status, AppError> {
    app.choose_server_again().await
}

/// "Let my other devices connect": share the hosted server on the LAN, or stop.
#[tauri::command]
pub async fn set_sharing(app: State<'_>, enabled: bool) -> Result<Status, AppError> {
    app.set_sharing(enabled).await
}

#[tauri::command]
pub async fn sign_up(app: State<'_>, email: String, password: String, display_name: String, device_name: String) -> Result<Status, AppError> {
    app.sign_up(&email, &password, &display_name, &device_name).await
}

#[tauri::command]
pub async fn log_in(app: State<'_>, email: String, password: String, device_name: String) -> Result<Status, AppError> {
    app.log_in(&email, &password, &device_name).await
}

#[tauri::command]
pub async fn log_out(app: State<'_>) -> Result<Status, AppError> {
    app.log_out().await
}

/// The microphones and speakers there are, and the ones chosen.
#[tauri::command]
pub async fn audio_devices(app: State<'_>) -> Result<AudioChoices, AppError> {
    app.audio_choices().await
}

/// Uses another microphone or speaker (`name` null: the default), also in a live call.
#[tauri::command]
pub async fn choose_audio_device(app: State<'_>, direction: Direction, name: Option<String>) -> Result<AudioChoices, AppError> {
    app.choose_audio_device(direction, name).await
}

/// How the ringtone rings: on or off, how loud (0 to 100), on which output.
#[tauri::command]
pub async fn set_ringtone(app: State<'_>, ringtone: RingtoneSettings) -> Result<AudioChoices, AppError> {
    app.set_ringtone(ringtone).await
}

/// A second of tone through the speaker chosen.
#[tauri::command]
pub async fn play_test_sound(app: State<'_>) -> Result<(), AppError> {
    app.play_test_sound().await
}

/// The chosen microphone's level over the last 100 ms, in dBFS (-96 for silence); the
/// microphone stays open while the window keeps asking.
#[tauri::command]
pub async fn input_level(app: State<'_>) -> Result<f32, AppError> {
    app.input_level().await
}

/// Any phone command: `{command: "dial", to}`, `{command: "pull", call}`, ...
#[tauri::command]
pub async fn execute(app: State<'_>, command: Command) -> Result<Outcome, AppError> {
    app.execute(command).await
}
