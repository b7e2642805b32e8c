//! The one-time fill of the search index for rows written before it (or before its layout changed), inline or in the background (decision 0013).

use super::*;

/// The name under which filling the index for existing rows is recorded. A migration that
/// changes the index's layout empties it and the step's name changes with it.
pub(super) const BACKFILL: &str = "search-index-3";

/// Items read per transaction by the fill: short turns, so writes wait little behind it.
pub const FILL_BATCH: i64 = 500;

/// Whether the one-time fill for rows written before the index (or its layout) is still to do.
pub fn fill_pending(conn: &mut DbConnection) -> QueryResult<bool> {
    use crate::db::schema::maintenance_steps;
    let done: i64 = maintenance_steps::table
        .filter(maintenance_steps::name.eq(BACKFILL))
        .count()
        .get_result(conn)?;
    Ok(done == 0)
}

/// How many items the fill reads: every item that is not deleted.
pub fn fill_size(conn: &mut DbConnection) -> QueryResult<u64> {
    let mut total = 0;
    for kind in Kind::ALL {
        let (table, _, _) = kind.table();
        let counted: Total = diesel::sql_query(format!(
            "SELECT count(*) AS total FROM {table} WHERE deleted_at IS NULL"
        ))
        .get_result(conn)?;
        total += counted.total.max(0) as u64;
    }
    Ok(total)
}

/// One batch of the fill.
pub struct Filled {
    /// The last id read: the next batch starts after it.
    pub last: i64,
    pub read: u64,
    pub added: u64,
}

/// Adds the missing rows of up to `limit` items of `kind` with ids after `after`; `None` when
/// the kind has no more. Rows present are kept:
/// a write since the layout changed made them, from the item as it is.
pub fn fill_batch(
    conn: &mut DbConnection,
    kind: Kind,
    after: i64,
    limit: i64,
) -> QueryResult<Option<Filled>> {
    let (table, _, _) = kind.table();
    let backend = conn.backend();
    let ids: Vec<Id> = diesel::sql_query(numbered(
        backend,
        &format!("SELECT id FROM {table} WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?"),
    ))
    .bind::<BigInt, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
        return Ok(None);
    };
    let present = match backend {
        Backend::Sqlite => format!(
            "SELECT rowid - {base} AS id FROM search_index WHERE rowid BETWEEN ? AND ?",
            base = kind.base()
        ),
        Backend::Postgres => format!(
            "SELECT item_id AS id FROM search_index WHERE kind = {} AND item_id BETWEEN $1 AND $2",
            kind.code()
        ),
    };
    let offset = match backend {
        Backend::Sqlite => kind.base(),
        Backend::Postgres => 0,
    };
    let present: std::collections::HashSet<i64> = diesel::sql_query(present)
        .bind::<BigInt, _>(offset + first.id)
        .bind::<BigInt, _>(offset + last.id)
        .load::<Id>(conn)?
        .into_iter()
        .map(|row| row.id)
        .collect();
    let missing: Vec<i64> = ids
        .iter()
        .map(|row| row.id)
        .filter(|id| !present.contains(id))
        .collect();
    let mut added = 0;
    let documents = documents(conn, kind, &missing)?;
    for (id, document) in &documents {
        insert(conn, kind, *id, document, Conflict::Keep)?;
        added += 1;
    }
    record_terms(conn, &terms_of(documents.iter().map(|(_, d)| d)))?;
    Ok(Some(Filled {
        last: last.id,
        read: ids.len() as u64,
        added,
    }))
}

/// Records the fill as done: from then on start-up only reads `maintenance_steps`.
pub fn finish_fill(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
    // Two instances filling in the background both finish: the step is recorded once.
    let backend = conn.backend();
    diesel::sql_query(numbered(
        backend,
        "INSERT INTO maintenance_steps (name, done_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
    ))
    .bind::<diesel::sql_types::Text, _>(BACKFILL)
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .execute(conn)?;
    Ok(())
}

/// Does the whole fill now, a batch per transaction, and records it; `progress` hears the
/// number of items read so far. Returns how many rows were added.
pub fn fill(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    progress: &dyn Fn(u64),
) -> QueryResult<u64> {
    let mut added = 0;
    let mut read = 0;
    for kind in Kind::ALL {
        let mut after = 0;
        while let Some(filled) = conn.transaction(|conn| {
            // Hold SQLite's write lock from the start: a batch reads, then writes, and a
            // transaction that reads first cannot wait for a concurrent writer.
            crate::db::take_write_lock(conn)?;
            fill_batch(conn, kind, after, FILL_BATCH)
        })? {
            after = filled.last;
            added += filled.added;
            read += filled.read;
            progress(read);
        }
    }
    finish_fill(conn, now)?;
    // PostgreSQL plans by statistics: without them, right after a bulk fill, a common word was
    // planned as a rare one (a bitmap of every match, then a sort: 0.63 s instead of 3 ms).
    if let DbConnection::Pg(c) = conn {
        c.batch_execute("ANALYZE search_index; ANALYZE search_terms")?;
    }
    Ok(added)
}

/// Where the one-time fill stands, shared by the requests that search: until it is complete
/// they answer `503 search-filling` rather than results that miss older content.
#[derive(Debug, Default)]
pub struct FillState {
    pending: std::sync::atomic::AtomicBool,
    read: std::sync::atomic::AtomicU64,
    total: std::sync::atomic::AtomicU64,
}

impl FillState {
    /// Nothing to fill.
    pub fn complete() -> std::sync::Arc<FillState> {
        std::sync::Arc::new(FillState::default())
    }

    /// The fill of `total` items has begun: search waits for it.
    pub fn begin(&self, total: u64) {
        use std::sync::atomic::Ordering;
        self.read.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.pending.store(true, Ordering::Release);
    }

    /// `read` items are done; returns how many were done before.
    pub fn progress(&self, read: u64) -> u64 {
        self.read.swap(read, std::sync::atomic::Ordering::Relaxed)
    }

    /// The fill is complete: search answers.
    pub fn finish(&self) {
        self.pending
            .store(false, std::sync::atomic::Ordering::Release);
    }

    /// `Err(SearchFilling)` while the fill runs.
    pub fn check(&self) -> Result<(), crate::error::ApiError> {
        use std::sync::atomic::Ordering::Relaxed;
        match self.pending.load(std::sync::atomic::Ordering::Acquire) {
            false => Ok(()),
            true => Err(crate::error::ApiError::SearchFilling {
                filled: self.read.load(Relaxed),
                total: self.total.load(Relaxed),
            }),
        }
    }
}

/// Fills what the index lacks: at once when it is at most `inline` items (a new or small
/// database: start-up waits a moment), otherwise on a thread of its own while the service
/// answers everything but search (decision 0013).
pub fn start_fill(
    pool: &crate::db::DbPool,
    inline: u64,
) -> Result<std::sync::Arc<FillState>, crate::db::DbSetupError> {
    let mut conn = pool.get()?;
    if !fill_pending(&mut conn)? {
        return Ok(FillState::complete());
    }
    let total = fill_size(&mut conn)?;
    if total <= inline {
        let added = fill(&mut conn, chrono::Utc::now().naive_utc(), &|_| {})?;
        tracing::info!(added, "filled the search index for existing rows (once)");
        return Ok(FillState::complete());
    }
    drop(conn);
    let state = FillState::complete();
    state.begin(total);
    let pool = pool.clone();
    let shared = state.clone();
    tracing::info!(
        total,
        "filling the search index in the background; search answers 503 until it is done"
    );
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let tenth = (total / 10).max(1);
        loop {
            let done = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                let progress = |read: u64| {
                    let before = shared.progress(read);
                    if read / tenth != before / tenth {
                        tracing::info!(read, total, "filling the search index");
                    }
                };
                fill(&mut conn, chrono::Utc::now().naive_utc(), &progress)
                    .map_err(|e| e.to_string())
            });
            match done {
                Ok(added) => {
                    shared.finish();
                    tracing::info!(
                        added,
                        seconds = started.elapsed().as_secs(),
                        "filled the search index for existing rows (once); search answers"
                    );
                    return;
                }
                // A batch that met a writer (SQLite) or a lost connection: the rows it added
                // are kept, the next pass skips them.
                Err(error) => {
                    tracing::warn!(%error, "filling the search index failed; retrying");
                    std::thread::sleep(std::time::Duration::from_secs(1));
                }
            }
        }
    });
    Ok(state)
}
