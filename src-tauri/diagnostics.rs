//! "Copy diagnostics": what a bug report needs, as plain text the user can read before
//! sending. No password or token is ever in the status or the log.

use crate::logging::Logs;
use crate::status::Status;

/// How much of the log goes into a report.
const LOG_LINES: usize = 200;

pub fn report(status: &Status, logs: &Logs) -> String {
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|release| release.lines().find_map(|line| line.strip_prefix("PRETTY_NAME=")).map(|name| name.trim_matches('"').to_owned()))
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let state = serde_json::to_string_pretty(status).expect("the status serializes");
    let log = logs.current().map(|file| file.display().to_string()).unwrap_or_else(|| "none".into());
    format!("restphone {}\nsystem: {os}\nlog: {log}\n\nstate:\n{state}\n\nlast {LOG_LINES} log lines:\n{}\n", env!("CARGO_PKG_VERSION"), logs.tail(LOG_LINES))
}
