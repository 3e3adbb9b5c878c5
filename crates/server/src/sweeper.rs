//! The server's timers: calls that ring too long become `noanswer`, registrations
//! lapse, ended calls are forgotten after their grace, the event log stays bounded,
//! unused tokens expire.

use crate::routes::{announce_presence, decide};
use crate::state::{AppState, now};

pub async fn run(state: AppState) {
    let mut closing = state.closing.clone();
    let mut ticks = tokio::time::interval(state.config.sweep_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_prune = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = closing.changed() => return,
        }
        if let Err(error) = sweep(&state).await {
            tracing::error!(%error, "timer sweep failed");
        }
        if last_prune.elapsed() >= state.config.prune_interval {
            last_prune = tokio::time::Instant::now();
            let config = &state.config;
            let before = now() - config.event_retention.as_millis() as i64;
            if let Err(error) = state.store.prune_events(before, config.event_log_max, config.limits.event_log_bytes).await {
                tracing::error!(%error, "pruning the event log failed");
            }
            match state.store.expire_tokens(now() - config.token_idle_expiry.as_millis() as i64).await {
                Ok(expired) => state.forget_tokens(&expired),
                Err(error) => tracing::error!(%error, "expiring tokens failed"),
            }
        }
    }
}

async fn sweep(state: &AppState) -> Result<(), crate::error::ApiError> {
    let now = now();
    for call_id in state.store.ringing_past_deadline(now).await? {
        state.change_call(&call_id, &mut decide(|call| Ok(call.ring_timeout(now)))).await?;
    }
    let lapsed = state.store.lapse_devices(now).await?;
    for device in &lapsed {
        tracing::info!(device = %device.id, "registration lapsed");
        state.registrations.forget(&device.id);
        state.streams.close_device(device.user_id, &device.id);
    }
    let mut owners: Vec<i64> = lapsed.iter().map(|d| d.user_id).collect();
    owners.sort_unstable();
    owners.dedup();
    for owner in owners {
        if let Some(email) = state.store.email_of(owner).await? {
            announce_presence(state, owner, &email).await?;
        }
    }
    state.store.purge_calls(now - state.config.ended_grace.as_millis() as i64).await?;
    Ok(())
}
