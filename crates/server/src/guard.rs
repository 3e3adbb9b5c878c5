//! Refuses requests meant for another host, and requests a browser sends from another
//! site: a web page whose DNS name is rebound to 127.0.0.1 must not reach the server a
//! user hosts on their own machine.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::error::ApiError;

const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// The host names requests may carry; `None` accepts any (a server on a public
/// address with no `--public-host` cannot know its names).
#[derive(Debug, Clone)]
pub struct KnownHosts(Option<Vec<String>>);

impl KnownHosts {
    pub fn of(config: &Config) -> Self {
        if !config.listen.ip().is_loopback() && config.public_hosts.is_empty() {
            return Self(None);
        }
        let configured = config.public_hosts.iter().map(|name| name.trim().to_ascii_lowercase());
        Self(Some(LOOPBACK_NAMES.iter().map(|name| (*name).to_owned()).chain(configured).collect()))
    }

    /// An address is always allowed: rebinding needs a DNS name, and a device that
    /// reaches a shared server by one of its LAN addresses names that address.
    fn allows(&self, host: &str) -> bool {
        let address = host.trim_start_matches('[').trim_end_matches(']');
        address.parse::<std::net::IpAddr>().is_ok() || self.0.as_ref().is_none_or(|names| names.iter().any(|name| name == host))
    }
}

/// `host:port` or `[v6]:port` → the host, lower case.
fn host_of(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    let end = match authority.strip_prefix('[') {
        Some(rest) => rest.find(']').map_or(authority.len(), |i| i + 2),
        None => authority.rfind(':').unwrap_or(authority.len()),
    };
    authority[..end].to_owned()
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).map(|value| value.to_str().unwrap_or("\u{fffd}"))
}

fn check(hosts: &KnownHosts, headers: &HeaderMap) -> Result<(), ApiError> {
    let host = header(headers, header::HOST).map(host_of);
    if let Some(host) = &host
        && !hosts.allows(host)
    {
        return Err(ApiError::MisdirectedRequest(format!("this server does not answer to the name '{host}'")));
    }
    if header(headers, "sec-fetch-site".parse().expect("a header name")) == Some("cross-site") {
        return Err(ApiError::Forbidden("requests from another web site are refused".to_owned()));
    }
    if let Some(origin) = header(headers, header::ORIGIN) {
        let origin_host = origin.split_once("://").map(|(_, authority)| host_of(authority));
        let same_site = origin_host.as_ref().is_some_and(|origin_host| Some(origin_host) == host.as_ref() || hosts.allows(origin_host));
        if !same_site {
            return Err(ApiError::Forbidden(format!("requests from the web origin '{origin}' are refused")));
        }
    }
    Ok(())
}

pub async fn only_known_hosts(State(hosts): State<KnownHosts>, request: Request, next: Next) -> Response {
    match check(&hosts, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap())).collect()
    }

    fn loopback() -> KnownHosts {
        KnownHosts::of(&Config::new("127.0.0.1:7080".parse().unwrap(), ".".into()))
    }

    #[test]
    fn loopback_names_pass_and_others_are_misdirected() {
        // Addresses pass too: a device on the LAN names the address it reached.
        for host in ["localhost:7080", "127.0.0.1:7080", "[::1]:7080", "LOCALHOST", "127.0.0.1", "192.168.1.20:7443", "[fe80::1]:7443"] {
            assert!(check(&loopback(), &headers(&[("host", host)])).is_ok(), "{host}");
        }
        for host in ["evil.example:7080", "localhost.evil.example", "127.0.0.1.nip.io:7080", "192.168.1.20.nip.io"] {
            assert!(matches!(check(&loopback(), &headers(&[("host", host)])), Err(ApiError::MisdirectedRequest(_))), "{host}");
        }
    }

    #[test]
    fn configured_names_pass_and_a_public_server_without_names_takes_any() {
        let mut config = Config::new("127.0.0.1:7080".parse().unwrap(), ".".into());
        config.public_hosts = vec!["Phone.Example.org".to_owned()];
        assert!(check(&KnownHosts::of(&config), &headers(&[("host", "phone.example.org:443")])).is_ok());
        let public = KnownHosts::of(&Config::new("0.0.0.0:7080".parse().unwrap(), ".".into()));
        assert!(check(&public, &headers(&[("host", "anything.example")])).is_ok());
    }

    #[test]
    fn other_sites_are_refused() {
        let ok = [("host", "localhost:7080"), ("origin", "http://localhost:7080")];
        assert!(check(&loopback(), &headers(&ok)).is_ok());
        for refused in [[("host", "localhost:7080"), ("origin", "https://evil.example")], [("host", "localhost:7080"), ("sec-fetch-site", "cross-site")]] {
            assert!(matches!(check(&loopback(), &headers(&refused)), Err(ApiError::Forbidden(_))));
        }
        assert!(check(&loopback(), &headers(&[("host", "localhost"), ("origin", "null")])).is_err());
    }
}
