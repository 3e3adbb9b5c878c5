//! What an operator can set, with the defaults a small company would run.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Holds the SQLite file (unless `database` says otherwise) and voice messages
    /// (instances sharing a PostgreSQL database share this directory too).
    pub data_dir: PathBuf,
    /// `postgres://...`, `sqlite://...` or a file path; `None` means `restphone.db`
    /// in `data_dir`.
    pub database: Option<String>,
    /// The shortest registration lifetime the server grants, in seconds.
    pub min_expires: u32,
    /// The lifetime granted when a device asks for none.
    pub default_expires: u32,
    pub max_expires: u32,
    /// A call still ringing this long becomes `noanswer`.
    pub ring_timeout: Duration,
    /// How long an ended call still answers `GET` (with state `ended`) before 404.
    pub ended_grace: Duration,
    /// Largest accepted message body.
    pub max_message_bytes: usize,
    /// Events older than this leave the replay log (a device gone longer gets `reset`).
    pub event_retention: Duration,
    /// At most this many events stay in the log.
    pub event_log_max: i64,
    /// Interval of the SSE heartbeat comments.
    pub heartbeat: Duration,
    /// How often timers (ring timeout, lapsed registrations, purges) are checked.
    pub sweep_interval: Duration,
    /// How often the event log is trimmed.
    pub prune_interval: Duration,
    /// A bearer token unused this long stops working (each use extends it).
    pub token_idle_expiry: Duration,
    /// Host names (or addresses) clients may use besides the loopback ones.
    pub public_hosts: Vec<String>,
    /// A request whose header, or whose body, stalls this long is dropped.
    pub read_timeout: Duration,
    /// Load balancers in front (`--trusted-proxy`): their connections are not capped
    /// per address (the balancer limits each client), and the client of a request they
    /// forward is the last address of its `X-Forwarded-For`.
    pub trusted_proxies: Vec<IpAddr>,
    /// Serve HTTPS with this certificate; `None` for plain HTTP (loopback).
    pub tls: Option<crate::tls::TlsSource>,
    pub limits: Limits,
}

/// What one account, sender or address may create or hold. Past a limit a request is
/// answered 429 with `Retry-After`, or 409 for what waits on the user (a full
/// mailbox, too many devices); the README lists them.
#[derive(Debug, Clone)]
pub struct Limits {
    pub devices_per_account: u32,
    /// Calls one account starts, per minute.
    pub calls_per_minute: u32,
    /// Messages one sender leaves in one mailbox, per hour.
    pub messages_per_sender_per_hour: u32,
    /// Bytes of voice messages one mailbox holds.
    pub mailbox_bytes: u64,
    /// Invitations one account sends, per minute.
    pub invitations_per_minute: u32,
    /// Bearer tokens per account; signing in past this revokes the least recently used.
    pub tokens_per_account: u32,
    /// Open event streams per device; a new one closes the oldest.
    pub streams_per_device: u32,
    /// Open event streams per account (push channels and watched resources).
    pub streams_per_account: u32,
    /// The event log's size in bytes of event data, besides its age and count bounds.
    pub event_log_bytes: i64,
    /// Open connections from one address.
    pub connections_per_address: u32,
    /// Failed sign-ins for one account from one address per minute.
    pub failed_sign_ins: u32,
    /// Failed sign-ins from one address per minute, over all accounts.
    pub failed_sign_ins_per_address: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            devices_per_account: 100,
            calls_per_minute: 30,
            messages_per_sender_per_hour: 10,
            mailbox_bytes: 200 * 1024 * 1024,
            invitations_per_minute: 30,
            tokens_per_account: 20,
            streams_per_device: 2,
            streams_per_account: 200,
            event_log_bytes: 64 * 1024 * 1024,
            connections_per_address: 512,
            failed_sign_ins: 5,
            failed_sign_ins_per_address: 20,
        }
    }
}

impl Config {
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        Self {
            listen,
            data_dir,
            database: None,
            min_expires: 60,
            default_expires: 600,
            max_expires: 86_400,
            ring_timeout: Duration::from_secs(60),
            ended_grace: Duration::from_secs(60),
            max_message_bytes: 10 * 1024 * 1024,
            event_retention: Duration::from_secs(3600),
            event_log_max: 100_000,
            heartbeat: Duration::from_secs(15),
            sweep_interval: Duration::from_millis(250),
            prune_interval: Duration::from_secs(10),
            token_idle_expiry: Duration::from_secs(30 * 24 * 3600),
            public_hosts: Vec::new(),
            trusted_proxies: Vec::new(),
            read_timeout: Duration::from_secs(30),
            tls: None,
            limits: Limits::default(),
        }
    }

    pub fn database_url(&self) -> String {
        match &self.database {
            Some(url) => url.clone(),
            None => self.data_dir.join("restphone.db").to_string_lossy().into_owned(),
        }
    }

    pub fn messages_dir(&self) -> PathBuf {
        self.data_dir.join("messages")
    }

    /// Voicemail greetings, one file per user.
    pub fn greetings_dir(&self) -> PathBuf {
        self.data_dir.join("greetings")
    }

    /// The lifetime granted for a requested one: at least the minimum, at most the maximum.
    pub fn grant_expires(&self, requested: Option<u32>) -> u32 {
        requested.unwrap_or(self.default_expires).clamp(self.min_expires, self.max_expires.max(self.min_expires))
    }
}
