//! What an operator can set, with the defaults a small company would run.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Holds the SQLite file (unless `database` says otherwise) and voice messages.
    pub data_dir: PathBuf,
    /// `sqlite://...` or a file path; `None` means `restphone.db` in `data_dir`.
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
