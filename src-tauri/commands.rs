//! The Tauri commands: each forwards to the app (`App`), off the UI thread (async).
//! Errors reach the window as `{code, message}`.

use std::sync::Arc;

use restphone_phone::{Command, Snapshot};

use crate::app::App;
use crate::error::AppError;
use crate::status::Status;

type State<'a> = tauri::State<'a, Arc<App>>;

#[tauri::command]
pub async fn status(app: State<'_>) -> Result<Status, AppError> {
    Ok(app.status())
}

/// The engine's latest snapshot, for a window that (re)loads; `null` before sign-in.
#[tauri::command]
pub async fn snapshot(app: State<'_>) -> Result<Option<Snapshot>, AppError> {
    Ok(app.snapshot().await)
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

/// Any phone command: `{command: "dial", to}`, `{command: "pull", call}`, ...
#[tauri::command]
pub async fn execute(app: State<'_>, command: Command) -> Result<serde_json::Value, AppError> {
    app.execute(command).await
}
