//! Links the app is opened with: `tel:` and `sip:` fill the dialer, `restphone://pair`
//! links offer the server they name. The desktop file registers the schemes; the
//! deep-link plugin hands over a link given at launch or to a second launch.

use std::sync::Arc;

use restphone_phone::tls::ServerAddress;
use serde::Serialize;
use tauri_plugin_deep_link::DeepLinkExt;

use crate::app::App;

/// Schemes whose link names someone to call.
const DIAL_SCHEMES: [&str; 3] = ["tel", "sip", "sips"];

/// What an opened link asks for, until the window takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Link {
    /// The dialer filled in with this address.
    Dial { to: String },
    /// The server to connect to, kept as given so the certificate it pins stays pinned.
    Pair { url: String },
}

impl Link {
    /// The link in `text`, or `None` for anything else (a stray argument, a link
    /// without an address).
    pub fn parse(text: &str) -> Option<Link> {
        let text = text.trim();
        let (scheme, rest) = text.split_once(':')?;
        if scheme.eq_ignore_ascii_case("restphone") {
            return ServerAddress::parse(text).is_ok().then(|| Link::Pair { url: text.to_owned() });
        }
        if !DIAL_SCHEMES.iter().any(|dial| scheme.eq_ignore_ascii_case(dial)) {
            return None;
        }
        // RFC 3966 and RFC 3261: parameters follow ';' and headers '?'; some pages write `sip://`.
        let address = rest.trim_start_matches("//").split([';', '?']).next().unwrap_or_default();
        let to = percent_encoding::percent_decode_str(address).decode_utf8().ok()?.trim().to_owned();
        (!to.is_empty()).then_some(Link::Dial { to })
    }
}

/// Hands the app the link it was launched with, then each link a later launch passes on
/// (the single-instance plugin forwards those launches' arguments here).
pub fn follow(handle: &tauri::AppHandle, app: Arc<App>) {
    let open = move |urls: Vec<url::Url>| {
        for url in urls {
            match Link::parse(url.as_str()) {
                Some(link) => app.open_link(link),
                None => tracing::warn!(%url, "not a link restphone can open"),
            }
        }
    };
    match handle.deep_link().get_current() {
        Ok(Some(urls)) => open(urls),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "the link the app was opened with is unreadable"),
    }
    handle.deep_link().on_open_url(move |event| open(event.urls()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dial(to: &str) -> Option<Link> {
        Some(Link::Dial { to: to.to_owned() })
    }

    #[test]
    fn tel_and_sip_links_name_whom_to_call() {
        assert_eq!(Link::parse("tel:bob@example.com"), dial("bob@example.com"));
        assert_eq!(Link::parse("TEL:+1-201-555-0123;ext=22"), dial("+1-201-555-0123"));
        assert_eq!(Link::parse("sip:bob@example.com;transport=tcp?subject=hi"), dial("bob@example.com"));
        assert_eq!(Link::parse("sips:bob%40example.com"), dial("bob@example.com"));
        assert_eq!(Link::parse("sip://carol@example.com"), dial("carol@example.com"));
    }

    #[test]
    fn pairing_links_are_kept_whole() {
        let link = format!("restphone://pair?server=https://10.0.0.2:7443&cert={}", "ab".repeat(32));
        assert_eq!(Link::parse(&link), Some(Link::Pair { url: link.clone() }));
        assert_eq!(Link::parse("restphone://pair?server=https://10.0.0.2:7443"), None, "no pinned certificate");
    }

    #[test]
    fn anything_else_is_not_a_link() {
        for text in ["", "tel:", "sip:;transport=udp", "mailto:bob@example.com", "bob@example.com", "--verbose", "tel:%ff"] {
            assert_eq!(Link::parse(text), None, "{text:?}");
        }
    }
}
