//! Two network namespaces joined by a veth pair, made by the test (it runs as root, as CI
//! does), and a runtime whose sockets live in one of them. Their addresses exist only
//! inside the namespaces, so nothing here touches the machine's own network.
//!
//! Phones run as `restphone-cli` processes inside a namespace (`cli_in`), not on an
//! `Inside` runtime: webrtc-rs does part of its socket work on threads of its own, which
//! stay in the namespace they were made in (calls then fail with "No such device").

use std::future::Future;
use std::net::IpAddr;
use std::process::Command;

use tokio::sync::oneshot;

pub struct Namespace {
    pub name: String,
    /// Its end of the veth pair.
    pub address: IpAddr,
}

/// Two namespaces, `a` at 10.99.0.1 and `b` at 10.99.0.2, one link between them. Both
/// are removed (and the link with them) when this is dropped.
pub struct Link {
    pub a: Namespace,
    pub b: Namespace,
}

impl Link {
    pub fn new(tag: &str) -> Self {
        let id = format!("{tag}{}", std::process::id());
        let (a, b) = (format!("rp-{id}-a"), format!("rp-{id}-b"));
        // Interface names are at most 15 characters.
        let (end_a, end_b) = (format!("va{}", std::process::id()), format!("vb{}", std::process::id()));
        let link = Self {
            a: Namespace { name: a.clone(), address: "10.99.0.1".parse().unwrap() },
            b: Namespace { name: b.clone(), address: "10.99.0.2".parse().unwrap() },
        };
        ip(&["netns", "add", &a]);
        ip(&["netns", "add", &b]);
        ip(&["link", "add", &end_a, "netns", &a, "type", "veth", "peer", "name", &end_b, "netns", &b]);
        for (namespace, end) in [(&link.a, &end_a), (&link.b, &end_b)] {
            ip(&["-n", &namespace.name, "addr", "add", &format!("{}/24", namespace.address), "dev", end]);
            ip(&["-n", &namespace.name, "link", "set", end, "up"]);
            ip(&["-n", &namespace.name, "link", "set", "lo", "up"]);
        }
        link
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        for namespace in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", &namespace.name]).status();
        }
    }
}

fn ip(args: &[&str]) {
    let output = Command::new("ip").args(args).output().expect("iproute2's `ip` runs (the test needs root)");
    assert!(output.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
}

/// A tokio runtime on a thread of its own inside `namespace`: every socket its tasks open
/// is in that namespace. It runs until this is dropped.
pub struct Inside {
    runtime: tokio::runtime::Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Inside {
    pub fn new(namespace: &Namespace) -> Self {
        let path = format!("/run/netns/{}", namespace.name);
        let (ready, handle) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET).expect("enter the namespace");
            // Worker threads are made from this one, so they inherit its namespace.
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            ready.send(runtime.handle().clone()).unwrap();
            runtime.block_on(async move {
                let _ = stopped.await;
            });
        });
        Self { runtime: handle.recv().expect("the namespace's runtime starts"), stop: Some(stop), thread: Some(thread) }
    }

    /// Runs `task` inside the namespace and returns its result.
    pub async fn run<T: Send + 'static>(&self, task: impl Future<Output = T> + Send + 'static) -> T {
        self.runtime.spawn(task).await.expect("the task inside the namespace finishes")
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|stop| stop.send(()));
        let _ = self.thread.take().map(std::thread::JoinHandle::join);
    }
}
