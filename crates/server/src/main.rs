//! `restphone-server --listen ADDR --data-dir DIR [--db URL] [--min-expires S] [--ring-timeout S]`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use restphone_server::Config;

#[derive(Parser)]
#[command(version, about = "The restphone REST SIP-style application server")]
struct Args {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:7080")]
    listen: SocketAddr,
    /// Where the database and voice messages live [default: the user's data dir]/restphone.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Database URL (sqlite://PATH); default: restphone.db in the data dir.
    #[arg(long)]
    db: Option<String>,
    /// Shortest registration lifetime granted, in seconds.
    #[arg(long, default_value_t = 60)]
    min_expires: u32,
    /// Seconds a call rings before it becomes `noanswer`.
    #[arg(long, default_value_t = 60)]
    ring_timeout: u64,
    /// Seconds an ended call stays readable before 404.
    #[arg(long, default_value_t = 60)]
    ended_grace: u64,
    /// Largest message accepted, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_message_bytes: usize,
    /// Log as JSON lines instead of text.
    #[arg(long)]
    json_logs: bool,
}

fn default_data_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("restphone")
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    if args.json_logs {
        tracing_subscriber::fmt().json().with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let mut config = Config::new(args.listen, args.data_dir.unwrap_or_else(default_data_dir));
    config.database = args.db;
    config.min_expires = args.min_expires.max(1);
    config.ring_timeout = Duration::from_secs(args.ring_timeout.max(1));
    config.ended_grace = Duration::from_secs(args.ended_grace);
    config.max_message_bytes = args.max_message_bytes;
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("restphone-server: cannot listen on {}: {error}", config.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    match restphone_server::serve(config, listener, shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("restphone-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// SIGTERM (service managers) or Ctrl-C.
async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM can be watched");
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down");
}
