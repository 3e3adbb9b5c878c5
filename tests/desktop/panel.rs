//! A desktop panel for the tests, on the desktop's own session bus, speaking the two
//! freedesktop protocols a panel speaks:
//! - a notification server (`org.freedesktop.Notifications`) that records what it is
//!   asked to show and can invoke a notification's actions, as a click on its button does;
//! - a StatusNotifierWatcher (`org.kde.StatusNotifierWatcher`) the tray icon registers
//!   with, and through which the tray's menu (dbusmenu) is read and clicked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

#[derive(Debug, Clone)]
pub struct Shown {
    pub id: u32,
    pub summary: String,
    pub body: String,
    /// Pairs of action key and label, as sent.
    pub actions: Vec<String>,
    /// Until the app withdraws it.
    pub open: bool,
}

#[derive(Debug, Default)]
struct Seen {
    notifications: Vec<Shown>,
    /// `(bus name, object path)` of each registered tray item.
    items: Vec<(String, String)>,
}

#[derive(Clone)]
struct Record {
    seen: Arc<Mutex<Seen>>,
    changed: Arc<watch::Sender<u64>>,
}

impl Record {
    fn change(&self, change: impl FnOnce(&mut Seen)) {
        change(&mut self.seen.lock().unwrap());
        self.changed.send_modify(|generation| *generation += 1);
    }
}

struct NotificationServer(Record);

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl NotificationServer {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into(), "persistence".into()]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut id = 0;
        self.0.change(|seen| {
            id = seen.notifications.len() as u32 + 1;
            seen.notifications.push(Shown { id, summary, body, actions, open: true });
        });
        id
    }

    async fn close_notification(&self, id: u32, #[zbus(signal_emitter)] emitter: SignalEmitter<'_>) -> zbus::fdo::Result<()> {
        self.0.change(|seen| seen.notifications.iter_mut().filter(|shown| shown.id == id).for_each(|shown| shown.open = false));
        // Reason 3: closed by a call to CloseNotification.
        Self::notification_closed(&emitter, id, 3).await?;
        Ok(())
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("restphone-test-panel".into(), "restphone".into(), "1".into(), "1.2".into())
    }

    #[zbus(signal)]
    async fn action_invoked(emitter: &SignalEmitter<'_>, id: u32, action_key: &str) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn notification_closed(emitter: &SignalEmitter<'_>, id: u32, reason: u32) -> zbus::Result<()>;
}

struct Watcher(Record);

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    /// `service` is a bus name or (as libappindicator sends) an object path on the sender.
    fn register_status_notifier_item(&self, service: String, #[zbus(header)] header: Header<'_>) {
        let sender = header.sender().map(|sender| sender.to_string()).unwrap_or_default();
        let item = match service.starts_with('/') {
            true => (sender, service),
            false => (service, "/StatusNotifierItem".to_owned()),
        };
        self.0.change(|seen| seen.items.push(item));
    }

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.0.seen.lock().unwrap().items.iter().map(|(name, path)| format!("{name}{path}")).collect()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

pub struct Panel {
    connection: zbus::Connection,
    record: Record,
}

/// One item of the tray's menu, as dbusmenu lays it out.
#[derive(Debug, Clone)]
pub struct MenuEntry {
    pub id: i32,
    pub label: String,
    pub enabled: bool,
    /// For a check item: whether it is checked.
    pub checked: Option<bool>,
}

type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);

impl Panel {
    pub async fn start(bus_address: &str) -> Panel {
        let record = Record { seen: Arc::default(), changed: Arc::new(watch::channel(0).0) };
        let connection = zbus::connection::Builder::address(bus_address)
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .name("org.kde.StatusNotifierWatcher")
            .unwrap()
            .serve_at(NOTIFICATIONS_PATH, NotificationServer(record.clone()))
            .unwrap()
            .serve_at("/StatusNotifierWatcher", Watcher(record.clone()))
            .unwrap()
            .build()
            .await
            .expect("the panel joins the session bus");
        Panel { connection, record }
    }

    /// Waits until `check` finds what it looks for in what the panel has seen.
    pub async fn wait_for<T>(&self, what: &str, deadline: Duration, check: impl Fn(&[Shown]) -> Option<T>) -> T {
        let mut changed = self.record.changed.subscribe();
        let waited = tokio::time::timeout(deadline, async {
            loop {
                if let Some(found) = check(&self.record.seen.lock().unwrap().notifications) {
                    return found;
                }
                changed.changed().await.unwrap();
            }
        });
        match waited.await {
            Ok(found) => found,
            Err(_) => panic!("no {what} after {deadline:?}; the panel saw {:#?}", self.record.seen.lock().unwrap().notifications),
        }
    }

    /// Clicks the notification's button for `action` (or, for "default", its body).
    pub async fn invoke(&self, id: u32, action: &str) {
        let emitter = SignalEmitter::new(&self.connection, NOTIFICATIONS_PATH).unwrap();
        NotificationServer::action_invoked(&emitter, id, action).await.expect("the panel sends ActionInvoked");
    }

    /// The tray item that registered, within `deadline`.
    async fn tray_item(&self, deadline: Duration) -> (String, String) {
        let mut changed = self.record.changed.subscribe();
        let waited = tokio::time::timeout(deadline, async {
            loop {
                if let Some(item) = self.record.seen.lock().unwrap().items.first().cloned() {
                    return item;
                }
                changed.changed().await.unwrap();
            }
        });
        waited.await.unwrap_or_else(|_| panic!("no tray icon registered with the panel within {deadline:?}"))
    }

    async fn menu_proxy(&self, deadline: Duration) -> zbus::Proxy<'static> {
        let (name, path) = self.tray_item(deadline).await;
        let item = zbus::Proxy::new(&self.connection, name.clone(), path, "org.kde.StatusNotifierItem").await.unwrap();
        let menu: OwnedObjectPath = item.get_property("Menu").await.expect("the tray item has a menu");
        zbus::Proxy::new(&self.connection, name, menu, "com.canonical.dbusmenu").await.unwrap()
    }

    /// The tray item's current icon name (it changes with the phone's state).
    pub async fn tray_icon(&self, deadline: Duration) -> String {
        let (name, path) = self.tray_item(deadline).await;
        let item = zbus::Proxy::new(&self.connection, name, path, "org.kde.StatusNotifierItem").await.unwrap();
        item.get_property("IconName").await.expect("the tray item has an icon")
    }

    /// The tray's menu, top level, without separators.
    pub async fn tray_menu(&self, deadline: Duration) -> Vec<MenuEntry> {
        let menu = self.menu_proxy(deadline).await;
        let (_revision, (_root, _properties, children)): (u32, Layout) =
            menu.call("GetLayout", &(0i32, -1i32, Vec::<String>::new())).await.expect("the tray's menu answers GetLayout");
        children
            .into_iter()
            .filter_map(|child| {
                let (id, properties, _): Layout = child.try_into().expect("a dbusmenu item");
                let text = |key: &str| properties.get(key).and_then(|value| String::try_from(value.clone()).ok());
                if text("type").as_deref() == Some("separator") {
                    return None;
                }
                let enabled = properties.get("enabled").is_none_or(|value| bool::try_from(value.clone()).unwrap_or(true));
                let checked = properties.get("toggle-state").and_then(|value| i32::try_from(value.clone()).ok()).map(|state| state == 1);
                Some(MenuEntry { id, label: text("label").unwrap_or_default().replace('_', ""), enabled, checked })
            })
            .collect()
    }

    /// Waits until the tray menu's item labelled `label` passes `check`, reading the menu
    /// every 100 ms (dbusmenu's change signals are not followed here).
    pub async fn wait_for_tray(&self, label: &str, deadline: Duration, check: impl Fn(&MenuEntry) -> bool) {
        let started = std::time::Instant::now();
        loop {
            let menu = self.tray_menu(deadline).await;
            let entry = menu.iter().find(|entry| entry.label == label);
            if entry.is_some_and(&check) {
                return;
            }
            assert!(started.elapsed() < deadline, "the tray's {label:?} is still {entry:?} after {deadline:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the tray menu's item labelled `label`.
    pub async fn click_tray(&self, label: &str, deadline: Duration) {
        let entry = self.tray_menu(deadline).await.into_iter().find(|entry| entry.label == label).unwrap_or_else(|| panic!("the tray's menu has no {label:?}"));
        let menu = self.menu_proxy(deadline).await;
        let () = menu.call("Event", &(entry.id, "clicked", Value::I32(0), 0u32)).await.expect("the tray's menu takes the click");
    }
}
