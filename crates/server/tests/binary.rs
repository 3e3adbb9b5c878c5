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

    // A balancer's address that is not an address.
    let output = Command::new(env!("CARGO_BIN_EXE_restphone-server")).args(["--trusted-proxy", "haproxy.local"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--trusted-proxy"), "{}", String::from_utf8_lossy(&output.stderr));

    // A database nobody answers for, whose URL holds a password.
    let nowhere = format!("postgres://restphone:s3cret@127.0.0.1:{}/restphone", free_port());
    let listen = format!("127.0.0.1:{}", free_port());
    let output = Command::new(env!("CARGO_BIN_EXE_restphone-server"))
        .args(["--listen", &listen, "--data-dir", dir.path().to_str().unwrap(), "--db", &nowhere])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("cannot open the database"), "{said}");
    assert!(!said.contains("s3cret"), "{said}");

    // TLS files that are missing or half given.
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let args = ["--listen", &listen, "--data-dir", dir.path().to_str().unwrap(), "--tls-cert", missing, "--tls-key", missing];
    let output = Command::new(env!("CARGO_BIN_EXE_restphone-server")).args(args).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"), "{}", String::from_utf8_lossy(&output.stderr));
    let output = Command::new(env!("CARGO_BIN_EXE_restphone-server")).args(["--tls-cert", missing]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tls-key"), "{}", String::from_utf8_lossy(&output.stderr));
}

/// `GET /healthz` over TLS trusting only `sha256`: the status line, or the TLS error.
fn https_healthz(port: u16, sha256: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    // The phone engine's own trust: exactly the certificate a pairing link names.
    let paired = restphone_phone::tls::ServerAddress { base: format!("https://localhost:{port}"), pinned: Some(sha256.to_owned()) };
    let connection = rustls::ClientConnection::new(std::sync::Arc::new(paired.client_config()), "localhost".try_into().unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, std::net::TcpStream::connect(("127.0.0.1", port)).unwrap());
    let request = tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    request.map_err(|e| restphone_phone::tls::describe(&e).unwrap_or_else(|| e.to_string()))?;
    let mut reply = String::new();
    let _ = tls.read_to_string(&mut reply);
    reply.lines().next().map(str::to_owned).ok_or_else(|| "no answer".to_owned())
}

/// Starts the binary with TLS on `dir` and returns it with its pairing link.
fn start_with_tls(dir: &std::path::Path, port: u16) -> (std::process::Child, restphone_api::pairing::PairingLink) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_restphone-server"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir", dir.to_str().unwrap(), "--tls-self-signed", "--public-host", "localhost"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let (lines, found) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(link) = line.strip_prefix("pair: ") {
                let _ = lines.send(link.to_owned());
            }
        }
    });
    let link = found.recv_timeout(Duration::from_secs(20)).expect("a `pair: ` line on start");
    (child, restphone_api::pairing::PairingLink::parse(&link).expect("a valid pairing link"))
}

fn stop(mut child: std::process::Child) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    child.wait().unwrap();
}

#[test]
fn with_tls_it_prints_its_pairing_link_and_speaks_only_https_with_that_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (child, link) = start_with_tls(dir.path(), port);
    assert_eq!(link.server, format!("https://localhost:{port}"));
    assert_eq!(https_healthz(port, &link.cert_sha256).as_deref(), Ok("HTTP/1.1 200 OK"));
    let wrong = https_healthz(port, &"0".repeat(64)).unwrap_err();
    assert!(wrong.contains("not the one in the pairing link"), "{wrong}");
    // Plain HTTP to the HTTPS port is told what to do.
    let mut plain = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    use std::io::{Read, Write};
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut reply = String::new();
    let _ = plain.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 400") && reply.contains("use https://"), "{reply}");
    // The certificate is kept: after a restart, devices paired before still trust it.
    stop(child);
    let (child, again) = start_with_tls(dir.path(), port);
    assert_eq!(again.cert_sha256, link.cert_sha256);
    stop(child);
}
