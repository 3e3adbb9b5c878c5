//! Pairing a device with a server over HTTPS, on loopback: the link trusts exactly the
//! server's certificate, and each way a connection can be wrong (a pin that does not
//! match, an expired or untrusted certificate, HTTP and HTTPS crossed) fails with its
//! own clear error. A device on another network pairing and calling is in
//! `crates/phone/tests/cli_lan.rs`: it needs processes of its own in a namespace.

use restphone_api::pairing::PairingLink;
use restphone_phone::PhoneError;
use restphone_phone::client::ServerClient;
use restphone_server::tls::TlsSource;
use restphone_system_tests::TestServer;

const PASSWORD: &str = "a long password";

async fn tls_server(tls: TlsSource) -> TestServer {
    TestServer::start_with(|config| config.tls = Some(tls)).await
}

/// Signs `who` up and in through `server` (a URL or a pairing link).
async fn sign_up_and_in(server: &str, who: &str) -> Result<ServerClient, PhoneError> {
    let email = format!("{who}@example.com");
    ServerClient::sign_up(server, &email, PASSWORD, who).await?;
    ServerClient::sign_in(server, &email, PASSWORD).await
}

#[track_caller]
fn insecure(outcome: Result<ServerClient, PhoneError>, reason: &str) {
    match outcome {
        Err(PhoneError::Insecure { reason: said, .. }) => assert_eq!(said, reason),
        Err(other) => panic!("expected a TLS refusal ({reason}), got: {other}"),
        Ok(_) => panic!("expected a TLS refusal ({reason}), but it signed in"),
    }
}

#[tokio::test]
async fn the_pairing_link_signs_in_over_https_trusting_exactly_that_certificate() {
    let server = tls_server(TlsSource::SelfSigned).await;
    let link = server.pairing.clone().expect("a TLS server has a pairing link");
    assert_eq!(link.server, server.base);
    let client = sign_up_and_in(&link.to_string(), "alice").await.expect("the link signs in");
    assert_eq!(client.base(), server.base);
    client.devices_of("alice@example.com").await.expect("REST works over the pinned connection");

    let other_pin = PairingLink { cert_sha256: "0".repeat(64), ..link };
    insecure(ServerClient::sign_in(&other_pin.to_string(), "alice@example.com", PASSWORD).await, "the server's certificate is not the one in the pairing link");
    insecure(ServerClient::sign_in(&server.base, "alice@example.com", PASSWORD).await, "the server's certificate is not trusted");
}

#[tokio::test]
async fn http_to_the_https_port_and_https_to_the_http_port_each_say_which_to_use() {
    let secure = tls_server(TlsSource::SelfSigned).await;
    let plain_url = secure.base.replace("https://", "http://");
    match ServerClient::sign_in(&plain_url, "alice@example.com", PASSWORD).await {
        Err(PhoneError::Refused { status: 400, detail }) => assert_eq!(detail, "this port speaks HTTPS: use https://"),
        other => panic!("plain HTTP to the HTTPS port: {:?}", other.err()),
    }

    let plain = TestServer::start().await;
    let crossed = PairingLink { server: plain.base.replace("http://", "https://"), cert_sha256: "0".repeat(64) };
    insecure(ServerClient::sign_in(&crossed.to_string(), "alice@example.com", PASSWORD).await, "the server does not speak HTTPS on this port: use http://");
}

#[tokio::test]
async fn an_expired_certificate_is_refused_even_when_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();

    let server = tls_server(TlsSource::Files { cert: cert_path, key: key_path }).await;
    let link = server.pairing.clone().unwrap();
    assert_eq!(link.cert_sha256, restphone_api::pairing::fingerprint(cert.der()));
    insecure(sign_up_and_in(&link.to_string(), "alice").await, "the server's certificate has expired");
}
