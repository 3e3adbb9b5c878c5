//! The `restphone-server` binary as an operator runs it: flags, health, SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits, with a deadline, until `GET /healthz` answers 200.
fn wait_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
            let mut reply = String::new();
            let _ = stream.read_to_string(&mut reply);
            if reply.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        assert!(Instant::now() < deadline, "the server never became healthy");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn it_serves_on_the_given_address_and_data_dir_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_restphone-server"))
        .args(["--listen", &listen, "--data-dir", dir.path().to_str().unwrap(), "--min-expires", "5", "--ring-timeout", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    wait_healthy(port);
    assert!(dir.path().join("restphone.db").exists(), "the database is in the data dir");
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "a graceful stop exits 0, got {status}");
}

#[test]
fn a_bad_flag_or_a_busy_port_is_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_restphone-server")).args(["--min-expires", "soon"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--min-expires"));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_restphone-server")).args(["--listen", &listen, "--data-dir", dir.path().to_str().unwrap()]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot listen"), "{}", String::from_utf8_lossy(&output.stderr));
}
