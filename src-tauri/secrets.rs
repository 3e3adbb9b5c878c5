//! Passwords: in the OS keyring when one runs, otherwise in a file only this user can
//! read (mode 0600). Keyring calls may block on D-Bus, so callers run them on a
//! blocking thread.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

use crate::error::AppError;

const SERVICE: &str = "restphone";

#[derive(Debug, Clone)]
pub struct Secrets {
    file: PathBuf,
    use_keyring: bool,
}

impl Secrets {
    /// `use_keyring: false` keeps everything in `file` (a portable data dir, tests).
    pub fn new(file: PathBuf, use_keyring: bool) -> Self {
        Self { file, use_keyring }
    }

    pub fn save(&self, account: &str, password: &str) -> Result<(), AppError> {
        if self.use_keyring {
            match keyring::Entry::new(SERVICE, account).and_then(|entry| entry.set_password(password)) {
                Ok(()) => return self.write_file(account, None),
                Err(error) => tracing::info!(%error, "no keyring: the password goes to a file only this user can read"),
            }
        }
        self.write_file(account, Some(password))
    }

    pub fn load(&self, account: &str) -> Option<String> {
        if self.use_keyring
            && let Ok(password) = keyring::Entry::new(SERVICE, account).and_then(|entry| entry.get_password())
        {
            return Some(password);
        }
        self.read_file().remove(account)
    }

    pub fn forget(&self, account: &str) -> Result<(), AppError> {
        if self.use_keyring {
            let _ = keyring::Entry::new(SERVICE, account).and_then(|entry| entry.delete_credential());
        }
        self.write_file(account, None)
    }

    fn read_file(&self) -> BTreeMap<String, String> {
        std::fs::read(&self.file).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }

    /// Sets or removes `account`'s password in the file, which is created with mode 0600.
    fn write_file(&self, account: &str, password: Option<&str>) -> Result<(), AppError> {
        let mut passwords = self.read_file();
        let changed = match password {
            Some(password) => passwords.insert(account.to_owned(), password.to_owned()).as_deref() != Some(password),
            None => passwords.remove(account).is_some(),
        };
        if !changed {
            return Ok(());
        }
        let cannot = |e| AppError::storage("keep the password", e);
        let temporary = self.file.with_extension("tmp");
        let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&temporary).map_err(cannot)?;
        // `mode` applies only to new files: a leftover temporary file is made private too.
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(cannot)?;
        file.write_all(&serde_json::to_vec(&passwords).expect("passwords serialize")).map_err(cannot)?;
        std::fs::rename(&temporary, &self.file).map_err(cannot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_file_is_private_and_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::new(dir.path().join("secrets.json"), false);
        assert_eq!(secrets.load("alice"), None);
        secrets.save("alice", "long secret").unwrap();
        secrets.save("bob", "other secret").unwrap();
        assert_eq!(secrets.load("alice").as_deref(), Some("long secret"));
        let mode = std::fs::metadata(dir.path().join("secrets.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        secrets.forget("alice").unwrap();
        assert_eq!(secrets.load("alice"), None);
        assert_eq!(secrets.load("bob").as_deref(), Some("other secret"));
    }
}
