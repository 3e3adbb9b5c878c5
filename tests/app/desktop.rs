//! A desktop for the app: Xvfb on a display of its own choosing, and tauri-driver
//! (which runs WebKitWebDriver, which runs the app) with that display. Both stop when
//! this is dropped, even after a failed test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Desktop {
    xvfb: Child,
    driver: Child,
    /// Where tauri-driver listens.
    pub driver_url: String,
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
        let display = read_display(&mut xvfb);
        let port = free_port();
        let log_file = std::fs::File::create(log).expect("the app's log file");
        let mut driver = Command::new(tauri_driver);
        driver.args(["--port", &port.to_string(), "--native-port", &free_port().to_string()]);
        driver.env("DISPLAY", format!(":{display}")).stdout(log_file.try_clone().unwrap()).stderr(log_file);
        for (name, value) in env {
            driver.env(name, value);
        }
        let driver = driver.spawn().expect("tauri-driver starts");
        Desktop { xvfb, driver, driver_url: format!("http://127.0.0.1:{port}") }
    }
}

/// The display number Xvfb reports, within 10 s.
fn read_display(xvfb: &mut Child) -> u32 {
    let stdout = xvfb.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = receiver.recv_timeout(Duration::from_secs(10)).expect("Xvfb reports its display within 10 s");
    line.trim().parse().unwrap_or_else(|_| panic!("Xvfb did not start (it said {line:?})"))
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
    }
}
