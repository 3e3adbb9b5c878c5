//! `registration_refresh`: how many registration refreshes (`PUT /login/{email}/{id}`)
//! per second the server answers when many phones, each its own account with a bearer
//! token, refresh at once over keep-alive connections; and, in a shorter run, how fast
//! it takes new registrations (`POST /login/{email}`).

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::BenchResult;
use crate::api::{Account, Api};
use crate::deployment::Deployment;
use crate::procfs::{CoresUsed, CpuMeter};
use crate::stats::Latency;

/// The run of new registrations: each phone keeps adding devices to its account.
const NEW_REGISTRATION_WARMUP: Duration = Duration::from_secs(1);
const NEW_REGISTRATION_TIME: Duration = Duration::from_secs(3);

pub struct Settings {
    /// Concurrent phones, one task and one account each.
    pub phones: usize,
    pub warmup: Duration,
    /// How long refreshes are measured, after the warm-up.
    pub measured: Duration,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub phones: usize,
    pub refresh: Throughput,
    pub new_registrations: Throughput,
    /// New registrations pile up: each one also announces the account's whole device
    /// list, which grows as the run goes on.
    pub devices_per_account_after: usize,
}

#[derive(Debug, Serialize)]
pub struct Throughput {
    pub warmup_seconds: f64,
    pub seconds: f64,
    /// Successful requests that completed within the measured time.
    pub requests: usize,
    pub requests_per_second: f64,
    pub latency_ms: Latency,
    pub errors: usize,
    pub first_error: Option<String>,
    /// CPU kept busy during the measured time, in cores.
    pub cores_used: CoresUsed,
}

pub async fn measure(deployment: &Deployment, settings: &Settings) -> BenchResult<Report> {
    let api = Api::new(&deployment.base_url)?;
    eprintln!("registration: creating {} accounts (argon2 makes this slow)", settings.phones);
    let accounts = api.create_accounts("phone", settings.phones).await?;
    let mut refreshers = Vec::with_capacity(accounts.len());
    for account in &accounts {
        let device_id = api.register(account, "desk phone").await?.id;
        refreshers.push(Refresher { api: api.clone(), account: account.clone(), device_id });
    }
    eprintln!("registration: {} phones refresh for {:?} after a {:?} warm-up", settings.phones, settings.measured, settings.warmup);
    let refresh = run_for(deployment, refreshers, settings.warmup, settings.measured).await?;
    eprintln!("registration: {:.0} refreshes/s; now new registrations for {NEW_REGISTRATION_TIME:?}", refresh.requests_per_second);
    let registrars = accounts.iter().map(|account| Registrar { api: api.clone(), account: account.clone(), registered: 0 }).collect();
    let new_registrations = run_for(deployment, registrars, NEW_REGISTRATION_WARMUP, NEW_REGISTRATION_TIME).await?;
    let devices_per_account_after = api.devices(&accounts[0]).await?.devices.len();
    Ok(Report { phones: settings.phones, refresh, new_registrations, devices_per_account_after })
}

/// What one phone sends over and over.
trait Request: Send + 'static {
    fn send(&mut self) -> impl Future<Output = BenchResult<()>> + Send;
}

struct Refresher {
    api: Api,
    account: Account,
    device_id: String,
}

impl Request for Refresher {
    fn send(&mut self) -> impl Future<Output = BenchResult<()>> + Send {
        self.api.refresh(&self.account, &self.device_id)
    }
}

struct Registrar {
    api: Api,
    account: Account,
    registered: usize,
}

impl Request for Registrar {
    async fn send(&mut self) -> BenchResult<()> {
        self.registered += 1;
        self.api.register(&self.account, &format!("new phone {}", self.registered)).await.map(drop)
    }
}

/// Every phone sends its request in a loop for `warmup + measured`; what completes
/// within the measured time counts.
async fn run_for(deployment: &Deployment, phones: Vec<impl Request>, warmup: Duration, measured: Duration) -> BenchResult<Throughput> {
    let measured_from = Instant::now() + warmup;
    let measured_until = measured_from + measured;
    let tasks: Vec<_> = phones.into_iter().map(|phone| tokio::spawn(repeat(phone, measured_from, measured_until))).collect();
    tokio::time::sleep_until(measured_from.into()).await;
    let meter = CpuMeter::start(&deployment.server_pids(), deployment.balancer_pid())?;
    tokio::time::sleep_until(measured_until.into()).await;
    let cores_used = meter.read()?;
    let mut total = Tally::default();
    for task in tasks {
        total.add(task.await?);
    }
    Ok(Throughput {
        warmup_seconds: warmup.as_secs_f64(),
        seconds: measured.as_secs_f64(),
        requests: total.latencies.len(),
        requests_per_second: (total.latencies.len() as f64 / measured.as_secs_f64()).round(),
        latency_ms: Latency::of(&total.latencies),
        errors: total.errors,
        first_error: total.first_error,
        cores_used,
    })
}

async fn repeat(mut phone: impl Request, measured_from: Instant, measured_until: Instant) -> Tally {
    let mut tally = Tally::default();
    loop {
        let sent = Instant::now();
        if sent >= measured_until {
            return tally;
        }
        let outcome = phone.send().await;
        let done = Instant::now();
        if sent >= measured_from && done <= measured_until {
            tally.record(done - sent, outcome);
        }
    }
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

impl Tally {
    fn record(&mut self, latency: Duration, outcome: BenchResult<()>) {
        match outcome {
            Ok(()) => self.latencies.push(latency),
            Err(error) => {
                self.errors += 1;
                self.first_error.get_or_insert_with(|| error.to_string());
            }
        }
    }

    fn add(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
    }
}
