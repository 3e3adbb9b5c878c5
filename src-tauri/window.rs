//! Where the app's news goes: to the window as Tauri events (`status`, `snapshot`), or
//! to a recorder in tests, so nothing here needs a window to be tested.

use std::sync::Arc;

use restphone_phone::Snapshot;
use tauri::Emitter;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::status::Status;

pub trait Window: Send + Sync + 'static {
    fn status(&self, status: &Status);
    fn snapshot(&self, snapshot: &Snapshot);
}

impl Window for tauri::AppHandle {
    fn status(&self, status: &Status) {
        if let Err(error) = self.emit("status", status) {
            tracing::warn!(%error, "cannot send the status to the window");
        }
    }

    fn snapshot(&self, snapshot: &Snapshot) {
        if let Err(error) = self.emit("snapshot", snapshot) {
            tracing::warn!(%error, "cannot send a snapshot to the window");
        }
    }
}

/// Sends the engine's current snapshot, then every new one, until the phone stops.
pub fn forward(mut snapshots: watch::Receiver<Snapshot>, window: Arc<dyn Window>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let snapshot = snapshots.borrow_and_update().clone();
            window.snapshot(&snapshot);
            if snapshots.changed().await.is_err() {
                return;
            }
        }
    })
}
