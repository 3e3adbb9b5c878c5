//! The app's state and the steps from first run to a working phone: choose a server
//! (or host one here), sign up or log in, remember the account, and run the engine.
//! Commands (`commands`) and the window (`window`) sit on top of this.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use restphone_media::call::AudioDevices;
use restphone_phone::client::ServerClient;
use restphone_phone::tls::ServerAddress;
use restphone_phone::{Command, MediaSetup, Outcome, Phone, PhoneConfig, PhoneError, Snapshot};
use tokio::sync::{RwLock, watch};
use tokio::task::JoinHandle;

use crate::embedded::{EmbeddedServer, Shared};
use crate::error::{AppError, ErrorCode};
use crate::links::Link;
use crate::meter::Meter;
use crate::ringtone::RingtoneSettings;
use crate::secrets::Secrets;
use crate::settings::{Habits, SHARING_PORT, ServerChoice, Settings};
use crate::sharing;
use crate::status::{Phase, Status};
use crate::window::{self, Window};

/// Registration lifetime the app asks for; the engine refreshes it well before.
const EXPIRES: u32 = 300;
/// Longest wait between two sign-in attempts while the server is unreachable.
const RETRY_MAX: Duration = Duration::from_secs(30);

/// Where the app keeps its files.
pub struct Paths {
    pub dir: PathBuf,
    /// Everything in `dir`, passwords included (0600 file): a data dir given by the
    /// user (`RESTPHONE_DATA_DIR`), as tests do. Otherwise passwords go to the keyring.
    pub portable: bool,
}

impl Paths {
    fn settings(&self) -> PathBuf {
        self.dir.join("settings.json")
    }

    fn server(&self) -> PathBuf {
        self.dir.join("server")
    }
}

struct Session {
    phone: Phone,
    forwarder: JoinHandle<()>,
    ringer: JoinHandle<()>,
}

impl Session {
    async fn quit(self) {
        self.forwarder.abort();
        self.ringer.abort();
        self.phone.quit().await;
    }
}

pub struct App {
    paths: Paths,
    /// The port the embedded server asks for on its first run.
    embedded_port: u16,
    secrets: Secrets,
    window: Arc<dyn Window>,
    settings: Mutex<Settings>,
    progress: Mutex<(Phase, Option<AppError>)>,
    server: tokio::sync::Mutex<Option<EmbeddedServer>>,
    /// While the hosted server is shared on the LAN: its port and certificate.
    shared: Mutex<Option<Shared>>,
    session: RwLock<Option<Session>>,
    /// The automatic sign-in with the remembered account, while it retries.
    connecting: Mutex<Option<JoinHandle<()>>>,
    /// The microphone and speaker every call here uses, opened on the first sign-in.
    audio: Mutex<Option<AudioDevices>>,
    /// How the ringtone rings; the ringer follows it.
    ringtone: watch::Sender<RingtoneSettings>,
    meter: Arc<Meter>,
    /// A link the app was opened with, until the window takes it.
    link: Mutex<Option<Link>>,
}

fn not_possible(message: &str) -> AppError {
    AppError::new(ErrorCode::NotPossible, message)
}

fn server_url(choice: &ServerChoice) -> String {
    match choice {
        ServerChoice::Embedded { port } => format!("http://127.0.0.1:{port}"),
        ServerChoice::Remote { url } => url.clone(),
    }
}

/// The account a password is kept under: one per server.
fn account_key(server: &str, email: &str) -> String {
    format!("{email} at {server}")
}

impl App {
    pub fn new(paths: Paths, embedded_port: u16, window: Arc<dyn Window>) -> Self {
        let secrets = Secrets::new(paths.dir.join("secrets.json"), !paths.portable);
        let settings = Settings::load(&paths.settings());
        let (ringtone, _) = watch::channel(settings.ringtone.clone());
        Self {
            paths,
            embedded_port,
            secrets,
            window,
            settings: Mutex::new(settings),
            progress: Mutex::new((Phase::ChooseServer, None)),
            server: tokio::sync::Mutex::new(None),
            shared: Mutex::new(None),
            session: RwLock::new(None),
            connecting: Mutex::new(None),
            audio: Mutex::new(None),
            ringtone,
            meter: Arc::default(),
            link: Mutex::default(),
        }
    }

    pub fn status(&self) -> Status {
        let settings = self.settings.lock().expect("settings lock").clone();
        let (phase, error) = self.progress.lock().expect("progress lock").clone();
        Status {
            phase,
            server: settings.server.as_ref().map(server_url),
            hosting: matches!(settings.server, Some(ServerChoice::Embedded { .. })),
            sharing: self.shared.lock().expect("shared lock").as_ref().map(sharing::view),
            email: settings.email,
            device_name: settings.device_name,
            error,
            link: self.link.lock().expect("link lock").clone(),
            habits: settings.habits,
        }
    }

    /// A `tel:`, `sip:` or pairing link was opened: the window shows it (and takes it).
    pub fn open_link(&self, link: Link) {
        *self.link.lock().expect("link lock") = Some(link);
        self.window.status(&self.status());
    }

    /// Keeps how the app lives on the desktop; the shell has applied `start_at_login`.
    pub fn set_habits(&self, habits: Habits) -> Result<Status, AppError> {
        self.update_settings(|settings| settings.habits = habits)?;
        Ok(self.status())
    }

    pub fn habits(&self) -> Habits {
        self.settings.lock().expect("settings lock").habits
    }

    /// The window has shown the opened link: it is not offered again.
    pub fn take_link(&self) -> Status {
        self.link.lock().expect("link lock").take();
        self.status()
    }

    pub async fn snapshot(&self) -> Option<Snapshot> {
        self.session.read().await.as_ref().map(|session| session.phone.snapshots().borrow().clone())
    }

    /// At start: the server chosen last time (started here when hosted), then the
    /// remembered account, if any.
    pub async fn boot(self: Arc<Self>) {
        let settings = self.settings.lock().expect("settings lock").clone();
        let Some(choice) = settings.server else {
            return self.set(Phase::ChooseServer, None);
        };
        if let ServerChoice::Embedded { port } = choice
            && let Err(error) = self.start_embedded(port).await
        {
            return self.set(Phase::ChooseServer, Some(error));
        }
        if settings.sharing.is_some()
            && let Err(error) = self.set_sharing(true).await
        {
            tracing::warn!(%error, "the hosted server could not be shared again");
        }
        let (Some(email), Some(device_name)) = (settings.email, settings.device_name) else {
            return self.set(Phase::Account, None);
        };
        let server = self.server_url().expect("a server was chosen");
        match self.secret(move |secrets| secrets.load(&account_key(&server, &email)).map(|password| (email, password))).await {
            Some((email, password)) => self.connect(email, password, device_name),
            None => self.set(Phase::Account, None),
        }
    }

    pub async fn host_here(&self) -> Result<Status, AppError> {
        self.expect_signed_out().await?;
        let port = match self.settings.lock().expect("settings lock").server {
            Some(ServerChoice::Embedded { port }) => port,
            _ => self.embedded_port,
        };
        self.start_embedded(port).await?;
        self.set(Phase::Account, None);
        Ok(self.status())
    }

    /// `url` is an `http(s)://` address or a pairing link (kept as given, so the
    /// certificate it pins stays pinned).
    pub async fn use_server(&self, url: &str) -> Result<Status, AppError> {
        self.expect_signed_out().await?;
        let url = url.trim().trim_end_matches('/').to_owned();
        ServerAddress::parse(&url).map_err(|message| AppError::new(ErrorCode::Invalid, message))?;
        ServerClient::check(&url).await?;
        if let Some(server) = self.server.lock().await.take() {
            server.stop().await;
            *self.shared.lock().expect("shared lock") = None;
        }
        self.update_settings(|settings| {
            settings.server = Some(ServerChoice::Remote { url });
            settings.sharing = None;
        })?;
        self.set(Phase::Account, None);
        Ok(self.status())
    }

    /// "Let my other devices connect": shares the hosted server on the LAN over HTTPS
    /// (remembered across restarts), or closes that listener at once.
    pub async fn set_sharing(&self, enabled: bool) -> Result<Status, AppError> {
        let mut server = self.server.lock().await;
        let server = server.as_mut().ok_or_else(|| not_possible("only a server hosted on this computer can be shared"))?;
        let shared = match enabled {
            true => {
                let port = self.settings.lock().expect("settings lock").sharing.unwrap_or(SHARING_PORT);
                Some(server.share(port).await?)
            }
            false => {
                server.stop_sharing().await;
                None
            }
        };
        let port = shared.as_ref().map(|shared| shared.port);
        *self.shared.lock().expect("shared lock") = shared;
        self.update_settings(|settings| settings.sharing = port)?;
        let status = self.status();
        self.window.status(&status);
        Ok(status)
    }

    /// Back to the first screen, to pick another server.
    pub async fn choose_server_again(&self) -> Result<Status, AppError> {
        self.expect_signed_out().await?;
        self.stop_connecting();
        self.set(Phase::ChooseServer, None);
        Ok(self.status())
    }

    pub async fn sign_up(&self, email: &str, password: &str, display_name: &str, device_name: &str) -> Result<Status, AppError> {
        self.expect_signed_out().await?;
        let server = self.server_url().ok_or_else(|| not_possible("choose a server first"))?;
        let display_name = match display_name.trim() {
            "" => email.split('@').next().unwrap_or_default(),
            name => name,
        };
        ServerClient::sign_up(&server, email.trim(), password, display_name).await?;
        self.log_in(email, password, device_name).await
    }

    pub async fn log_in(&self, email: &str, password: &str, device_name: &str) -> Result<Status, AppError> {
        self.expect_signed_out().await?;
        self.stop_connecting();
        let server = self.server_url().ok_or_else(|| not_possible("choose a server first"))?;
        let (email, device_name) = (email.trim().to_lowercase(), device_name.trim().to_owned());
        if device_name.is_empty() {
            return Err(AppError::new(ErrorCode::Invalid, "give this device a name, such as Laptop"));
        }
        // Kept even when signing in fails: the form offers them next time.
        self.update_settings(|settings| {
            settings.email = Some(email.clone());
            settings.device_name = Some(device_name.clone());
        })?;
        let phone = Phone::start(phone_config(&server, &email, password, &device_name, self.media())).await?;
        self.install(phone).await;
        // After the phone runs: a keyring may take a while to answer.
        self.remember_password(password.to_owned()).await;
        Ok(self.status())
    }

    /// Keeps the account's password for the next start (in the keyring, or the file).
    async fn remember_password(&self, password: String) {
        let settings = self.settings.lock().expect("settings lock").clone();
        let (Some(server), Some(email)) = (settings.server.as_ref().map(server_url), settings.email) else { return };
        let key = account_key(&server, &email);
        if let Err(error) = self.secret(move |secrets| secrets.save(&key, &password)).await {
            tracing::warn!(%error, "the password is not remembered: the next start asks for it");
        }
    }

    /// Unregisters this device and forgets the password; the server choice stays.
    pub async fn log_out(&self) -> Result<Status, AppError> {
        self.stop_connecting();
        if let Some(session) = self.session.write().await.take() {
            session.quit().await;
        }
        let settings = self.settings.lock().expect("settings lock").clone();
        if let (Some(server), Some(email)) = (settings.server.as_ref().map(server_url), settings.email) {
            let key = account_key(&server, &email);
            self.secret(move |secrets| secrets.forget(&key)).await?;
        }
        self.update_settings(|settings| settings.email = None)?;
        self.set(Phase::Account, None);
        Ok(self.status())
    }

    pub async fn execute(&self, command: Command) -> Result<Outcome, AppError> {
        if matches!(command, Command::SetSession { .. }) {
            return Err(AppError::new(ErrorCode::Invalid, "session descriptions come from the media engine, not the window"));
        }
        let new_password = match &command {
            Command::ChangePassword { new, .. } => Some(new.clone()),
            _ => None,
        };
        let session = self.session.read().await;
        let session = session.as_ref().ok_or_else(|| AppError::new(ErrorCode::NotSignedIn, "sign in first"))?;
        let outcome = session.phone.execute(command).await?;
        if let Some(password) = new_password {
            self.remember_password(password).await;
        }
        // What the user chose for this device outlives the run.
        match &outcome {
            Outcome::DeviceRenamed { name, .. } => self.update_settings(|settings| settings.device_name = Some(name.clone()))?,
            Outcome::DoNotDisturb { do_not_disturb } => self.update_settings(|settings| settings.do_not_disturb = *do_not_disturb)?,
            _ => {}
        }
        Ok(outcome)
    }

    /// On exit: unregister this device, then stop the embedded server.
    pub async fn shutdown(&self) {
        self.stop_connecting();
        let session = self.session.write().await.take();
        if let Some(session) = session
            && tokio::time::timeout(Duration::from_secs(3), session.quit()).await.is_err()
        {
            tracing::warn!("the phone did not unregister within 3 s");
        }
        if let Some(server) = self.server.lock().await.take() {
            server.stop().await;
        }
    }

    fn set(&self, phase: Phase, error: Option<AppError>) {
        *self.progress.lock().expect("progress lock") = (phase, error);
        self.window.status(&self.status());
    }

    fn server_url(&self) -> Option<String> {
        self.settings.lock().expect("settings lock").server.as_ref().map(server_url)
    }

    fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> Result<(), AppError> {
        let mut settings = self.settings.lock().expect("settings lock");
        change(&mut settings);
        settings.save(&self.paths.settings())
    }

    async fn expect_signed_out(&self) -> Result<(), AppError> {
        match self.session.read().await.is_some() {
            true => Err(not_possible("log out first")),
            false => Ok(()),
        }
    }

    /// Starts the embedded server unless it runs, and makes it the chosen server.
    async fn start_embedded(&self, port: u16) -> Result<(), AppError> {
        let mut server = self.server.lock().await;
        if server.is_none() {
            std::fs::create_dir_all(self.paths.server()).map_err(|e| AppError::storage("create the server's data dir", e))?;
            *server = Some(EmbeddedServer::start(self.paths.server(), port).await?);
        }
        let port = server.as_ref().expect("started").port;
        self.update_settings(|settings| settings.server = Some(ServerChoice::Embedded { port }))
    }

    /// Runs a keyring or password-file step on a blocking thread (the keyring may wait on D-Bus).
    async fn secret<T: Send + 'static>(&self, step: impl FnOnce(&Secrets) -> T + Send + 'static) -> T {
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || step(&secrets)).await.expect("the secrets step does not panic")
    }

    async fn install(&self, phone: Phone) {
        let do_not_disturb = self.settings.lock().expect("settings lock").do_not_disturb;
        if do_not_disturb && let Err(error) = phone.execute(Command::DoNotDisturb { enabled: true }).await {
            tracing::warn!(%error, "could not turn do not disturb back on");
        }
        let forwarder = window::forward(phone.snapshots(), phone.notices(), self.window.clone());
        let ringer = crate::ringtone::follow(phone.snapshots(), self.ringtone.subscribe());
        let (email, device) = {
            let snapshot = phone.snapshots().borrow().clone();
            (snapshot.email, snapshot.device_name)
        };
        *self.session.write().await = Some(Session { phone, forwarder, ringer });
        tracing::info!(%email, %device, "signed in");
        self.set(Phase::Ready, None);
    }

    /// Signs in with the remembered account, retrying while the server is unreachable.
    fn connect(self: Arc<Self>, email: String, password: String, device_name: String) {
        self.set(Phase::Connecting, None);
        let server = self.server_url().expect("a server was chosen");
        let app = self.clone();
        let task = tokio::spawn(async move {
            let mut delay = Duration::from_secs(1);
            loop {
                match Phone::start(phone_config(&server, &email, &password, &device_name, app.media())).await {
                    Ok(phone) => return app.install(phone).await,
                    Err(error @ PhoneError::ServerUnreachable { .. }) => {
                        app.set(Phase::Connecting, Some(error.into()));
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(RETRY_MAX);
                    }
                    Err(error) => return app.set(Phase::Account, Some(error.into())),
                }
            }
        });
        *self.connecting.lock().expect("connecting lock") = Some(task);
    }

    fn stop_connecting(&self) {
        if let Some(task) = self.connecting.lock().expect("connecting lock").take() {
            task.abort();
        }
    }
}

fn phone_config(server: &str, email: &str, password: &str, device_name: &str, media: MediaSetup) -> PhoneConfig {
    PhoneConfig {
        server: server.to_owned(),
        email: email.to_owned(),
        password: password.to_owned(),
        device_name: device_name.to_owned(),
        expires: EXPIRES,
        auto_answer: false,
        auto_voicemail: true,
        media: Some(media),
    }
}

mod sound;
#[cfg(test)]
mod tests;
