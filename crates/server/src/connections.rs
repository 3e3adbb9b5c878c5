//! Accepting connections: HTTP/1.1 with header and body read timeouts and a cap on
//! open connections per address, so clients that send half a request, or open
//! thousands of connections, cannot hold the server. Behind a trusted load balancer,
//! the balancer caps each client's connections and names the client of each request
//! (`X-Forwarded-For`).
//!
//! `axum::serve` offers neither (it sets no timer, so hyper's header timeout never
//! fires), hence this loop over hyper's own connection builder.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// Open connections by address.
#[derive(Clone, Default)]
struct Slots(Arc<Mutex<HashMap<IpAddr, u32>>>);

/// One open connection's place; given back when dropped.
struct Slot {
    slots: Slots,
    ip: IpAddr,
}

impl Slots {
    fn take(&self, ip: IpAddr, max: u32) -> Option<Slot> {
        let mut open = self.0.lock().expect("slots lock");
        let count = open.entry(ip).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Slot { slots: self.clone(), ip })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.0.lock().expect("slots lock");
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

pub struct Settings {
    pub read_timeout: Duration,
    pub per_address: u32,
    pub trusted_proxies: Arc<[IpAddr]>,
    /// Speak HTTPS on every connection.
    pub tls: Option<TlsAcceptor>,
}

/// Serves `app` until `closing` turns true; then open requests finish (streams see
/// the same signal and end) and this returns when every connection has closed. When
/// `stop` completes first, the listener and every connection it accepted are dropped
/// at once.
pub async fn serve(listener: TcpListener, app: Router, settings: Settings, mut closing: watch::Receiver<bool>, stop: impl Future<Output = ()>) {
    let slots = Slots::default();
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = closed(&mut closing) => break,
            () = &mut stop => {
                connections.abort_all();
                return;
            }
        };
        while connections.try_join_next().is_some() {}
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, most likely: wait for some to close.
                tracing::warn!(%error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // A balancer's connections are its clients': it caps them itself.
        let proxied = settings.trusted_proxies.contains(&remote.ip());
        let slot = if proxied {
            None
        } else {
            let Some(slot) = slots.take(remote.ip(), settings.per_address) else {
                tracing::debug!(%remote, "too many connections from this address");
                continue;
            };
            Some(slot)
        };
        let _ = stream.set_nodelay(true);
        let read_timeout = settings.read_timeout;
        let service = app.clone().map_request(move |request: axum::http::Request<Incoming>| {
            let client = if proxied { forwarded_for(request.headers()).map_or(remote, |ip| SocketAddr::new(ip, 0)) } else { remote };
            let mut request = request.map(|body| axum::body::Body::new(TimeoutBody::new(read_timeout, body)));
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(client));
            request
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(settings.read_timeout);
        let closing = closing.clone();
        let tls = settings.tls.clone();
        connections.spawn(async move {
            let _slot = slot;
            let Some(acceptor) = tls else {
                return serve_one(&builder, TokioIo::new(stream), service, closing, remote).await;
            };
            if !speaks_tls(&stream, read_timeout).await {
                return answer_plain_http(stream).await;
            }
            match tokio::time::timeout(read_timeout, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => serve_one(&builder, TokioIo::new(stream), service, closing, remote).await,
                Ok(Err(error)) => tracing::debug!(%remote, %error, "TLS handshake failed"),
                Err(_) => tracing::debug!(%remote, "TLS handshake timed out"),
            }
        });
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// The client a trusted balancer forwarded a request for: the last address of
/// `X-Forwarded-For`, the one the balancer appended (earlier ones are the client's say).
fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
    last.rsplit(',').next()?.trim().parse().ok()
}

/// Serves HTTP on one connection until it ends, or gracefully once the server closes.
async fn serve_one<I, S>(builder: &hyper::server::conn::http1::Builder, io: TokioIo<I>, service: S, mut closing: watch::Receiver<bool>, remote: SocketAddr)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: tower::Service<axum::http::Request<Incoming>, Response = axum::response::Response, Error = std::convert::Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let connection = builder.serve_connection(io, TowerToHyperService::new(service)).with_upgrades();
    tokio::pin!(connection);
    let finished = tokio::select! {
        finished = connection.as_mut() => Some(finished),
        () = closed(&mut closing) => None,
    };
    let finished = match finished {
        Some(finished) => finished,
        None => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = finished {
        tracing::debug!(%remote, %error, "connection ended");
    }
}

/// Whether the client opens with a TLS handshake record (0x16).
async fn speaks_tls(stream: &tokio::net::TcpStream, wait: Duration) -> bool {
    let mut first = [0u8; 1];
    matches!(tokio::time::timeout(wait, stream.peek(&mut first)).await, Ok(Ok(1))) && first[0] == 0x16
}

/// Plain HTTP sent to the HTTPS port gets a readable answer instead of a failed handshake.
async fn answer_plain_http(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    let body = r#"{"type":"about:blank","title":"Bad Request","status":400,"detail":"this port speaks HTTPS: use https://"}"#;
    let answer =
        format!("HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Completes once the server is closing.
async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    use super::*;

    #[test]
    fn the_client_is_the_address_the_balancer_appended() {
        let mut headers = HeaderMap::new();
        assert_eq!(forwarded_for(&headers), None);
        headers.append("x-forwarded-for", "6.6.6.6, 10.0.0.7".parse().unwrap());
        assert_eq!(forwarded_for(&headers), "10.0.0.7".parse().ok());
        headers.append("x-forwarded-for", "2001:db8::1".parse().unwrap());
        assert_eq!(forwarded_for(&headers), "2001:db8::1".parse().ok());
        headers.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(forwarded_for(&headers), None);
    }
}
