//! Pairing links: `restphone://pair?server=https://ADDR:PORT&cert=SHA256`. A link tells
//! a device where a server is and which certificate is the server's own, so the device
//! can trust exactly that certificate (pinned by the SHA-256 of its DER bytes, in hex).

use std::fmt;

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingLink {
    /// The server's base URL, always `https://`.
    pub server: String,
    /// The SHA-256 of the server's certificate, 64 lower-case hex digits.
    pub cert_sha256: String,
}

/// The SHA-256 of a certificate's DER bytes, in lower-case hex: what a link pins.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect()
}

const PREFIX: &str = "restphone://pair?";

impl PairingLink {
    pub fn parse(text: &str) -> Result<Self, String> {
        let query = text.trim().strip_prefix(PREFIX).ok_or_else(|| format!("a pairing link starts with {PREFIX}"))?;
        let field = |name: &str| query.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('=')).map(str::to_owned);
        let server = field("server").ok_or("the pairing link names no server")?;
        if !server.starts_with("https://") || server.len() == "https://".len() {
            return Err(format!("the pairing link's server must be an https:// address, not '{server}'"));
        }
        let cert_sha256 = field("cert").ok_or("the pairing link has no certificate fingerprint (cert=)")?.to_ascii_lowercase();
        if cert_sha256.len() != 64 || !cert_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("the pairing link's certificate fingerprint must be 64 hex digits (SHA-256)".to_owned());
        }
        Ok(Self { server: server.trim_end_matches('/').to_owned(), cert_sha256 })
    }
}

impl fmt::Display for PairingLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}server={}&cert={}", self.server, self.cert_sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_back_what_it_says() {
        let link = PairingLink { server: "https://192.168.1.20:7443".to_owned(), cert_sha256: "ab".repeat(32) };
        assert_eq!(PairingLink::parse(&link.to_string()), Ok(link.clone()));
        let pasted = format!(" restphone://pair?server=https://192.168.1.20:7443/&cert={} ", "AB".repeat(32));
        assert_eq!(PairingLink::parse(&pasted), Ok(link));
    }

    #[test]
    fn broken_links_say_what_is_wrong() {
        let cert = "0".repeat(64);
        for (text, mentions) in [
            ("https://example.org", "starts with"),
            (&format!("restphone://pair?cert={cert}") as &str, "no server"),
            (&format!("restphone://pair?server=http://10.0.0.1:7080&cert={cert}"), "https://"),
            ("restphone://pair?server=https://10.0.0.1:7443", "fingerprint"),
            ("restphone://pair?server=https://10.0.0.1:7443&cert=abc", "64 hex"),
        ] {
            let error = PairingLink::parse(text).unwrap_err();
            assert!(error.contains(mentions), "{text}: {error}");
        }
    }
}
