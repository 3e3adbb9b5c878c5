//! Instances on one database hear from each other through the store (`Store::listen`):
//! new events, which ring the hub's doorbell, and revoked credentials and registrations,
//! which this instance stops honouring at once, closing the streams they opened, as the
//! instance that revoked them did.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::state::AppState;
use crate::store::{Revocation, Store};

/// The pause before listening again after the connection failed.
const RECONNECT: Duration = Duration::from_secs(1);

/// Listens until the server closes.
pub async fn run(state: AppState) {
    let (sender, mut revoked) = mpsc::unbounded_channel();
    let mut closing = state.closing.clone();
    let listening = listen(state.store.clone(), sender);
    tokio::pin!(listening);
    loop {
        tokio::select! {
            Some(revocation) = revoked.recv() => apply(&state, revocation),
            _ = &mut listening => {}
            _ = closing.changed() => return,
        }
    }
}

fn apply(state: &AppState, revocation: Revocation) {
    match revocation {
        Revocation::Token(token_hash) => state.forget_tokens(&[token_hash]),
        Revocation::User(user_id) => {
            state.credentials.forget_user(user_id);
            state.streams.close_where(user_id, |_| true);
        }
        Revocation::Device { user_id, device_id } => {
            state.registrations.forget(&device_id);
            state.streams.close_device(user_id, &device_id);
        }
        // Anything cached may have been revoked meanwhile: verify again on next use.
        Revocation::Unknown => state.credentials.forget_all(),
    }
}

async fn listen(store: Arc<dyn Store>, revoked: mpsc::UnboundedSender<Revocation>) {
    loop {
        if let Err(error) = store.listen(&revoked).await {
            tracing::warn!(%error, "listening to the other instances failed; listening again");
        }
        tokio::time::sleep(RECONNECT).await;
    }
}
