//! A TCP relay between a phone and the server that a test can cut, stall and restore:
//! the phone's network going down, a server that stops answering, and both coming back.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Network {
    Up,
    /// Connections are closed and refused.
    Down,
    /// Connections stay open and new ones are accepted, but nothing gets through.
    Stalled,
}

pub struct Proxy {
    pub base: String,
    network: Arc<watch::Sender<Network>>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let network = Arc::new(watch::channel(Network::Up).0);
        let relay_network = network.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut changes = relay_network.subscribe();
                let network = *changes.borrow_and_update();
                match network {
                    Network::Down => continue, // dropped: the connection is refused in effect
                    Network::Stalled => {
                        // Held open, unanswered, until the network changes; then closed.
                        tokio::spawn(async move {
                            let _ = changes.changed().await;
                            drop(client);
                        });
                        continue;
                    }
                    Network::Up => {}
                }
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else { return };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
                        _ = changes.wait_for(|network| *network != Network::Up) => {}
                    }
                    // A stalled connection stays open, silent, until the network changes again.
                    if *changes.borrow() == Network::Stalled {
                        let _ = changes.changed().await;
                    }
                });
            }
        });
        Self { base, network }
    }

    /// Cuts every open connection and refuses new ones.
    pub fn cut(&self) {
        self.network.send_replace(Network::Down);
    }

    /// Keeps every connection open but lets nothing through, and accepts new ones
    /// without ever answering: a server that hangs.
    pub fn stall(&self) {
        self.network.send_replace(Network::Stalled);
    }

    /// Back to normal; stalled connections are closed.
    pub fn restore(&self) {
        self.network.send_replace(Network::Up);
    }
}
