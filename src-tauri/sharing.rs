//! What the window shows while the hosted server is shared: the addresses other devices
//! can use, and the pairing link as text and as a QR code. Worked out each time the
//! status is read, so a new LAN address (another Wi-Fi) shows at once.

use std::net::Ipv4Addr;

use nix::ifaddrs::getifaddrs;
use nix::net::if_::InterfaceFlags;
use restphone_api::pairing::PairingLink;
use serde::Serialize;

use crate::embedded::Shared;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SharingView {
    /// `https://ADDR:PORT` for each LAN address of this computer; never loopback.
    pub addresses: Vec<String>,
    /// The pairing link for the first address; `None` when this computer has no
    /// address other devices can reach.
    pub link: Option<String>,
    /// The pairing link as a QR code, an SVG document.
    pub qr_svg: Option<String>,
}

pub fn view(shared: &Shared) -> SharingView {
    let addresses: Vec<String> = lan_addresses().iter().map(|ip| format!("https://{ip}:{}", shared.port)).collect();
    let link = addresses.first().map(|server| PairingLink { server: server.clone(), cert_sha256: shared.fingerprint.clone() }.to_string());
    let qr_svg = link.as_deref().and_then(qr_code);
    SharingView { addresses, link, qr_svg }
}

/// IPv4 addresses of the interfaces that are up, without loopback and link-local ones
/// (169.254/16, which no other device is configured to reach).
fn lan_addresses() -> Vec<Ipv4Addr> {
    let Ok(interfaces) = getifaddrs() else { return Vec::new() };
    let mut found: Vec<Ipv4Addr> = interfaces
        .filter(|interface| interface.flags.contains(InterfaceFlags::IFF_UP) && !interface.flags.contains(InterfaceFlags::IFF_LOOPBACK))
        .filter_map(|interface| interface.address?.as_sockaddr_in().map(|address| address.ip()))
        .filter(|ip| !ip.is_loopback() && !ip.is_link_local() && !ip.is_unspecified())
        .collect();
    // Private (home and office) addresses first: the likeliest to be the LAN.
    found.sort_by_key(|ip| (!ip.is_private(), *ip));
    found.dedup();
    found
}

fn qr_code(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_names_lan_addresses_only_and_links_the_first() {
        let shared = Shared { port: 7443, fingerprint: "ab".repeat(32) };
        let view = view(&shared);
        assert!(view.addresses.iter().all(|address| !address.contains("127.0.0.1")), "{:?}", view.addresses);
        match view.addresses.first() {
            Some(first) => {
                let link = PairingLink::parse(view.link.as_deref().unwrap()).unwrap();
                assert_eq!((&link.server, &link.cert_sha256), (first, &shared.fingerprint));
                assert!(view.qr_svg.unwrap().starts_with("<?xml"));
            }
            None => assert_eq!((view.link, view.qr_svg), (None, None)),
        }
    }
}
