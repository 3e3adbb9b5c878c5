//! restphone, the desktop app: a thin Tauri shell over the phone engine.
//!
//! Architecture invariants:
//! - The window renders only the app's `status` and the engine's snapshots, and acts
//!   only through commands; it holds no state of its own.
//! - No engine call runs on the UI thread: every command is async.
// One exception, in `main`: an environment variable set before any thread starts.
#![deny(unsafe_code)]

mod app;
mod attention;
mod audio;
mod commands;
mod diagnostics;
mod embedded;
mod error;
#[cfg(test)]
mod ipc_types;
mod links;
mod logging;
mod meter;
mod notifications;
mod ringtone;
mod secrets;
mod settings;
mod sharing;
mod status;
mod tray;
mod window;

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use tauri::Manager;
use tauri_plugin_window_state::StateFlags;

use crate::app::{App, Paths};
use crate::logging::Logs;

/// The argument the login autostart entry passes: start hidden in the tray.
const HIDDEN: &str = "--hidden";

/// When this process started: the app benchmark reads how long the window took.
pub static LAUNCHED: LazyLock<Instant> = LazyLock::new(Instant::now);

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

/// Window size and position, remembered across runs (in the data dir when it is given).
fn window_state() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let builder = tauri_plugin_window_state::Builder::default().with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED);
    match std::env::var_os("RESTPHONE_DATA_DIR") {
        // An absolute file name replaces the plugin's config dir.
        Some(dir) => builder.with_filename(PathBuf::from(dir).join("window-state.json").to_string_lossy()).build(),
        None => builder.build(),
    }
}

fn main() {
    LazyLock::force(&LAUNCHED);
    // WebKitGTK's compositing mode renders through OpenGL: on a desktop without a GPU (and
    // under Xvfb) that is software GL, which costs its web process about 80 MB for a UI
    // of forms and lists. The user's own setting wins.
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // SAFETY: no other thread exists yet, so nothing reads the environment meanwhile.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        };
    }
    tauri::Builder::default()
        // First: a second launch hands its arguments (a link) to this one and exits.
        .plugin(tauri_plugin_single_instance::init(|handle, _arguments, _cwd| window::show_main(handle)))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(window_state())
        .plugin(tauri_plugin_autostart::Builder::new().arg(HIDDEN).build())
        .setup(|tauri_app| {
            let handle = tauri_app.handle().clone();
            tauri_app.manage(Logs::start(handle.path().app_log_dir()?));
            let app = Arc::new(App::new(paths(&handle)?, embedded_port(), Arc::new(handle.clone())));
            tauri_app.manage(app.clone());
            links::follow(&handle, app.clone());
            tauri_app.manage(tray::Tray::install(&handle)?);
            tauri_app.manage(notifications::Notifier::start(handle.clone(), app.clone()));
            if std::env::args().any(|argument| argument == HIDDEN) {
                window::hide_main(&handle);
            }
            tauri::async_runtime::spawn(app.boot());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::status,
            commands::snapshot,
            commands::take_link,
            commands::set_habits,
            commands::diagnostics,
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
        .run(|handle, event| match event {
            // Unless the user chose otherwise, closing the window keeps the app running
            // (in the tray, or minimized without one), so calls still ring.
            tauri::RunEvent::WindowEvent { event: tauri::WindowEvent::CloseRequested { api, .. }, .. }
                if !handle.state::<Arc<App>>().habits().quit_on_close =>
            {
                api.prevent_close();
                window::close_main(handle);
            }
            tauri::RunEvent::Exit => tauri::async_runtime::block_on(handle.state::<Arc<App>>().shutdown()),
            _ => {}
        });
}
