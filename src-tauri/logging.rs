//! The app's log: a file per day in the platform's log dir, the last week kept, and
//! stderr too; or, with `RESTPHONE_LOG_FILE`, that one file (tests read it; a window
//! launched through WebDriver has no terminal). Diagnostics read its tail.

use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

/// How many daily files are kept.
const KEEP_DAYS: usize = 7;
const PREFIX: &str = "restphone";

/// Where the log goes.
pub enum Logs {
    File(PathBuf),
    Daily(PathBuf),
}

impl Logs {
    /// Starts logging; `log_dir` is the platform's log dir for the app.
    pub fn start(log_dir: PathBuf) -> Logs {
        let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
        let stderr = fmt::layer().with_filter(filter());
        if let Some(file) = std::env::var_os("RESTPHONE_LOG_FILE").map(PathBuf::from) {
            match std::fs::OpenOptions::new().create(true).append(true).open(&file) {
                Ok(opened) => {
                    let to_file = fmt::layer().with_ansi(false).with_writer(std::sync::Mutex::new(opened)).with_filter(filter());
                    tracing_subscriber::registry().with(to_file).init();
                    return Logs::File(file);
                }
                Err(error) => eprintln!("cannot write the log to {}: {error}", file.display()),
            }
        }
        // The appender prunes old files in the dir before it would make the dir.
        let _ = std::fs::create_dir_all(&log_dir);
        let daily =
            RollingFileAppender::builder().rotation(Rotation::DAILY).filename_prefix(PREFIX).filename_suffix("log").max_log_files(KEEP_DAYS).build(&log_dir);
        match daily {
            Ok(daily) => {
                let to_file = fmt::layer().with_ansi(false).with_writer(daily).with_filter(filter());
                tracing_subscriber::registry().with(stderr).with(to_file).init();
            }
            Err(error) => {
                tracing_subscriber::registry().with(stderr).init();
                tracing::warn!(%error, dir = %log_dir.display(), "no log files: the log goes to stderr only");
            }
        }
        Logs::Daily(log_dir)
    }

    /// The file being written now.
    pub fn current(&self) -> Option<PathBuf> {
        match self {
            Logs::File(file) => Some(file.clone()),
            // Daily files are named restphone.YYYY-MM-DD.log: the newest sorts last.
            Logs::Daily(dir) => newest_log(dir),
        }
    }

    /// The last `lines` lines of the current file.
    pub fn tail(&self, lines: usize) -> String {
        let Some(text) = self.current().and_then(|file| std::fs::read_to_string(file).ok()) else { return String::new() };
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

fn newest_log(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let logs = entries.filter_map(|entry| entry.ok()).map(|entry| entry.path());
    logs.filter(|path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with(PREFIX))).max()
}
