//! Who this device is, and which other devices are mine.

use std::collections::BTreeMap;

use restphone_api::login::Device;
use restphone_api::path;

/// This device: the account it is logged in with and its registration id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub email: String,
    pub device_id: String,
}

impl Me {
    /// `/login/{email}/{id}`: how the server names this device as a handler.
    pub fn device_url(&self) -> String {
        path::login(&self.email, &self.device_id)
    }

    /// Whether a device URL (`/login/...`) or user URL (`/user/...`) names my account,
    /// from whichever of my devices.
    pub fn is_named_by(&self, url: &str) -> bool {
        email_of(url) == Some(self.email.as_str())
    }
}

/// The email in `/login/{email}/{id}` or `/user/{email}`.
pub fn email_of(url: &str) -> Option<&str> {
    if let Some((email, _)) = path::parse_login(url) {
        return Some(email);
    }
    let email = url.strip_prefix("/user/")?;
    (!email.is_empty() && !email.contains('/')).then_some(email)
}

/// My registered devices (this one included) by id, with their names, as
/// `GET /login/{email}` and the `presence` event list them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyDevices {
    names: BTreeMap<String, String>,
}

impl MyDevices {
    pub fn new(devices: &[Device]) -> Self {
        Self { names: devices.iter().map(|device| (device.id.clone(), device.name.clone())).collect() }
    }

    /// The name of the device a handler URL (`/login/{email}/{id}`) names, when it is mine.
    pub fn name_of_handler(&self, handler_url: &str) -> Option<&str> {
        let (_, device_id) = path::parse_login(handler_url)?;
        self.names.get(device_id).map(String::as_str)
    }

    /// My devices other than this one, as `(id, name)`: where a call can be pushed or answered.
    pub fn others<'a>(&'a self, me: &'a Me) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.names.iter().filter(move |(id, _)| **id != me.device_id).map(|(id, name)| (id.as_str(), name.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::{me, my_devices};

    #[test]
    fn device_url_names_this_device() {
        assert_eq!(me().device_url(), "/login/alice@example.com/d1");
    }

    #[test]
    fn emails_come_from_device_and_user_urls() {
        assert_eq!(email_of("/login/bob@example.com/d9"), Some("bob@example.com"));
        assert_eq!(email_of("/user/bob@example.com"), Some("bob@example.com"));
        assert_eq!(email_of("/user/"), None);
        assert_eq!(email_of("/call/c1"), None);
        assert!(me().is_named_by("/login/alice@example.com/d2"));
        assert!(me().is_named_by("/user/alice@example.com"));
        assert!(!me().is_named_by("/user/bob@example.com"));
    }

    #[test]
    fn handler_urls_resolve_to_my_device_names() {
        let devices = my_devices();
        assert_eq!(devices.name_of_handler("/login/alice@example.com/d2"), Some("Desk phone"));
        assert_eq!(devices.name_of_handler("/login/alice@example.com/gone"), None);
        assert_eq!(devices.name_of_handler("not a url"), None);
    }

    #[test]
    fn others_leave_out_this_device() {
        let me = me();
        assert_eq!(my_devices().others(&me).collect::<Vec<_>>(), vec![("d2", "Desk phone")]);
        assert_eq!(MyDevices::default().others(&me).count(), 0);
    }
}
