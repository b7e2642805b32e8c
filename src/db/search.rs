//! The search index (migration 000010, decision 0013): one row per searchable item with its
//! words folded and exact, kept by the same transaction as every write of the item. SQLite
//! matches with FTS5, PostgreSQL with a GIN-indexed `tsvector`; both only split the words this
//! module wrote, so both match the same words. Ranking is not theirs: `domain::search::score`.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::{articles, events, organizations, people, person_aliases, positions};
use super::{Backend, DbConnection, Viewer};
use crate::domain::search::{exact_text, folded_pairs, folded_text, score, Field, Query};

/// What can be searched, with its code in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Article = 0,
    Event = 1,
    Person = 2,
    Organization = 3,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Article, Kind::Event, Kind::Person, Kind::Organization];

    /// The `type` of a search result.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Event => "event",
            Kind::Person => "person",
            Kind::Organization => "organization",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kind a collection's items are, if they are searchable (its descriptor says so, and
    /// a test checks that every searchable descriptor has a kind).
    pub fn of_collection(collection: &str) -> Option<Kind> {
        let resource = crate::domain::resources::by_collection(collection)?;
        if !resource.searchable {
            return None;
        }
        Kind::parse(resource.kind)
    }

    fn code(self) -> i64 {
        self as i64
    }

    /// The first SQLite rowid of the kind: rowid = kind × 2⁴⁰ + item id, so each kind is one
    /// range of the FTS5 table and a search of one kind never walks another's matches.
    fn base(self) -> i64 {
        self.code() << 40
    }

    /// The table, its recency column for ties (none: the id decides), and its visibility
    /// condition for anonymous callers (`?` is the moment).
    fn table(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::Article => (
                "articles",
                "published_at",
                "t.status = 'published' AND t.published_at <= ?",
            ),
            Kind::Event => ("events", "starts_on", ""),
            Kind::Person => ("people", "", ""),
            Kind::Organization => ("organizations", "", ""),
        }
    }
}

/// The texts of an item that search reads: a title (or names), a lead, a body.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub lead: String,
    pub body: String,
}

/// The item's searchable texts as stored now; `None` when it is deleted or missing.
pub fn document(conn: &mut DbConnection, kind: Kind, id: i64) -> QueryResult<Option<Document>> {
    let join = |parts: Vec<Option<String>>| -> String {
        parts
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    Ok(match kind {
        Kind::Article => articles::table
            .find(id)
            .filter(articles::deleted_at.is_null())
            .select((articles::title, articles::lead, articles::body))
            .first::<(String, Option<String>, String)>(conn)
            .optional()?
            .map(|(title, lead, body)| article_document(title, lead, &body)),
        Kind::Event => events::table
            .find(id)
            .filter(events::deleted_at.is_null())
            .select((
                events::name,
                events::name_en,
                events::short_name,
                events::theme,
                events::description,
            ))
            .first::<(
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            )>(conn)
            .optional()?
            .map(|(name, name_en, short_name, theme, description)| Document {
                title: join(vec![Some(name), name_en, short_name]),
                lead: theme.unwrap_or_default(),
                body: description.unwrap_or_default(),
            }),
        Kind::Person => {
            let Some((name, honorific, bio)) = people::table
                .find(id)
                .filter(people::deleted_at.is_null())
                .select((people::name, people::honorific, people::bio))
                .first::<(String, Option<String>, Option<String>)>(conn)
                .optional()?
            else {
                return Ok(None);
            };
            let aliases: Vec<String> = person_aliases::table
                .filter(person_aliases::person_id.eq(id))
                .order(person_aliases::position)
                .select(person_aliases::name)
                .load(conn)?;
            let held: Vec<(String, Option<String>)> = positions::table
                .filter(positions::person_id.eq(id))
                .order(positions::position)
                .select((positions::title, positions::title_en))
                .load(conn)?;
            let mut names = vec![Some(name)];
            names.extend(aliases.into_iter().map(Some));
            let mut lead = vec![honorific];
            for (title, title_en) in held {
                lead.push(Some(title));
                lead.push(title_en);
            }
            Some(Document {
                title: join(names),
                lead: join(lead),
                body: bio.unwrap_or_default(),
            })
        }
        Kind::Organization => organizations::table
            .find(id)
            .filter(organizations::deleted_at.is_null())
            .select((
                organizations::name,
                organizations::name_en,
                organizations::short_name,
                organizations::description,
            ))
            .first::<(String, Option<String>, Option<String>, Option<String>)>(conn)
            .optional()?
            .map(|(name, name_en, short_name, description)| Document {
                title: join(vec![Some(name), name_en, short_name]),
                lead: String::new(),
                body: description.unwrap_or_default(),
            }),
    })
}

/// The searchable texts of several items (those not deleted), by id: articles, most of any
/// database, in one query; the rest one by one.
fn documents(
    conn: &mut DbConnection,
    kind: Kind,
    ids: &[i64],
) -> QueryResult<Vec<(i64, Document)>> {
    if kind != Kind::Article {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(document) = document(conn, kind, *id)? {
                found.push((*id, document));
            }
        }
        return Ok(found);
    }
    let rows: Vec<(i64, String, Option<String>, String)> = articles::table
        .filter(articles::id.eq_any(ids))
        .filter(articles::deleted_at.is_null())
        .select((
            articles::id,
            articles::title,
            articles::lead,
            articles::body,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, lead, body)| (id, article_document(title, lead, &body)))
        .collect())
}

/// An article's searchable texts from its stored columns.
fn article_document(title: String, lead: Option<String>, body: &str) -> Document {
    let blocks: Vec<crate::domain::body::Block> = serde_json::from_str(body).unwrap_or_default();
    Document {
        title,
        lead: lead.unwrap_or_default(),
        body: crate::domain::body::to_text(&blocks),
    }
}

/// Writes the item's row of the index as the item now stands (removes it when deleted). Called
/// inside the write's transaction.
pub fn reindex(conn: &mut DbConnection, kind: Kind, id: i64) -> QueryResult<()> {
    let document = document(conn, kind, id)?;
    let rowid = kind.base() + id;
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query("DELETE FROM search_index WHERE rowid = ?")
            .bind::<BigInt, _>(rowid)
            .execute(c)?,
        DbConnection::Pg(c) => {
            diesel::sql_query("DELETE FROM search_index WHERE kind = $1 AND item_id = $2")
                .bind::<diesel::sql_types::SmallInt, _>(kind.code() as i16)
                .bind::<BigInt, _>(id)
                .execute(c)?
        }
    };
    match document {
        Some(document) => {
            insert(conn, kind, id, &document, Conflict::Replace)?;
            record_terms(conn, &terms_of([&document]))
        }
        None => Ok(()),
    }
}

/// What an insert does when the item has a row already: a write's row replaces it (the fill
/// may have added one from before the write), the fill's row gives way (a write was first).
#[derive(Clone, Copy, PartialEq)]
enum Conflict {
    Replace,
    Keep,
}

/// Adds the item's row. On SQLite writers take turns, so the caller knows there is none; on
/// PostgreSQL the fill and a write may meet, and `conflict` says who wins.
fn insert(
    conn: &mut DbConnection,
    kind: Kind,
    id: i64,
    d: &Document,
    conflict: Conflict,
) -> QueryResult<()> {
    // Pairs of each field, never across two: a phrase is inside one field, as the words are.
    let mut pairs = folded_pairs(&d.title);
    pairs.extend(folded_pairs(&d.lead));
    pairs.extend(folded_pairs(&d.body));
    let (sql, pairs) = match conn {
        DbConnection::Sqlite(_) => (
            "INSERT INTO search_index \
             (rowid, title, lead, body, title_exact, lead_exact, body_exact, pairs) \
             VALUES (? + ? * 1099511627776, ?, ?, ?, ?, ?, ?, ?)",
            pairs.join(" "),
        ),
        DbConnection::Pg(_) => (
            "INSERT INTO search_index \
             (item_id, kind, title, lead, body, title_exact, lead_exact, body_exact, pairs) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS tsvector)) \
             ON CONFLICT (kind, item_id) DO NOTHING",
            pairs_vector(&pairs),
        ),
    };
    let sql = match (conn.backend(), conflict) {
        (Backend::Postgres, Conflict::Replace) => sql.replace(
            "DO NOTHING",
            "DO UPDATE SET title = excluded.title, lead = excluded.lead, body = excluded.body, \
             title_exact = excluded.title_exact, lead_exact = excluded.lead_exact, \
             body_exact = excluded.body_exact, pairs = excluded.pairs",
        ),
        _ => sql.to_owned(),
    };
    diesel::sql_query(sql)
        .bind::<BigInt, _>(id)
        .bind::<diesel::sql_types::SmallInt, _>(kind.code() as i16)
        .bind::<Text, _>(folded_text(&d.title))
        .bind::<Text, _>(folded_text(&d.lead))
        .bind::<Text, _>(folded_text(&d.body))
        .bind::<Text, _>(exact_text(&d.title))
        .bind::<Text, _>(exact_text(&d.lead))
        .bind::<Text, _>(exact_text(&d.body))
        .bind::<Text, _>(pairs)
        .execute(conn)?;
    Ok(())
}

/// The distinct folded words of some documents, in byte order.
fn terms_of<'a>(documents: impl IntoIterator<Item = &'a Document>) -> Vec<String> {
    let mut terms = std::collections::BTreeSet::new();
    for d in documents {
        for text in [&d.title, &d.lead, &d.body] {
            terms.extend(
                crate::domain::search::words(text)
                    .into_iter()
                    .map(|w| w.folded),
            );
        }
    }
    terms.into_iter().collect()
}

/// Adds words to `search_terms` (those known already are skipped). In byte order, so that two
/// writers adding the same new words on PostgreSQL never wait for each other in a circle.
fn record_terms(conn: &mut DbConnection, terms: &[String]) -> QueryResult<()> {
    if terms.is_empty() {
        return Ok(());
    }
    let sql = match conn.backend() {
        Backend::Sqlite => {
            "INSERT OR IGNORE INTO search_terms (term) SELECT value FROM json_each(?) ORDER BY value"
        }
        Backend::Postgres => {
            "INSERT INTO search_terms (term) \
             SELECT jsonb_array_elements_text(CAST($1 AS jsonb)) ON CONFLICT DO NOTHING"
        }
    };
    let json = serde_json::to_string(terms).unwrap_or_else(|_| "[]".to_owned());
    diesel::sql_query(sql).bind::<Text, _>(json).execute(conn)?;
    Ok(())
}

/// A one-word prefix stands for at most this many words; one that begins more (a letter or two
/// typed) is left to the index's own prefix match, which gathers every list it begins.
const MAX_COMPLETIONS: usize = 64;

#[derive(QueryableByName)]
struct Term {
    #[diesel(sql_type = Text)]
    term: String,
}

/// The words the query's last phrase stands for when it is one word typed as a prefix (`mang`:
/// `mang`, `mangan`), from `search_terms`, so that the index reads each word's list from its
/// newest end instead of gathering the prefix's lists whole (a common syllable's prefix cost
/// 0.15 s at 100k articles). `None` when there is no such phrase or it begins too many words.
fn completions(conn: &mut DbConnection, query: &Query) -> QueryResult<Option<Vec<String>>> {
    let Some(last) = query.phrases.last() else {
        return Ok(None);
    };
    if !last.prefix || last.folded.len() != 1 {
        return Ok(None);
    }
    let prefix = &last.folded[0];
    let backend = conn.backend();
    let terms: Vec<Term> = diesel::sql_query(numbered(
        backend,
        "SELECT term FROM search_terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?",
    ))
    .bind::<Text, _>(prefix)
    .bind::<Text, _>(format!("{prefix}\u{10FFFF}"))
    .bind::<BigInt, _>(MAX_COMPLETIONS as i64 + 1)
    .load(conn)?;
    Ok((terms.len() <= MAX_COMPLETIONS).then(|| terms.into_iter().map(|t| t.term).collect()))
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Indexes every item of every kind again; returns how many items are indexed.
pub fn reindex_all(conn: &mut DbConnection) -> QueryResult<u64> {
    match conn {
        DbConnection::Sqlite(c) => {
            c.batch_execute("DELETE FROM search_index; DELETE FROM search_terms")?
        }
        DbConnection::Pg(c) => {
            c.batch_execute("DELETE FROM search_index; DELETE FROM search_terms")?
        }
    }
    let mut indexed = 0;
    for kind in Kind::ALL {
        let mut after = 0;
        while let Some(filled) = fill_batch(conn, kind, after, FILL_BATCH)? {
            after = filled.last;
            indexed += filled.added;
        }
    }
    Ok(indexed)
}

/// `reindex_all` in one transaction (`newsroom reindex`), which also completes a pending fill.
pub fn reindex_all_now(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<u64> {
    conn.transaction(|conn| {
        let indexed = reindex_all(conn)?;
        if fill_pending(conn)? {
            finish_fill(conn, now)?;
        }
        Ok(indexed)
    })
}

/// The name under which filling the index for existing rows is recorded. A migration that
/// changes the index's layout empties it and the step's name changes with it.
const BACKFILL: &str = "search-index-3";

/// Items read per transaction by the fill: short turns, so writes wait little behind it.
pub const FILL_BATCH: i64 = 500;

/// Whether the one-time fill for rows written before the index (or its layout) is still to do.
pub fn fill_pending(conn: &mut DbConnection) -> QueryResult<bool> {
    use super::schema::maintenance_steps;
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
    use super::schema::maintenance_steps;
    diesel::insert_into(maintenance_steps::table)
        .values((
            maintenance_steps::name.eq(BACKFILL),
            maintenance_steps::done_at.eq(now),
        ))
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
            super::take_write_lock(conn)?;
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
    pool: &super::DbPool,
    inline: u64,
) -> Result<std::sync::Arc<FillState>, super::DbSetupError> {
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

/// A matching item, with the words ranking reads.
#[derive(Debug, QueryableByName)]
pub struct Candidate {
    #[diesel(sql_type = BigInt)]
    pub item_id: i64,
    /// The publish time (articles) or start day (events) as sortable text; empty otherwise.
    #[diesel(sql_type = Text)]
    pub recency: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub lead: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Text)]
    pub title_exact: String,
    #[diesel(sql_type = Text)]
    pub lead_exact: String,
    #[diesel(sql_type = Text)]
    pub body_exact: String,
}

/// How the index is asked for a query's items: a condition on `search_index s` with a `?` for
/// each bind (numbered on PostgreSQL by `numbered`), and the binds in order.
struct Match {
    condition: String,
    binds: Vec<String>,
}

/// Each phrase of two words or more is asked for by its pair tokens (`_an_ninh _ninh_mang`: short
/// lists even when each syllable is in most articles), a one-word phrase by its word; a prefix
/// is the last token's (`_vinh_ha _ha_lo*` finds `vịnh Hạ Long`). Every phrase is required.
/// `completions`: what a one-word prefix at the end stands for (`completions`).
fn match_of(backend: Backend, query: &Query, completions: Option<&[String]>) -> Match {
    match backend {
        Backend::Sqlite => Match {
            condition: "search_index MATCH ?".to_owned(),
            binds: vec![fts5_expression(query, completions)],
        },
        Backend::Postgres => {
            let (words, pairs) = tsquery_expressions(query, completions);
            let mut conditions = Vec::new();
            let mut binds = Vec::new();
            if let Some(words) = words {
                conditions.push("s.words @@ to_tsquery('simple', ?)");
                binds.push(words);
            }
            if let Some(pairs) = pairs {
                conditions.push("s.pairs @@ CAST(? AS tsquery)");
                binds.push(pairs);
            }
            Match {
                condition: conditions.join(" AND "),
                binds,
            }
        }
    }
}

/// The FTS5 expression of a query: each phrase quoted (its tokens are letters, digits and the
/// pair joiner `_`, so nothing in it is syntax), a prefix phrase followed by `*`, all required.
fn fts5_expression(query: &Query, completions: Option<&[String]>) -> String {
    query
        .phrases
        .iter()
        .map(|p| match (p.folded.len(), p.prefix, completions) {
            (1, true, Some(words)) => {
                let words = match words {
                    [] => vec![format!("\"{}\"", p.folded[0])],
                    words => words.iter().map(|w| format!("\"{w}\"")).collect(),
                };
                format!("{{title lead body}} : ({})", words.join(" OR "))
            }
            _ => {
                let (column, tokens) = match p.folded.len() {
                    1 => ("{title lead body}", p.folded.join(" ")),
                    _ => ("pairs", p.pairs().join(" ")),
                };
                let star = if p.prefix { " *" } else { "" };
                format!("{column} : \"{tokens}\"{star}")
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The two `tsquery` expressions of a query: one-word phrases over `words`, the pairs of the
/// longer ones over `pairs`, each token quoted, a phrase's pairs adjacent (`<->`), a prefix
/// ending in `:*`.
fn tsquery_expressions(
    query: &Query,
    completions: Option<&[String]>,
) -> (Option<String>, Option<String>) {
    let mut words = Vec::new();
    let mut pairs = Vec::new();
    for p in &query.phrases {
        let star = if p.prefix { ":*" } else { "" };
        match (p.folded.len(), p.prefix, completions) {
            (1, true, Some(found)) => {
                let found = match found {
                    [] => vec![format!("'{}'", p.folded[0])],
                    found => found.iter().map(|w| format!("'{w}'")).collect(),
                };
                words.push(format!("({})", found.join(" | ")));
            }
            (1, _, _) => words.push(format!("'{}'{star}", p.folded[0])),
            _ => pairs.push(format!(
                "({}{star})",
                p.pairs()
                    .iter()
                    .map(|t| format!("'{t}'"))
                    .collect::<Vec<_>>()
                    .join(" <-> ")
            )),
        }
    }
    let all = |parts: Vec<String>| (!parts.is_empty()).then(|| parts.join(" & "));
    (all(words), all(pairs))
}

/// The pair tokens of a document as a `tsvector` literal, positions in order (PostgreSQL: the
/// `pairs` column, written as Rust split it, as FTS5 receives it).
fn pairs_vector(pairs: &[String]) -> String {
    let mut vector = String::new();
    for (i, pair) in pairs.iter().enumerate() {
        if i > 0 {
            vector.push(' ');
        }
        // Positions above 16383 are 16383 to PostgreSQL: phrases deeper than that in a very
        // long body match as if their pairs were anywhere there.
        vector.push_str(&format!("'{pair}':{}", (i + 1).min(16383)));
    }
    vector
}

/// `?` placeholders as PostgreSQL numbers them (`$1`, `$2`, ...); SQLite keeps them.
fn numbered(backend: Backend, sql: &str) -> String {
    match backend {
        Backend::Sqlite => sql.to_owned(),
        Backend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// The SQL that finds `kind`'s matching items the viewer may see: `select` columns, then the
/// joins and conditions; binds are the match's, then the moment for anonymous viewers.
fn matching_sql(backend: Backend, kind: Kind, viewer: Viewer, select: &str, m: &Match) -> String {
    let (table, _, public) = kind.table();
    let mut conditions = vec![m.condition.clone(), "t.deleted_at IS NULL".to_owned()];
    if !viewer.previews && !public.is_empty() {
        conditions.push(public.to_owned());
    }
    let conditions = conditions.join(" AND ");
    match backend {
        Backend::Sqlite => format!(
            "SELECT {select} FROM search_index s JOIN {table} t ON t.id = s.rowid - {base} \
             WHERE {conditions} AND s.rowid BETWEEN {base} AND {last}",
            base = kind.base(),
            last = kind.base() + (1 << 40) - 1,
        ),
        Backend::Postgres => format!(
            "SELECT {select} FROM search_index s JOIN {table} t ON t.id = s.item_id \
             WHERE {conditions} AND s.kind = {code}",
            code = kind.code(),
        ),
    }
}

/// Whether anonymous viewers of `kind` are limited by the moment (a bind after the match's).
fn timed(kind: Kind, viewer: Viewer) -> bool {
    !viewer.previews && !kind.table().2.is_empty()
}

/// The last-created `limit` items of `kind` that match every phrase of the query (by the index:
/// the words are checked again when scored), last first. Creation order is the index's own
/// order, so the window costs the same whatever the number of matches (a sort by publish time
/// would read every match); each candidate carries its recency for ties.
pub fn candidates(
    conn: &mut DbConnection,
    kind: Kind,
    query: &Query,
    viewer: Viewer,
    limit: i64,
) -> QueryResult<Vec<Candidate>> {
    let backend = conn.backend();
    let (_, recency, _) = kind.table();
    // The index's own order: FTS5 walks its rowids backwards and stops at the limit (ordering
    // by an expression of the rowid made it sort every match: 300 ms for a common word at 100k).
    let (id, order) = match backend {
        Backend::Sqlite => (format!("s.rowid - {}", kind.base()), "s.rowid"),
        Backend::Postgres => ("s.item_id".to_owned(), "s.item_id"),
    };
    let recency = match recency {
        "" => "''".to_owned(),
        column => format!("COALESCE(CAST(t.{column} AS TEXT), '')"),
    };
    let select = format!(
        "{id} AS item_id, {recency} AS recency, \
         s.title, s.lead, s.body, s.title_exact, s.lead_exact, s.body_exact"
    );
    let completions = completions(conn, query)?;
    let m = match_of(backend, query, completions.as_deref());
    let sql = format!(
        "{} ORDER BY {order} DESC LIMIT ?",
        matching_sql(backend, kind, viewer, &select, &m)
    );
    let mut statement = diesel::sql_query(numbered(backend, &sql)).into_boxed();
    for bind in m.binds {
        statement = statement.bind::<Text, _>(bind);
    }
    if timed(kind, viewer) {
        statement = statement.bind::<Timestamp, _>(viewer.now);
    }
    statement.bind::<BigInt, _>(limit).load(conn)
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// How many items of `kind` the viewer may see match the query.
pub fn count(
    conn: &mut DbConnection,
    kind: Kind,
    query: &Query,
    viewer: Viewer,
) -> QueryResult<i64> {
    let backend = conn.backend();
    let completions = completions(conn, query)?;
    let m = match_of(backend, query, completions.as_deref());
    let sql = matching_sql(backend, kind, viewer, "count(*) AS total", &m);
    let mut statement = diesel::sql_query(numbered(backend, &sql)).into_boxed();
    for bind in m.binds {
        statement = statement.bind::<Text, _>(bind);
    }
    if timed(kind, viewer) {
        statement = statement.bind::<Timestamp, _>(viewer.now);
    }
    let total: Total = statement.get_result(conn)?;
    Ok(total.total)
}

/// Whether any row of the index holds the phrase: how a query without a whole-phrase match is
/// cut into the longest phrases that do exist (`api::search`).
pub fn exists(conn: &mut DbConnection, query: &Query) -> QueryResult<bool> {
    let backend = conn.backend();
    let completions = completions(conn, query)?;
    let m = match_of(backend, query, completions.as_deref());
    let sql = format!(
        "SELECT count(*) AS total FROM (SELECT 1 FROM search_index s WHERE {} LIMIT 1) AS found",
        m.condition
    );
    let mut statement = diesel::sql_query(numbered(backend, &sql)).into_boxed();
    for bind in m.binds {
        statement = statement.bind::<Text, _>(bind);
    }
    let total: Total = statement.get_result(conn)?;
    Ok(total.total > 0)
}

/// An item's slug and its title (an article) or name (the rest); `None` when it is gone.
pub fn label(
    conn: &mut DbConnection,
    kind: Kind,
    id: i64,
) -> QueryResult<Option<(String, String)>> {
    match kind {
        Kind::Article => articles::table
            .find(id)
            .select((articles::slug, articles::title))
            .first(conn)
            .optional(),
        Kind::Event => events::table
            .find(id)
            .select((events::slug, events::name))
            .first(conn)
            .optional(),
        Kind::Person => people::table
            .find(id)
            .select((people::slug, people::name))
            .first(conn)
            .optional(),
        Kind::Organization => organizations::table
            .find(id)
            .select((organizations::slug, organizations::name))
            .first(conn)
            .optional(),
    }
}

/// A condition on `id_column` (as SQL, `articles.id`): the item is one the index matches.
pub fn matching<QS>(
    backend: Backend,
    kind: Kind,
    id_column: &str,
    query: &Query,
) -> Box<dyn BoxableExpression<QS, super::MultiBackend, SqlType = diesel::sql_types::Bool>> {
    // No connection here: a one-word prefix is the index's own prefix match.
    let m = match_of(backend, query, None);
    let open = match backend {
        Backend::Sqlite => format!(
            "{id_column} IN (SELECT s.rowid - {base} FROM search_index s \
             WHERE s.rowid BETWEEN {base} AND {last} AND ",
            base = kind.base(),
            last = kind.base() + (1 << 40) - 1,
        ),
        Backend::Postgres => format!(
            "{id_column} IN (SELECT s.item_id FROM search_index s WHERE s.kind = {} AND ",
            kind.code()
        ),
    };
    // The condition's text between its binds: diesel numbers the binds itself here.
    let mut pieces = m.condition.split('?');
    let mut binds = m.binds.into_iter();
    let first = format!("{open}{}", pieces.next().unwrap_or_default());
    let condition = match (binds.next(), binds.next()) {
        (Some(a), None) => Box::new(
            diesel::dsl::sql::<diesel::sql_types::Bool>(&first)
                .bind::<Text, _>(a)
                .sql(&format!("{})", pieces.next().unwrap_or_default())),
        )
            as Box<dyn BoxableExpression<QS, super::MultiBackend, SqlType = _>>,
        (Some(a), Some(b)) => Box::new(
            diesel::dsl::sql::<diesel::sql_types::Bool>(&first)
                .bind::<Text, _>(a)
                .sql(pieces.next().unwrap_or_default())
                .bind::<Text, _>(b)
                .sql(&format!("{})", pieces.next().unwrap_or_default())),
        ),
        // A query always has a phrase, so a match has a bind; without one nothing matches.
        _ => Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0")),
    };
    condition
}

/// Matches ranked per type at most: relevance is judged among each type's newest matches, so a
/// query for a common word costs a bounded amount (decision 0013). Pages reach this far.
pub const WINDOW: i64 = 500;

/// Weights of a match in an item's title (names), lead (theme, positions) and body.
const WEIGHTS: [f64; 3] = [4.0, 2.0, 1.0];

/// A scored match.
#[derive(Debug)]
pub struct Ranked {
    pub kind: Kind,
    pub id: i64,
    pub score: f64,
    /// What breaks ties, newest first: the publish time or start day as sortable text, then
    /// the id.
    recency: String,
}

/// Every kind's newest matches, scored, best first (newer first among equals).
pub fn rank(
    conn: &mut DbConnection,
    query: &Query,
    kinds: &[Kind],
    viewer: Viewer,
) -> QueryResult<Vec<Ranked>> {
    let mut ranked = Vec::new();
    for kind in kinds {
        for candidate in candidates(conn, *kind, query, viewer, WINDOW)? {
            if let Some(score) = score(query, &fields(&candidate)) {
                ranked.push(Ranked {
                    kind: *kind,
                    id: candidate.item_id,
                    score,
                    recency: candidate.recency,
                });
            }
        }
    }
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.recency.cmp(&a.recency))
            .then(b.id.cmp(&a.id))
            .then((a.kind as u8).cmp(&(b.kind as u8)))
    });
    Ok(ranked)
}

fn fields(candidate: &Candidate) -> [Field<'_>; 3] {
    [
        Field {
            folded: &candidate.title,
            exact: &candidate.title_exact,
            weight: WEIGHTS[0],
        },
        Field {
            folded: &candidate.lead,
            exact: &candidate.lead_exact,
            weight: WEIGHTS[1],
        },
        Field {
            folded: &candidate.body,
            exact: &candidate.body_exact,
            weight: WEIGHTS[2],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::Kind;
    use crate::domain::resources::RESOURCES;

    #[test]
    fn every_searchable_resource_has_a_kind_and_no_other_does() {
        for resource in RESOURCES {
            assert_eq!(
                Kind::of_collection(resource.collection).is_some(),
                resource.searchable,
                "{}",
                resource.kind
            );
        }
        for kind in Kind::ALL {
            assert!(RESOURCES
                .iter()
                .any(|r| r.searchable && r.kind == kind.as_str()));
        }
    }
}
