//! The tray icon: its look shows the phone's state (`attention::tray_view`), and its
//! menu shows or hides the window, turns do not disturb on or off, mutes and hangs up
//! the call here, and quits.

use std::sync::{Arc, Mutex};

use restphone_phone::{Command, Snapshot};
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager};

use crate::app::App;
use crate::attention::{Look, TrayView, tray_view};
use crate::window;

/// Where tray icons register: a panel that shows them owns this name on the session bus.
const WATCHER: &str = "org.kde.StatusNotifierWatcher";

pub struct Tray {
    icon: TrayIcon,
    /// The session bus, to ask whether a panel shows the icon.
    bus: Option<zbus::blocking::Connection>,
    window_item: MenuItem<tauri::Wry>,
    do_not_disturb: CheckMenuItem<tauri::Wry>,
    mute: CheckMenuItem<tauri::Wry>,
    hang_up: MenuItem<tauri::Wry>,
    /// What the tray shows now: snapshots come often (call quality every few seconds),
    /// and a new icon is a PNG decoded and written to disk for the panel.
    shown: Mutex<Option<TrayView>>,
}

fn image(look: Look) -> Image<'static> {
    let png: &'static [u8] = match look {
        Look::Offline => include_bytes!("../icons/tray/offline.png"),
        Look::InCall => include_bytes!("../icons/tray/in-call.png"),
        Look::Voicemail => include_bytes!("../icons/tray/voicemail.png"),
        Look::Ready => include_bytes!("../icons/tray/ready.png"),
    };
    Image::from_bytes(png).expect("the tray icons are PNGs")
}

impl Tray {
    pub fn install(handle: &AppHandle) -> tauri::Result<Tray> {
        let window_item = MenuItem::with_id(handle, "window", "Hide restphone", true, None::<&str>)?;
        let do_not_disturb = CheckMenuItem::with_id(handle, "do_not_disturb", "Do not disturb", true, false, None::<&str>)?;
        let mute = CheckMenuItem::with_id(handle, "mute", "Mute", false, false, None::<&str>)?;
        let hang_up = MenuItem::with_id(handle, "hang_up", "Hang up", false, None::<&str>)?;
        let quit = MenuItem::with_id(handle, "quit", "Quit restphone", true, None::<&str>)?;
        let separator = || PredefinedMenuItem::separator(handle);
        let menu = Menu::with_items(handle, &[&window_item, &separator()?, &do_not_disturb, &mute, &hang_up, &separator()?, &quit])?;
        let view = tray_view(None);
        let icon = TrayIconBuilder::with_id("restphone").icon(image(view.look)).tooltip(&view.tooltip).menu(&menu).on_menu_event(act).build(handle)?;
        let bus = zbus::blocking::Connection::session().inspect_err(|error| tracing::info!(%error, "no session bus: no tray")).ok();
        let tray = Tray { icon, bus, window_item, do_not_disturb, mute, hang_up, shown: Mutex::default() };
        tray.show(&view);
        Ok(tray)
    }

    /// Shows the phone's latest snapshot (`None`: signed out).
    pub fn snapshot(&self, snapshot: Option<&Snapshot>) {
        self.show(&tray_view(snapshot));
    }

    /// Applies `view` unless it is what the tray shows already.
    fn show(&self, view: &TrayView) {
        let mut shown = self.shown.lock().expect("tray lock");
        if shown.as_ref() == Some(view) {
            return;
        }
        *shown = Some(view.clone());
        let applied = self
            .icon
            .set_icon(Some(image(view.look)))
            .and_then(|()| self.icon.set_tooltip(Some(&view.tooltip)))
            .and_then(|()| self.do_not_disturb.set_checked(view.do_not_disturb))
            .and_then(|()| self.mute.set_enabled(view.live_call.is_some()))
            .and_then(|()| self.mute.set_checked(view.live_call.as_ref().is_some_and(|call| call.muted)))
            .and_then(|()| self.hang_up.set_enabled(view.live_call.is_some()));
        if let Err(error) = applied {
            tracing::warn!(%error, "cannot update the tray");
        }
    }

    /// Whether a panel shows tray icons now (GNOME does not without an extension): only
    /// then can a hidden window be brought back from the tray.
    pub fn is_shown(&self) -> bool {
        let Some(bus) = &self.bus else { return false };
        let asked = zbus::blocking::fdo::DBusProxy::new(bus).and_then(|dbus| Ok(dbus.name_has_owner(WATCHER.try_into()?)?));
        asked.unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot ask the session bus for a tray");
            false
        })
    }

    /// A check item ticks itself when clicked: the next snapshot is shown in full, so a
    /// command that failed does not leave it ticked.
    fn forget_shown(&self) {
        *self.shown.lock().expect("tray lock") = None;
    }

    /// The window was shown or hidden: the menu offers the other.
    pub fn window_shown(&self, shown: bool) {
        if let Err(error) = self.window_item.set_text(if shown { "Hide restphone" } else { "Show restphone" }) {
            tracing::warn!(%error, "cannot update the tray");
        }
    }
}

/// A tray menu item was chosen.
fn act(handle: &AppHandle, event: MenuEvent) {
    let item = event.id().0.clone();
    match item.as_str() {
        "window" => return window::toggle_main(handle),
        "quit" => return handle.exit(0),
        _ => handle.state::<Tray>().forget_shown(),
    }
    let app = handle.state::<Arc<App>>().inner().clone();
    tauri::async_runtime::spawn(async move {
        let Some(snapshot) = app.snapshot().await else { return };
        let view = tray_view(Some(&snapshot));
        let command = match (item.as_str(), view.live_call) {
            ("do_not_disturb", _) => Command::DoNotDisturb { enabled: !snapshot.do_not_disturb },
            ("mute", Some(live)) if live.muted => Command::Unmute { call: live.call },
            ("mute", Some(live)) => Command::Mute { call: live.call },
            ("hang_up", Some(live)) => Command::Hangup { call: Some(live.call) },
            _ => return,
        };
        if let Err(error) = app.execute(command).await {
            tracing::warn!(%error, "the tray's command failed");
        }
    });
}
