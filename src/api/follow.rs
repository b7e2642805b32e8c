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
    let moved = look_at_primary(state).await?;
    state.reads.look_at_replica().await;
    Ok(moved)
}

/// The look at the primary: the change log's head and, with a replica, the WAL position.
async fn look_at_primary(state: &AppState) -> Result<bool, ApiError> {
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
    Ok(state.cache.follow(head))
}

/// Looks at the change log every `every` for as long as the server runs, and wakes the webhook
/// workers when a change comes of age for announcing. The replica is looked at in a loop of its
/// own: one that does not answer (a second's timeout) must not space out the primary's looks,
/// which the announcement delay counts on.
pub fn spawn_follower(state: AppState, every: Duration) {
    let primary = state.clone();
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut announced = primary.reads.announceable();
        loop {
            ticks.tick().await;
            if let Err(error) = look_at_primary(&primary).await {
                tracing::warn!(%error, "cannot read the change log; will retry");
            }
            let now = primary.reads.announceable();
            if now != announced {
                announced = now;
                primary.webhooks.wake();
            }
        }
    });
    if state.reads.has_replica() {
        actix_web::rt::spawn(async move {
            let mut ticks = actix_web::rt::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                state.reads.look_at_replica().await;
            }
        });
    }
}
