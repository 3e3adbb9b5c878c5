//! TLS for the server: a certificate given as PEM files, or one made on first start and
//! kept in the data dir. Its SHA-256 fingerprint is what a pairing link pins.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use restphone_api::pairing::fingerprint;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Made for `localhost`, `127.0.0.1` and the `--public-host` names, kept in `tls/`.
    SelfSigned,
}

#[derive(Clone)]
pub struct Tls {
    pub acceptor: TlsAcceptor,
    /// SHA-256 of the certificate's DER bytes, lower-case hex.
    pub fingerprint: String,
}

pub fn load(source: &TlsSource, data_dir: &Path, names: &[String]) -> Result<Tls, String> {
    let (cert_pem, key_pem) = match source {
        TlsSource::Files { cert, key } => (read(cert)?, read(key)?),
        TlsSource::SelfSigned => self_signed(&data_dir.join("tls"), names)?,
    };
    let certs = CertificateDer::pem_slice_iter(&cert_pem).collect::<Result<Vec<_>, _>>().map_err(|e| format!("the certificate file is not PEM: {e}"))?;
    let first = certs.first().ok_or("the certificate file holds no certificate")?;
    let fingerprint = fingerprint(first);
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| format!("the key file holds no private key: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the certificate and key do not fit together: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(config)), fingerprint })
}

/// The link that pairs a device with this server: its first public name, or the
/// address it listens on.
pub fn pairing_link(config: &crate::Config, address: std::net::SocketAddr, fingerprint: &str) -> restphone_api::pairing::PairingLink {
    let host = match config.public_hosts.first() {
        Some(name) => name.clone(),
        None if address.is_ipv6() => format!("[{}]", address.ip()),
        None => address.ip().to_string(),
    };
    restphone_api::pairing::PairingLink { server: format!("https://{host}:{}", address.port()), cert_sha256: fingerprint.to_owned() }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The kept certificate and key, or new ones (valid for years: the fingerprint is what
/// devices trust, so it must not change under them).
fn self_signed(dir: &Path, names: &[String]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert_path.exists() && key_path.exists() {
        return Ok((read(&cert_path)?, read(&key_path)?));
    }
    let mut subject_alt_names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    subject_alt_names.extend(names.iter().cloned());
    let made = rcgen::generate_simple_self_signed(subject_alt_names).map_err(|e| format!("cannot make a certificate: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    write_private(&key_path, made.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert_path, made.cert.pem()).map_err(|e| format!("cannot write {}: {e}", cert_path.display()))?;
    Ok((made.cert.pem().into_bytes(), made.signing_key.serialize_pem().into_bytes()))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let failed = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path).map_err(failed)?;
    file.write_all(bytes).map_err(failed)
}
