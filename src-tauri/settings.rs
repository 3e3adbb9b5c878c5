//! What the app remembers between runs: which server, which account, this device's
//! name. Never a password (see `secrets`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The port the embedded server asks for first (restphone-server's default).
pub const EMBEDDED_PORT: u16 = 7080;
/// The port a shared server asks for first on the LAN (HTTPS).
pub const SHARING_PORT: u16 = 7443;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub server: Option<ServerChoice>,
    pub email: Option<String>,
    pub device_name: Option<String>,
    /// While the hosted server is shared on the LAN: the port other devices were given.
    #[serde(default)]
    pub sharing: Option<u16>,
    /// Incoming calls are declined at once (callers go to voicemail).
    #[serde(default)]
    pub do_not_disturb: bool,
    /// The microphone and speaker chosen (`None`: the computer's default).
    #[serde(default)]
    pub input_device: Option<String>,
    #[serde(default)]
    pub output_device: Option<String>,
    #[serde(default)]
    pub ringtone: crate::ringtone::RingtoneSettings,
    #[serde(default)]
    pub habits: Habits,
}

/// How the app lives on the desktop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Habits {
    /// Closing the window quits; otherwise (the default) the app stays in the tray and
    /// calls still ring.
    #[serde(default)]
    pub quit_on_close: bool,
    /// Start hidden in the tray when the user logs in to the desktop.
    #[serde(default)]
    pub start_at_login: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServerChoice {
    /// The server runs inside this app on 127.0.0.1:`port`; the port is kept so other
    /// devices keep the address they were given.
    Embedded {
        port: u16,
    },
    Remote {
        url: String,
    },
}

impl Settings {
    /// The settings in `path`; defaults when there are none or they cannot be read.
    pub fn load(path: &Path) -> Self {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                tracing::warn!(path = %path.display(), %error, "settings unreadable: starting afresh");
                Self::default()
            }),
            Err(_) => Self::default(),
        }
    }

    /// Writes a temporary file and renames it into place, so a crash never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<(), AppError> {
        let json = serde_json::to_vec_pretty(self).expect("settings serialize");
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, json).and_then(|()| std::fs::rename(&temporary, path)).map_err(|e| AppError::storage("save the settings", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_a_restart_and_bad_files_mean_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        assert_eq!(Settings::load(&path), Settings::default());
        let settings = Settings {
            server: Some(ServerChoice::Embedded { port: 7081 }),
            email: Some("a@example.com".into()),
            device_name: Some("Laptop".into()),
            sharing: Some(7443),
            do_not_disturb: true,
            input_device: None,
            output_device: Some("rp_second".into()),
            ringtone: crate::ringtone::RingtoneSettings { enabled: false, volume: 30, device: Some("rp_second".into()) },
            habits: Habits { quit_on_close: true, start_at_login: true },
        };
        settings.save(&path).unwrap();
        assert_eq!(Settings::load(&path), settings);
        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
    }
}
