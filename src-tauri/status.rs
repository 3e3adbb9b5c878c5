//! Where the app is on the way from first run to a working phone: what the window
//! shows besides the engine's snapshot.

use serde::Serialize;

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// First run: host on this computer, or use a server at a URL.
    ChooseServer,
    /// A server is chosen: sign up or log in, and name this device.
    Account,
    /// Signing in with the remembered account (retrying while the server is unreachable).
    Connecting,
    /// The phone runs: engine snapshots follow.
    Ready,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Status {
    pub phase: Phase,
    /// The server's address (a URL or a pairing link); when `hosting`, this computer's
    /// own loopback address.
    pub server: Option<String>,
    /// Whether the server runs inside this app.
    pub hosting: bool,
    /// While the hosted server is shared on the LAN: how other devices reach it.
    pub sharing: Option<crate::sharing::SharingView>,
    pub email: Option<String>,
    pub device_name: Option<String>,
    /// Why the last step on the way failed (cleared by the next one).
    pub error: Option<AppError>,
    /// A link the app was opened with, not yet taken by the window: the dialer or the
    /// server address shows it.
    pub link: Option<crate::links::Link>,
    pub habits: crate::settings::Habits,
}
