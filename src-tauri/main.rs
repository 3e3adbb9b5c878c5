//! restphone, the desktop app: a thin Tauri shell over the phone engine.
//!
//! Architecture invariants:
//! - The window renders only the app's `status` and the engine's snapshots, and acts
//!   only through commands; it holds no state of its own.
//! - No engine call runs on the UI thread: every command is async.
#![forbid(unsafe_code)]

mod app;
mod audio;
mod commands;
mod embedded;
mod error;
#[cfg(test)]
mod ipc_types;
mod meter;
mod ringtone;
mod secrets;
mod settings;
mod sharing;
mod status;
mod window;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::Manager;

use crate::app::{App, Paths};

/// Where the app keeps its files: `RESTPHONE_DATA_DIR` (everything there, tests use
/// it), or the platform's data dir for this app.
fn paths(handle: &tauri::AppHandle) -> Result<Paths, Box<dyn std::error::Error>> {
    let paths = match std::env::var_os("RESTPHONE_DATA_DIR") {
        Some(dir) => Paths { dir: PathBuf::from(dir), portable: true },
        None => Paths { dir: handle.path().app_data_dir()?, portable: false },
    };
    std::fs::create_dir_all(&paths.dir)?;
    Ok(paths)
}

/// The port the embedded server asks for on its first run: `RESTPHONE_PORT` (0: any free one).
fn embedded_port() -> u16 {
    std::env::var("RESTPHONE_PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(settings::EMBEDDED_PORT)
}

fn main() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    // `RESTPHONE_LOG_FILE`: the log goes to that file (tests read it; a window launched
    // through WebDriver has no terminal).
    match std::env::var_os("RESTPHONE_LOG_FILE").map(|path| std::fs::OpenOptions::new().create(true).append(true).open(path)) {
        Some(Ok(file)) => tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(std::sync::Mutex::new(file)).init(),
        _ => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    tauri::Builder::default()
        .setup(|tauri_app| {
            let handle = tauri_app.handle().clone();
            let app = Arc::new(App::new(paths(&handle)?, embedded_port(), Arc::new(handle)));
            tauri_app.manage(app.clone());
            tauri::async_runtime::spawn(app.boot());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::status,
            commands::snapshot,
            commands::host_here,
            commands::use_server,
            commands::choose_server_again,
            commands::sign_up,
            commands::log_in,
            commands::log_out,
            commands::set_sharing,
            commands::audio_devices,
            commands::choose_audio_device,
            commands::set_ringtone,
            commands::play_test_sound,
            commands::input_level,
            commands::execute,
        ])
        .build(tauri::generate_context!())
        .expect("the app starts")
        .run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                tauri::async_runtime::block_on(handle.state::<Arc<App>>().shutdown());
            }
        });
}
