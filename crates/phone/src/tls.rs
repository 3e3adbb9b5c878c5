//! Whom the engine trusts over HTTPS: the system's roots, or exactly the certificate a
//! pairing link names. One TLS configuration (rustls on ring) serves REST and the push
//! channel, and TLS failures are told apart so a user reads what went wrong.

use std::sync::Arc;

use restphone_api::pairing::{PairingLink, fingerprint};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// A server as a user gives it: an `http(s)://` URL, or a pairing link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    /// The base URL, without a trailing `/`.
    pub base: String,
    /// The SHA-256 of the one certificate to trust (from a pairing link), or `None` for
    /// the system's roots.
    pub pinned: Option<String>,
}

impl ServerAddress {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.starts_with("restphone:") {
            let link = PairingLink::parse(text)?;
            return Ok(Self { base: link.server, pinned: Some(link.cert_sha256) });
        }
        if !(text.starts_with("http://") || text.starts_with("https://")) {
            return Err(format!("'{text}' is not a server address: give an http:// or https:// URL, or a restphone://pair link"));
        }
        Ok(Self { base: text.trim_end_matches('/').to_owned(), pinned: None })
    }

    pub fn client_config(&self) -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions");
        let config = match &self.pinned {
            Some(sha256) => builder.dangerous().with_custom_certificate_verifier(Arc::new(PinnedCertificate::new(sha256.clone(), provider))),
            None => builder.with_root_certificates(system_roots()),
        };
        let mut config = config.with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    }
}

/// The roots in the system's store (`/etc/ssl/certs` on Debian). Certificates that fail
/// to load are skipped, as browsers do; an empty store just trusts nobody.
fn system_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::warn!("a system certificate could not be read: {error}");
    }
    roots.add_parsable_certificates(found.certs);
    roots
}

/// Trusts exactly one certificate, named by its SHA-256. The certificate is its own
/// trust anchor, so rustls still checks its signatures and validity dates; its names
/// are not checked, because the pin already says which server it is and a sharing
/// device's LAN address changes under a certificate made once.
#[derive(Debug)]
struct PinnedCertificate {
    sha256: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

/// The error a pin mismatch reads as (see `describe`).
#[derive(Debug)]
struct NotThePairedCertificate;

impl std::fmt::Display for NotThePairedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the server's certificate is not the one in the pairing link")
    }
}

impl std::error::Error for NotThePairedCertificate {}

impl PinnedCertificate {
    fn new(sha256: String, provider: Arc<rustls::crypto::CryptoProvider>) -> Self {
        Self { sha256, provider }
    }
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if fingerprint(end_entity) != self.sha256 {
            return Err(rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(NotThePairedCertificate)))));
        }
        let mut anchor = RootCertStore::empty();
        anchor.add(end_entity.clone().into_owned())?;
        let webpki =
            WebPkiServerVerifier::builder_with_provider(Arc::new(anchor), self.provider.clone()).build().map_err(|e| rustls::Error::General(e.to_string()))?;
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// What a failed TLS handshake means to a user, when `error` comes from one.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let tls = find_rustls_error(error)?;
    Some(match tls {
        rustls::Error::InvalidCertificate(problem) => match problem {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "the server's certificate has expired".to_owned(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "the server's certificate is not valid yet".to_owned(),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => "the server's certificate is for another name".to_owned(),
            CertificateError::Other(other) if other.0.is::<NotThePairedCertificate>() => NotThePairedCertificate.to_string(),
            CertificateError::UnknownIssuer | CertificateError::BadSignature => "the server's certificate is not trusted".to_owned(),
            other => format!("the server's certificate is not trusted ({other:?})"),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } | rustls::Error::InappropriateHandshakeMessage { .. } => {
            "the server does not speak HTTPS on this port: use http://".to_owned()
        }
        other => format!("the secure connection failed: {other}"),
    })
}

/// Walks the error's causes. `std::io::Error` hides its inner error from `source()`, so
/// it is opened with `get_ref()` too.
fn find_rustls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = error.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref())
            && let Some(tls) = find_rustls_error(inner)
        {
            return Some(tls);
        }
        cause = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_pairing_links_both_name_a_server() {
        assert_eq!(ServerAddress::parse(" https://phone.example.org/ "), Ok(ServerAddress { base: "https://phone.example.org".into(), pinned: None }));
        let link = format!("restphone://pair?server=https://10.0.0.2:7443&cert={}", "ab".repeat(32));
        assert_eq!(ServerAddress::parse(&link), Ok(ServerAddress { base: "https://10.0.0.2:7443".into(), pinned: Some("ab".repeat(32)) }));
        assert!(ServerAddress::parse("phone.example.org").unwrap_err().contains("http://"));
        assert!(ServerAddress::parse("restphone://pair?server=https://10.0.0.2:7443").unwrap_err().contains("fingerprint"));
    }
}
