//! Desktop notifications over D-Bus (`org.freedesktop.Notifications`): a call that rings
//! here, with Answer and Decline, withdrawn as soon as it stops ringing; a missed call;
//! a new voice message. Clicking a notification shows the window.
//!
//! Spoken with zbus directly rather than through tauri-plugin-notification or
//! notify-rust: the plugin has no actions on the desktop, and notify-rust's handle is
//! consumed while it waits for an action, so a ringing call's notification could not be
//! withdrawn when the call is answered elsewhere. The protocol is three calls and one signal.

use std::collections::HashMap;
use std::sync::Arc;

use futures::StreamExt;
use restphone_phone::{Command, Snapshot};
use tokio::sync::mpsc;
use zbus::zvariant::Value;

use crate::app::App;
use crate::attention::{Changes, changes};

#[zbus::proxy(interface = "org.freedesktop.Notifications", default_service = "org.freedesktop.Notifications", default_path = "/org/freedesktop/Notifications")]
trait Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        replaces_id: u32,
        app_icon: &str,
        summary: &str,
        body: &str,
        actions: &[&str],
        hints: HashMap<&str, Value<'_>>,
        expire_timeout: i32,
    ) -> zbus::Result<u32>;

    fn close_notification(&self, id: u32) -> zbus::Result<()>;

    #[zbus(signal)]
    fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;

    #[zbus(signal)]
    fn notification_closed(&self, id: u32, reason: u32) -> zbus::Result<()>;
}

/// The action a click on the notification's body sends (the spec's name for it).
const DEFAULT_ACTION: &str = "default";
const APP_NAME: &str = "restphone";
const APP_ICON: &str = "restphone";

/// Feeds the notifier; dropping it ends the notifier's task.
pub struct Notifier {
    snapshots: mpsc::UnboundedSender<Option<Snapshot>>,
}

impl Notifier {
    /// Starts the task that keeps the notifications in step with the phone.
    pub fn start(handle: tauri::AppHandle, app: Arc<App>) -> Notifier {
        let (snapshots, receiver) = mpsc::unbounded_channel();
        tauri::async_runtime::spawn(async move {
            let proxy = async { NotificationsProxy::new(&zbus::Connection::session().await?).await };
            match proxy.await {
                Ok(proxy) => run(proxy, receiver, handle, app).await,
                Err(error) => tracing::info!(%error, "no session bus: no desktop notifications"),
            }
        });
        Notifier { snapshots }
    }

    /// The phone's latest snapshot (`None`: signed out).
    pub fn snapshot(&self, snapshot: Option<&Snapshot>) {
        let _ = self.snapshots.send(snapshot.cloned());
    }
}

/// What a shown notification is about, so its actions know what to do.
enum About {
    Ringing { call: String },
    News,
}

async fn run(proxy: NotificationsProxy<'static>, mut snapshots: mpsc::UnboundedReceiver<Option<Snapshot>>, handle: tauri::AppHandle, app: Arc<App>) {
    let (mut actions, mut closed) = match tokio::try_join!(proxy.receive_action_invoked(), proxy.receive_notification_closed()) {
        Ok(streams) => streams,
        Err(error) => return tracing::warn!(%error, "cannot follow the notifications' actions"),
    };
    let mut shown: HashMap<u32, About> = HashMap::new();
    let mut last: Option<Snapshot> = None;
    loop {
        tokio::select! {
            snapshot = snapshots.recv() => {
                let Some(snapshot) = snapshot else { return };
                let news = match &snapshot {
                    Some(next) => changes(last.as_ref(), next),
                    // Signed out: whatever rang here rings no more.
                    None => Changes { stopped: ringing_calls(&shown), ..Changes::default() },
                };
                show(&proxy, &mut shown, news).await;
                last = snapshot;
            }
            Some(invoked) = actions.next() => {
                let Ok(args) = invoked.args() else { continue };
                let (id, action) = (args.id, args.action_key.as_str());
                match (shown.get(&id), action) {
                    (Some(About::Ringing { call }), "answer") => execute(&app, Command::Answer { call: Some(call.clone()) }).await,
                    (Some(About::Ringing { call }), "decline") => execute(&app, Command::Decline { call: Some(call.clone()) }).await,
                    (Some(_), DEFAULT_ACTION) => crate::window::show_main(&handle),
                    _ => {}
                }
            }
            Some(gone) = closed.next() => {
                if let Ok(args) = gone.args() {
                    shown.remove(&args.id);
                }
            }
        }
    }
}

fn ringing_calls(shown: &HashMap<u32, About>) -> Vec<String> {
    shown.values().filter_map(|about| if let About::Ringing { call } = about { Some(call.clone()) } else { None }).collect()
}

async fn execute(app: &App, command: Command) {
    if let Err(error) = app.execute(command).await {
        tracing::warn!(%error, "a notification's action failed");
    }
}

async fn show(proxy: &NotificationsProxy<'_>, shown: &mut HashMap<u32, About>, news: Changes) {
    for call in &news.stopped {
        let ids: Vec<u32> = shown.iter().filter(|(_, about)| matches!(about, About::Ringing { call: ringing } if ringing == call)).map(|(id, _)| *id).collect();
        for id in ids {
            shown.remove(&id);
            if let Err(error) = proxy.close_notification(id).await {
                tracing::warn!(%error, "cannot withdraw a call's notification");
            }
        }
    }
    for ring in news.ringing {
        // Critical, resident and without a timeout: it stays until the call stops ringing.
        let hints = HashMap::from([("urgency", Value::U8(2)), ("resident", Value::Bool(true)), ("category", Value::from("call.incoming"))]);
        let actions = [DEFAULT_ACTION, "Show", "answer", "Answer", "decline", "Decline"];
        match proxy.notify(APP_NAME, 0, APP_ICON, &format!("{} is calling", ring.caller), "Incoming call", &actions, hints, 0).await {
            Ok(id) => drop(shown.insert(id, About::Ringing { call: ring.call })),
            Err(error) => tracing::warn!(%error, "cannot show a call's notification"),
        }
    }
    let missed = news.missed.iter().map(|caller| ("Missed call", format!("from {caller}"), "call.unanswered"));
    let voicemail = news.voicemail.iter().map(|from| ("New voice message", format!("from {from}"), "im.received"));
    for (summary, body, category) in missed.chain(voicemail) {
        let hints = HashMap::from([("category", Value::from(category))]);
        match proxy.notify(APP_NAME, 0, APP_ICON, summary, &body, &[DEFAULT_ACTION, "Show"], hints, -1).await {
            Ok(id) => drop(shown.insert(id, About::News)),
            Err(error) => tracing::warn!(%error, "cannot show a notification"),
        }
    }
}
