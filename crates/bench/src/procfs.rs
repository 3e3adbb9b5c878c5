//! What Linux tells about a process in `/proc`: resident memory and CPU time.

use std::io;
use std::time::{Duration, Instant};

use serde::Serialize;

/// A process to read about: this benchmark itself or the server.
#[derive(Debug, Clone, Copy)]
pub enum Process {
    Me,
    Pid(u32),
}

impl Process {
    fn file(self, name: &str) -> io::Result<String> {
        match self {
            Self::Me => std::fs::read_to_string(format!("/proc/self/{name}")),
            Self::Pid(pid) => std::fs::read_to_string(format!("/proc/{pid}/{name}")),
        }
    }

    /// Resident set size (`VmRSS`), in kB.
    pub fn rss_kb(self) -> io::Result<u64> {
        let status = self.file("status")?;
        let line = status.lines().find_map(|line| line.strip_prefix("VmRSS:"));
        line.and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok()).ok_or_else(|| io::Error::other("no VmRSS in /proc status"))
    }

    /// User plus system CPU time so far.
    pub fn cpu_time(self) -> io::Result<Duration> {
        let stat = self.file("stat")?;
        // The command name may hold spaces: the fields that follow it are counted
        // from its closing parenthesis; utime and stime are fields 14 and 15.
        let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = |index: usize| fields.get(index).and_then(|field| field.parse::<u64>().ok());
        let (Some(user), Some(system)) = (ticks(11), ticks(12)) else {
            return Err(io::Error::other("/proc stat has no utime and stime"));
        };
        Ok(Duration::from_secs_f64((user + system) as f64 / clock_ticks_per_second()))
    }
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// How many cores the server (all its instances), the load balancer in front, if any,
/// and the benchmark kept busy over a stretch of time.
#[derive(Debug, Clone, Serialize)]
pub struct CoresUsed {
    pub server: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balancer: Option<f64>,
    pub bench: f64,
}

/// Started at the beginning of a stretch, read at its end.
pub struct CpuMeter {
    servers: Vec<Process>,
    balancer: Option<Process>,
    started: Instant,
    server_cpu: Duration,
    balancer_cpu: Duration,
    bench_cpu: Duration,
}

impl CpuMeter {
    pub fn start(server_pids: &[u32], balancer_pid: Option<u32>) -> io::Result<Self> {
        let servers: Vec<Process> = server_pids.iter().map(|&pid| Process::Pid(pid)).collect();
        let balancer = balancer_pid.map(Process::Pid);
        Ok(Self {
            server_cpu: total_cpu(&servers)?,
            balancer_cpu: total_cpu(balancer.as_slice())?,
            bench_cpu: Process::Me.cpu_time()?,
            servers,
            balancer,
            started: Instant::now(),
        })
    }

    pub fn read(&self) -> io::Result<CoresUsed> {
        let wall = self.started.elapsed().as_secs_f64();
        let cores = |before: Duration, after: Duration| ((after.saturating_sub(before).as_secs_f64() / wall) * 100.0).round() / 100.0;
        let balancer = match &self.balancer {
            Some(balancer) => Some(cores(self.balancer_cpu, balancer.cpu_time()?)),
            None => None,
        };
        Ok(CoresUsed { server: cores(self.server_cpu, total_cpu(&self.servers)?), balancer, bench: cores(self.bench_cpu, Process::Me.cpu_time()?) })
    }
}

fn total_cpu(processes: &[Process]) -> io::Result<Duration> {
    processes.iter().map(|process| process.cpu_time()).sum()
}
