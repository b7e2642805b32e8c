//! Where a node's anonymous reads go, and when it may announce a change (decision 0027).
//!
//! With `NEWSROOM_READ_DATABASE_URL`, anonymous reads run on a streaming replica while it is
//! reachable, no more than `NEWSROOM_READ_MAX_LAG` behind, and has replayed everything this node
//! knows the primary committed: the primary's WAL position after each of this node's writes,
//! and at each look at the change log that found other nodes' changes. Until it has, reads run on
//! the primary, so a response this node builds (and caches) is never older than a change it has
//! seen. A read the replica fails with a server error runs again on the primary, and the replica
//! is left alone until its next look shows it well.
//!
//! Announcements (the change feed, webhooks) wait `announce_delay` after this node first saw a
//! change: long enough for every node to have looked at the change log since, so a reader
//! who follows an announcement to any node finds the change there.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{DbConnection, DbPool};
use crate::error::ApiError;

/// How a node reads and announces: the replica it may read from, and the announcement delay.
pub struct ReadSettings {
    pub replica_url: Option<String>,
    pub replica_pool_size: u32,
    pub max_lag: Duration,
    pub announce_delay: Duration,
}

impl Default for ReadSettings {
    /// Everything on the primary, announced at once: one node on its own database.
    fn default() -> Self {
        ReadSettings {
            replica_url: None,
            replica_pool_size: 8,
            max_lag: Duration::from_secs(5),
            announce_delay: Duration::ZERO,
        }
    }
}

/// A read's database work: re-runnable (`Clone`), as the primary runs it again when the
/// replica failed it.
pub trait ReadWork<T>:
    FnOnce(&mut DbConnection) -> Result<T, ApiError> + Clone + Send + 'static
{
}

impl<T, F> ReadWork<T> for F where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Clone + Send + 'static
{
}

/// The replica's state at its last look.
struct Replica {
    pool: DbPool,
    max_lag: Duration,
    /// Its replay position (bytes of WAL) at the last look.
    replayed: AtomicI64,
    /// Reachable and within `max_lag` at the last look, and no failed read since.
    usable: AtomicBool,
    /// The primary's positions at past looks, oldest first: the lag is the age of the oldest
    /// one the replica has not replayed.
    ahead: Mutex<VecDeque<(Instant, i64)>>,
    /// Why it is not used, when it is not.
    trouble: Mutex<Option<String>>,
    lag_ms: AtomicU64,
}

/// Where anonymous reads go, and what this node may announce.
pub struct Reads {
    replica: Option<Replica>,
    /// The primary's WAL position replica reads must have reached.
    required: AtomicI64,
    announce_delay: Duration,
    /// Change-log heads this node saw, with when it first saw each, not yet announceable.
    pending: Mutex<VecDeque<(Instant, i64)>>,
    /// The newest change every node has had time to see.
    settled: AtomicI64,
    /// Reads served by each database: primary, replica.
    served: [AtomicU64; 2],
    /// Their series in the metrics, found once.
    counters: [prometheus::IntCounter; 2],
}

/// What `/readyz` says about reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ReadsReport {
    /// `primary` or `replica`: where anonymous reads go now.
    #[schema(example = "replica")]
    pub reads_from: &'static str,
    /// Why the replica is not used (absent when it is, or when there is none).
    #[schema(example = "the replica is 7.2 s behind (at most 5 s)")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_problem: Option<String>,
    /// How far behind the replica was at its last look, in milliseconds.
    #[schema(example = 12)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_lag_ms: Option<u64>,
}

/// The most primary positions kept for the lag (four looks a second: over four minutes).
const MAX_AHEAD: usize = 1024;

/// How long a look at the replica may take before it counts as unreachable.
const LOOK_TIMEOUT: Duration = Duration::from_secs(1);

thread_local! {
    /// Set while work runs on a replica connection: nothing may be written.
    static ON_REPLICA: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the work on this thread runs on the read replica (writes would fail there).
pub fn on_replica() -> bool {
    ON_REPLICA.with(|on| on.get())
}

/// The primary's WAL position in bytes (PostgreSQL; `None` on SQLite).
pub fn position(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    match conn {
        DbConnection::Pg(c) => diesel::select(diesel::dsl::sql::<Nullable<BigInt>>(
            "(pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint",
        ))
        .get_result(c),
        DbConnection::Sqlite(_) => Ok(None),
    }
}

/// A replica's replay position (or, when it is not in recovery, its own write position).
fn replayed(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    match conn {
        DbConnection::Pg(c) => diesel::select(diesel::dsl::sql::<Nullable<BigInt>>(
            "(COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_lsn()) - '0/0'::pg_lsn)::bigint",
        ))
        .get_result(c),
        DbConnection::Sqlite(_) => Ok(None),
    }
}

impl Reads {
    /// A node's reads: the replica's pool is opened without waiting for it (a replica down at
    /// start leaves reads on the primary until it answers).
    pub fn new(settings: ReadSettings, head: i64) -> Result<Reads, super::DbSetupError> {
        let replica = match settings.replica_url.as_deref() {
            None => None,
            Some(url) => Some(Replica {
                pool: super::replica_pool(url, settings.replica_pool_size.max(1))?,
                max_lag: settings.max_lag,
                replayed: AtomicI64::new(-1),
                usable: AtomicBool::new(false),
                ahead: Mutex::new(VecDeque::new()),
                trouble: Mutex::new(Some("not looked at yet".into())),
                lag_ms: AtomicU64::new(0),
            }),
        };
        Ok(Reads {
            replica,
            required: AtomicI64::new(0),
            announce_delay: settings.announce_delay,
            pending: Mutex::new(VecDeque::new()),
            settled: AtomicI64::new(head),
            served: Default::default(),
            counters: ["primary", "replica"].map(|database| {
                crate::metrics::METRICS
                    .database_reads
                    .with_label_values(&[database])
            }),
        })
    }

    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// The replica, when anonymous reads may go there now: reachable, within the lag bound,
    /// and known to have replayed what this node requires.
    fn replica_now(&self) -> Option<&Replica> {
        self.replica.as_ref().filter(|r| {
            r.usable.load(Ordering::SeqCst)
                && r.replayed.load(Ordering::SeqCst) >= self.required.load(Ordering::SeqCst)
        })
    }

    /// Runs an anonymous read: on the replica when it may serve it, else (or when the replica
    /// fails it with a server error) on the primary. When the replica's last look shows it
    /// behind this node's requirement, the read asks it first, on the same connection, how far
    /// it has replayed since (one statement; replay on a healthy replica takes milliseconds,
    /// looks come every 250): a read goes to the primary only while the replica really lacks a
    /// change this node saw.
    pub async fn run<T: Send + 'static>(
        &self,
        primary: &DbPool,
        work: impl ReadWork<T>,
    ) -> Result<T, ApiError> {
        let usable = self
            .replica
            .as_ref()
            .filter(|r| r.usable.load(Ordering::SeqCst));
        if let Some(replica) = usable {
            let required = self.required.load(Ordering::SeqCst);
            let check = (replica.replayed.load(Ordering::SeqCst) < required).then_some(required);
            let attempt = work.clone();
            let done = super::run(&replica.pool, move |conn| {
                let mut position = None;
                if let Some(required) = check {
                    let at = replayed(conn)?.unwrap_or(-1);
                    if at < required {
                        return Ok(Err(at));
                    }
                    position = Some(at);
                }
                ON_REPLICA.with(|on| on.set(true));
                let done = attempt(conn);
                ON_REPLICA.with(|on| on.set(false));
                done.map(|value| Ok((value, position)))
            })
            .await;
            match done {
                Ok(Ok((value, position))) => {
                    if let Some(position) = position {
                        replica.replayed.fetch_max(position, Ordering::SeqCst);
                    }
                    self.count(1);
                    return Ok(value);
                }
                // Still behind: the primary serves this one.
                Ok(Err(position)) => {
                    replica.replayed.fetch_max(position, Ordering::SeqCst);
                }
                Err(e) if !actix_web::ResponseError::status_code(&e).is_server_error() => {
                    self.count(1);
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a read failed on the replica; reading from the primary");
                    replica.set_trouble(format!("a read failed on it: {e}"));
                }
            }
        }
        self.count(0);
        super::run(primary, work).await
    }

    fn count(&self, database: usize) {
        self.served[database].fetch_add(1, Ordering::Relaxed);
        self.counters[database].inc();
    }

    /// Reads served by the primary and by the replica since start.
    pub fn served(&self) -> (u64, u64) {
        (
            self.served[0].load(Ordering::Relaxed),
            self.served[1].load(Ordering::Relaxed),
        )
    }

    /// This node committed change `seq`, leaving the primary at `position`: replica reads wait
    /// for it. Call before clearing the response cache.
    pub fn wrote(&self, seq: Option<i64>, position: Option<i64>) {
        if let Some(position) = position {
            self.required.fetch_max(position, Ordering::SeqCst);
        }
        if let Some(seq) = seq {
            self.saw(seq);
        }
    }

    /// A look at the primary found the change log at `head` and the WAL at `position`.
    /// Returns whether the head moved past what this node had seen.
    pub fn looked_at_primary(&self, head: i64, position: Option<i64>) -> bool {
        if let Some(position) = position {
            if let Some(replica) = &self.replica {
                let mut ahead = replica.ahead.lock().unwrap_or_else(|e| e.into_inner());
                if ahead.back().is_none_or(|(_, last)| *last < position) {
                    if ahead.len() == MAX_AHEAD {
                        ahead.pop_front();
                    }
                    ahead.push_back((Instant::now(), position));
                }
            }
        }
        // Only a change this node had not seen holds replica reads back: the WAL also moves for
        // what no reader sees (visit counts, other databases), which must not.
        let moved = self.saw(head);
        if let Some(position) = position.filter(|_| moved) {
            self.required.fetch_max(position, Ordering::SeqCst);
        }
        moved
    }

    /// Notes that `head` exists; whether it is newer than anything seen.
    fn saw(&self, head: i64) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let newest = pending
            .back()
            .map_or(self.settled.load(Ordering::SeqCst), |(_, h)| *h);
        if head <= newest {
            return false;
        }
        if self.announce_delay.is_zero() {
            self.settled.fetch_max(head, Ordering::SeqCst);
        } else {
            pending.push_back((Instant::now(), head));
        }
        true
    }

    /// The newest change that may be announced (`None`: no bound, announcements wait for
    /// nothing). Moves on as pending changes come of age.
    pub fn announceable(&self) -> Option<i64> {
        if self.announce_delay.is_zero() {
            return None;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        while let Some((at, head)) = pending.front().copied() {
            if at.elapsed() < self.announce_delay {
                break;
            }
            self.settled.fetch_max(head, Ordering::SeqCst);
            pending.pop_front();
        }
        Some(self.settled.load(Ordering::SeqCst))
    }

    /// How long until the oldest pending change may be announced (`None`: none pending).
    pub fn next_announcement_in(&self) -> Option<Duration> {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending
            .front()
            .map(|(at, _)| self.announce_delay.saturating_sub(at.elapsed()))
    }

    /// Looks at the replica: its replay position, hence its lag; usable again when it answers
    /// and is within the bound. Without a replica, nothing.
    pub async fn look_at_replica(&self) {
        let Some(replica) = &self.replica else {
            return;
        };
        let look = super::run(&replica.pool, |conn| Ok(replayed(conn)?));
        let position = match actix_web::rt::time::timeout(LOOK_TIMEOUT, look).await {
            Ok(Ok(Some(position))) => position,
            Ok(Ok(None)) => return replica.set_trouble("it has no WAL position".into()),
            Ok(Err(e)) => return replica.set_trouble(format!("it cannot be reached: {e}")),
            Err(_) => {
                return replica.set_trouble(format!(
                    "it did not answer within {} s",
                    LOOK_TIMEOUT.as_secs()
                ))
            }
        };
        replica.replayed.fetch_max(position, Ordering::SeqCst);
        let lag = {
            let mut ahead = replica.ahead.lock().unwrap_or_else(|e| e.into_inner());
            while ahead.front().is_some_and(|(_, p)| *p <= position) {
                ahead.pop_front();
            }
            ahead.front().map_or(Duration::ZERO, |(at, _)| at.elapsed())
        };
        replica
            .lag_ms
            .store(lag.as_millis() as u64, Ordering::Relaxed);
        crate::metrics::METRICS
            .replica_lag_seconds
            .set(lag.as_secs_f64());
        if lag > replica.max_lag {
            replica.set_trouble(format!(
                "the replica is {:.1} s behind (at most {:.1} s)",
                lag.as_secs_f64(),
                replica.max_lag.as_secs_f64()
            ));
        } else {
            let mut trouble = replica.trouble.lock().unwrap_or_else(|e| e.into_inner());
            if trouble.take().is_some() {
                tracing::info!(
                    lag_ms = lag.as_millis() as u64,
                    "reading from the replica again"
                );
            }
            replica.usable.store(true, Ordering::SeqCst);
        }
    }

    /// Where reads go now and, when not to the replica, why.
    pub fn report(&self) -> ReadsReport {
        let Some(replica) = &self.replica else {
            return ReadsReport {
                reads_from: "primary",
                replica_problem: None,
                replica_lag_ms: None,
            };
        };
        let now = self.replica_now().is_some();
        let problem = match replica.usable.load(Ordering::SeqCst) {
            true if !now => Some("it has not yet replayed this node's latest changes".into()),
            true => None,
            false => replica
                .trouble
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        };
        ReadsReport {
            reads_from: if now { "replica" } else { "primary" },
            replica_problem: problem,
            replica_lag_ms: Some(replica.lag_ms.load(Ordering::Relaxed)),
        }
    }
}

impl Replica {
    fn set_trouble(&self, why: String) {
        let was_usable = self.usable.swap(false, Ordering::SeqCst);
        if was_usable {
            tracing::warn!(why = %why, "reading from the primary");
        }
        *self.trouble.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }
}
