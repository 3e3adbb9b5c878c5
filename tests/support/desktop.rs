//! A desktop for the app: Xvfb on a display of its own choosing, a D-Bus session bus of
//! its own, and tauri-driver (which runs WebKitWebDriver, which runs the app) with both.
//! All stop when this is dropped, even after a failed test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The app binary: `$RESTPHONE_APP` (the installed one, for the package test), or
/// `restphone` next to the running test's profile dir (`bash scripts/app.sh` builds it).
pub fn app_binary() -> PathBuf {
    let app =
        std::env::var_os("RESTPHONE_APP").map(PathBuf::from).unwrap_or_else(|| std::env::current_exe().unwrap().ancestors().nth(2).unwrap().join("restphone"));
    assert!(app.is_file(), "the app binary {} is missing: build it first with `bash scripts/app.sh`", app.display());
    app
}

pub fn tauri_driver() -> PathBuf {
    let cargo_bin = std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo/bin")).into_iter().collect::<Vec<_>>();
    find_program("tauri-driver", &cargo_bin).expect("tauri-driver is missing: `cargo install tauri-driver --version '^2' --locked` (bash scripts/app.sh does)")
}

pub struct Desktop {
    xvfb: Child,
    bus: Child,
    driver: Child,
    /// Where tauri-driver listens.
    pub driver_url: String,
    /// `DISPLAY` and `DBUS_SESSION_BUS_ADDRESS` for anything else started on this desktop.
    pub display: String,
    pub bus_address: String,
}

/// `name` in `PATH`, or in one of `also`.
pub fn find_program(name: &str, also: &[PathBuf]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).chain(also.iter().cloned()).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Desktop {
    /// Starts Xvfb and tauri-driver; `env` is passed on to the app; their output goes to `log`.
    pub fn start(tauri_driver: &Path, env: &[(&str, &Path)], log: &Path) -> Desktop {
        let xvfb = find_program("Xvfb", &[]).expect("Xvfb is missing: install the xvfb package (bash scripts/app.sh does)");
        assert!(find_program("WebKitWebDriver", &[]).is_some(), "WebKitWebDriver is missing: install the webkit2gtk-driver package (bash scripts/app.sh does)");
        // `-displayfd 1`: Xvfb takes the first free display and writes its number to stdout when ready.
        let mut xvfb = Command::new(xvfb)
            .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts");
        let display = format!(":{}", read_line(&mut xvfb, "Xvfb reports its display"));
        // The session bus: notifications, the tray and single-instance speak D-Bus.
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon starts (install the dbus package; bash scripts/app.sh does)");
        let bus_address = read_line(&mut bus, "dbus-daemon reports its address");
        let port = free_port();
        let log_file = std::fs::File::create(log).expect("the app's log file");
        let mut driver = Command::new(tauri_driver);
        driver.args(["--port", &port.to_string(), "--native-port", &free_port().to_string()]);
        driver.env("DISPLAY", &display).env("DBUS_SESSION_BUS_ADDRESS", &bus_address).stdout(log_file.try_clone().unwrap()).stderr(log_file);
        for (name, value) in env {
            driver.env(name, value);
        }
        let driver = driver.spawn().expect("tauri-driver starts");
        Desktop { xvfb, bus, driver, driver_url: format!("http://127.0.0.1:{port}"), display, bus_address }
    }
}

/// The first line `child` prints (its display number, its bus address), within 10 s.
fn read_line(child: &mut Child, what: &str) -> String {
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = receiver.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|_| panic!("{what} within 10 s"));
    assert!(!line.trim().is_empty(), "{what}: it stopped without a word");
    line.trim().to_owned()
}

/// SIGTERM first, so tauri-driver stops WebKitWebDriver too; SIGKILL after 3 s.
fn stop(child: &mut Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Desktop {
    fn drop(&mut self) {
        stop(&mut self.driver);
        // Without its display, anything the driver left behind exits too.
        stop(&mut self.xvfb);
        stop(&mut self.bus);
    }
}
