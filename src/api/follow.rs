//! Following the change log (decision 0027): each node looks at it every
//! `NEWSROOM_CHANGE_POLL_MS` (250 ms), so that other nodes' writes and the CLI's clear its
//! response cache; with a read replica, the same look takes the primary's WAL position (replica
//! reads wait for it) and then asks the replica how far it has replayed.

use std::time::Duration;

use super::AppState;
use crate::db::{self, changes, replica};
use crate::error::ApiError;

/// One look: at the primary's change log (and WAL position, with a replica), then at the
/// replica. Returns whether the change log moved since the last look.
pub async fn follow_changes(state: &AppState) -> Result<bool, ApiError> {
    let with_position = state.reads.has_replica();
    let (head, position) = db::run(&state.pool, move |conn| {
        let head = changes::head(conn)?;
        let position = match with_position {
            true => replica::position(conn)?,
            false => None,
        };
        Ok((head, position))
    })
    .await?;
    // Replica reads wait for what the look found before the cache forgets what it holds:
    // a read after the clearing never fills it from a replica behind the change.
    state.reads.looked_at_primary(head, position);
    let moved = state.cache.follow(head);
    state.reads.look_at_replica().await;
    Ok(moved)
}

/// Looks at the change log every `every` for as long as the server runs, and wakes the webhook
/// workers when a change comes of age for announcing.
pub fn spawn_follower(state: AppState, every: Duration) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut announced = state.reads.announceable();
        loop {
            ticks.tick().await;
            if let Err(error) = follow_changes(&state).await {
                tracing::warn!(%error, "cannot read the change log; will retry");
            }
            let now = state.reads.announceable();
            if now != announced {
                announced = now;
                state.webhooks.wake();
            }
        }
    });
}
