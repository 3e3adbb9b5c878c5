//! Where the app's news goes: to the window as Tauri events (`status`, `snapshot`,
//! `notice`), or to a recorder in tests, so nothing here needs a window to be tested.

use std::sync::Arc;

use restphone_phone::{Notice, Snapshot};
use tauri::{Emitter, Manager};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::notifications::Notifier;
use crate::status::{Phase, Status};
use crate::tray::Tray;

pub trait Window: Send + Sync + 'static {
    fn status(&self, status: &Status);
    fn snapshot(&self, snapshot: &Snapshot);
    /// An invitation or a message arrived: shown once, as a toast.
    fn notice(&self, notice: &Notice);
}

/// The tray and the notifications follow the phone as the window does.
fn desktop(handle: &tauri::AppHandle, snapshot: Option<&Snapshot>) {
    if let Some(tray) = handle.try_state::<Tray>() {
        tray.snapshot(snapshot);
    }
    if let Some(notifier) = handle.try_state::<Notifier>() {
        notifier.snapshot(snapshot);
    }
}

impl Window for tauri::AppHandle {
    fn status(&self, status: &Status) {
        if let Err(error) = self.emit("status", status) {
            tracing::warn!(%error, "cannot send the status to the window");
        }
        if status.phase != Phase::Ready {
            desktop(self, None);
        }
    }

    fn snapshot(&self, snapshot: &Snapshot) {
        if let Err(error) = self.emit("snapshot", snapshot) {
            tracing::warn!(%error, "cannot send a snapshot to the window");
        }
        desktop(self, Some(snapshot));
    }

    fn notice(&self, notice: &Notice) {
        if let Err(error) = self.emit("notice", notice) {
            tracing::warn!(%error, "cannot send a notice to the window");
        }
    }
}

/// Sends the engine's current snapshot, then every new one, and every notice, until
/// the phone stops.
pub fn forward(mut snapshots: watch::Receiver<Snapshot>, mut notices: broadcast::Receiver<Notice>, window: Arc<dyn Window>) -> JoinHandle<()> {
    tokio::spawn(async move {
        window.snapshot(&snapshots.borrow_and_update().clone());
        loop {
            tokio::select! {
                changed = snapshots.changed() => match changed {
                    Ok(()) => window.snapshot(&snapshots.borrow_and_update().clone()),
                    Err(_) => return,
                },
                notice = notices.recv() => match notice {
                    Ok(notice) => window.notice(&notice),
                    Err(broadcast::error::RecvError::Lagged(missed)) => tracing::warn!(missed, "notices were dropped on the way to the window"),
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    })
}

/// Brings the main window to the front: shown again if it was hidden in the tray,
/// restored if minimized, and focused.
pub fn show_main(handle: &tauri::AppHandle) {
    let Some(window) = handle.get_webview_window("main") else { return };
    if let Err(error) = window.show().and_then(|()| window.unminimize()).and_then(|()| window.set_focus()) {
        tracing::warn!(%error, "cannot bring the window to the front");
    }
    if let Some(tray) = handle.try_state::<Tray>() {
        tray.window_shown(true);
    }
}

/// Hides the main window; the app goes on in the tray, and calls still ring.
pub fn hide_main(handle: &tauri::AppHandle) {
    let Some(window) = handle.get_webview_window("main") else { return };
    if let Err(error) = window.hide() {
        tracing::warn!(%error, "cannot hide the window");
    }
    if let Some(tray) = handle.try_state::<Tray>() {
        tray.window_shown(false);
    }
}

/// The window's close button (or Ctrl+W) while the app keeps running: the window goes to
/// the tray where a panel shows it, and is minimized where none does, so it stays
/// reachable from the taskbar.
pub fn close_main(handle: &tauri::AppHandle) {
    if handle.try_state::<Tray>().is_some_and(|tray| tray.is_shown()) {
        tracing::info!("the window closed into the tray");
        return hide_main(handle);
    }
    let Some(window) = handle.get_webview_window("main") else { return };
    match window.minimize() {
        Ok(()) => tracing::info!("the window closed: minimized, as no panel shows a tray"),
        Err(error) => tracing::warn!(%error, "cannot minimize the window"),
    }
}

/// The tray's "Show restphone" / "Hide restphone".
pub fn toggle_main(handle: &tauri::AppHandle) {
    match handle.get_webview_window("main").is_some_and(|window| window.is_visible().unwrap_or(true)) {
        true => hide_main(handle),
        false => show_main(handle),
    }
}
