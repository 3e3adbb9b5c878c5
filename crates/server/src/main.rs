//! `restphone-server --listen ADDR --data-dir DIR [--db URL] [--public-host NAME] [--tls-self-signed | --tls-cert FILE --tls-key FILE] [--max-...]`: see `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use restphone_server::Config;
use restphone_server::config::Limits;
use restphone_server::tls::TlsSource;

#[derive(Parser)]
#[command(version, about = "The restphone REST SIP-style application server")]
struct Args {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:7080")]
    listen: SocketAddr,
    /// Where the database and voice messages live [default: the user's data dir]/restphone.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH, or postgres://USER@HOST:PORT/NAME for several
    /// instances on one database (created if missing); default: restphone.db in the data dir.
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
    /// A host name (or address) clients may reach this server by, besides localhost,
    /// 127.0.0.1 and [::1]; repeat for several. Requests naming another host are refused.
    #[arg(long = "public-host", value_name = "NAME")]
    public_hosts: Vec<String>,
    /// The address of a load balancer in front (HAProxy, nginx); repeat for several.
    /// Its connections are not capped per address, and the client of each request it
    /// forwards is the last address of X-Forwarded-For (for the per-address limits).
    #[arg(long = "trusted-proxy", value_name = "ADDR")]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Days a bearer token may go unused before it stops working.
    #[arg(long, default_value_t = 30)]
    token_expiry_days: u64,
    /// Seconds a request's header, or a pause in its body, may take before the
    /// connection is dropped.
    #[arg(long, default_value_t = 30)]
    read_timeout: u64,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key", conflicts_with = "tls_self_signed")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate made on first start and kept in the data dir, for
    /// localhost and the --public-host names. Prints the pairing link on start.
    #[arg(long)]
    tls_self_signed: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// What one account, sender or address may create or hold (see the README).
#[derive(clap::Args)]
struct LimitArgs {
    #[arg(long, default_value_t = Limits::default().devices_per_account)]
    max_devices_per_account: u32,
    /// Calls one account may start per minute.
    #[arg(long, default_value_t = Limits::default().calls_per_minute)]
    max_calls_per_minute: u32,
    /// Messages one sender may leave in one mailbox per hour.
    #[arg(long, default_value_t = Limits::default().messages_per_sender_per_hour)]
    max_messages_per_sender_per_hour: u32,
    /// Bytes of voice messages one mailbox may hold.
    #[arg(long, default_value_t = Limits::default().mailbox_bytes)]
    max_mailbox_bytes: u64,
    /// Invitations one account may send per minute.
    #[arg(long, default_value_t = Limits::default().invitations_per_minute)]
    max_invitations_per_minute: u32,
    /// Bearer tokens per account; signing in past this revokes the least recently used.
    #[arg(long, default_value_t = Limits::default().tokens_per_account)]
    max_tokens_per_account: u32,
    /// Open event streams per device; a new one closes the oldest.
    #[arg(long, default_value_t = Limits::default().streams_per_device)]
    max_streams_per_device: u32,
    /// Open event streams per account.
    #[arg(long, default_value_t = Limits::default().streams_per_account)]
    max_streams_per_account: u32,
    /// Bytes of event data the replay log keeps.
    #[arg(long, default_value_t = Limits::default().event_log_bytes)]
    max_event_log_bytes: i64,
    /// Open connections from one address.
    #[arg(long, default_value_t = Limits::default().connections_per_address)]
    max_connections_per_address: u32,
    /// Failed sign-ins for one account from one address per minute.
    #[arg(long, default_value_t = Limits::default().failed_sign_ins)]
    max_failed_sign_ins: u32,
    /// Failed sign-ins from one address per minute, over all accounts.
    #[arg(long, default_value_t = Limits::default().failed_sign_ins_per_address)]
    max_failed_sign_ins_per_address: u32,
}

impl From<LimitArgs> for Limits {
    fn from(args: LimitArgs) -> Self {
        Self {
            devices_per_account: args.max_devices_per_account,
            calls_per_minute: args.max_calls_per_minute,
            messages_per_sender_per_hour: args.max_messages_per_sender_per_hour,
            mailbox_bytes: args.max_mailbox_bytes,
            invitations_per_minute: args.max_invitations_per_minute,
            tokens_per_account: args.max_tokens_per_account.max(1),
            streams_per_device: args.max_streams_per_device.max(1),
            streams_per_account: args.max_streams_per_account,
            event_log_bytes: args.max_event_log_bytes,
            connections_per_address: args.max_connections_per_address,
            failed_sign_ins: args.max_failed_sign_ins,
            failed_sign_ins_per_address: args.max_failed_sign_ins_per_address,
        }
    }
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
    config.public_hosts = args.public_hosts;
    config.trusted_proxies = args.trusted_proxies;
    config.token_idle_expiry = Duration::from_secs(args.token_expiry_days.max(1) * 24 * 3600);
    config.read_timeout = Duration::from_secs(args.read_timeout.max(1));
    config.limits = args.limits.into();
    config.tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsSource::Files { cert, key }),
        _ if args.tls_self_signed => Some(TlsSource::SelfSigned),
        _ => None,
    };
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
