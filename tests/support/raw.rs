//! HTTP spoken by hand over TCP, for what a well-behaved client never sends: other
//! host names, half a request.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A connection to `server` from `from` (any address of 127.0.0.0/8).
pub async fn connect_from(server: SocketAddr, from: IpAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    socket.connect(server).await.expect("the server accepts")
}

/// Sends `request` as it is and returns the status code of the answer.
pub async fn status_of(server: SocketAddr, request: &str) -> u16 {
    let mut stream = TcpStream::connect(server).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream, crate::DEADLINE).await.expect("the server answers and closes");
    let status_line = answer.lines().next().unwrap_or_default();
    status_line.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status in {answer:?}"))
}

/// Everything the server sends until it closes the connection, or `None` if it is
/// still open after `wait`.
pub async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut answer = Vec::new();
    match tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await {
        Ok(_) => Some(String::from_utf8_lossy(&answer).into_owned()),
        Err(_) => None,
    }
}
