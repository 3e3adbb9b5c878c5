//! The two databases the store runs on, how each is opened, and the few places where
//! their SQL differs. Everything else is one statement for both (`$N` parameters, which
//! SQLite reads as numbered too; flags as 0 or 1).

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::MigrateDatabase;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, ConnectOptions, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// PostgreSQL's SQLSTATEs for a database that does not exist, and one that does.
const UNDEFINED_DATABASE: &str = "3D000";
const DUPLICATE_DATABASE: &str = "42P04";

fn sqlstate(error: &sqlx::Error) -> Option<String> {
    Some(error.as_database_error()?.code()?.into_owned())
}

impl Backend {
    pub fn of(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") { Self::Postgres } else { Self::Sqlite }
    }

    /// Connects, creating the database if needed, and runs the migrations.
    pub async fn open(self, url: &str) -> Result<AnyPool, sqlx::Error> {
        sqlx::any::install_default_drivers();
        match self {
            Self::Sqlite => {
                let options =
                    if url.starts_with("sqlite:") { SqliteConnectOptions::from_str(url)? } else { SqliteConnectOptions::new().filename(Path::new(url)) };
                let url = options.create_if_missing(true).to_url_lossy();
                let pool = AnyPoolOptions::new()
                    .max_connections(4)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            let pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";
                            conn.execute(pragmas).await.map(drop)
                        })
                    })
                    .connect_with(AnyConnectOptions::from_str(url.as_str())?)
                    .await?;
                sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
                Ok(pool)
            }
            Self::Postgres => {
                let connect = || AnyPoolOptions::new().max_connections(16).connect(url);
                // Created only when missing: checking first would need the right to
                // connect to the server's maintenance database, which an operator's
                // user may not have. Instances starting together may race to create it.
                let pool = match connect().await {
                    Err(error) if sqlstate(&error).as_deref() == Some(UNDEFINED_DATABASE) => {
                        match sqlx::Any::create_database(url).await {
                            Err(error) if sqlstate(&error).as_deref() != Some(DUPLICATE_DATABASE) => return Err(error),
                            _ => {}
                        }
                        connect().await?
                    }
                    connected => connected?,
                };
                sqlx::migrate!("./migrations/postgres").run(&pool).await?;
                Ok(pool)
            }
        }
    }

    /// Begins a transaction that reads before it writes. SQLite's BEGIN IMMEDIATE takes
    /// the write lock first, so it never fails to upgrade its lock; PostgreSQL locks the
    /// rows it reads to change instead (`lock_call`).
    pub fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// Run (with the call's id) before a call is read to be changed: locks its row
    /// until the commit, so two changes cannot both read its old state. SQLite's write
    /// transaction holds the whole database already.
    pub fn lock_call(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            Self::Postgres => Some("SELECT id FROM calls WHERE id = $1 FOR UPDATE"),
        }
    }

    /// Run before a transaction appends events. SQLite has one writer at a time
    /// already; on PostgreSQL every such transaction takes one advisory lock until its
    /// commit, so ids commit in the order they are drawn and a reader that has seen id
    /// N has seen every committed id below it.
    pub fn order_appends(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            Self::Postgres => Some("SELECT pg_advisory_xact_lock(hashtext('restphone_events'))"),
        }
    }
}
