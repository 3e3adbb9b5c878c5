//! Where the app's news goes: to the window as Tauri events (`status`, `snapshot`,
//! `notice`), or to a recorder in tests, so nothing here needs a window to be tested.

use std::sync::Arc;

use restphone_phone::{Notice, Snapshot};
use tauri::Emitter;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::status::Status;

pub trait Window: Send + Sync + 'static {
    fn status(&self, status: &Status);
    fn snapshot(&self, snapshot: &Snapshot);
    /// An invitation or a message arrived: shown once, as a toast.
    fn notice(&self, notice: &Notice);
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
