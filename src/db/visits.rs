//! Visit counting: the daily salt, dedupe keys and additive rollups. The statements that must
//! not fail inside a PostgreSQL transaction on a duplicate (`ON CONFLICT`) are written per
//! backend, each once, in the macros below.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

use super::schema::{visit_daily, visit_keys, visit_salts};
use super::DbConnection;

/// The salt of a portal-local day, created by the first instance that needs it.
pub fn salt_for(conn: &mut DbConnection, day: NaiveDate, fresh: &str) -> QueryResult<String> {
    on_backend!(conn, |c| diesel::insert_into(visit_salts::table)
        .values((visit_salts::day.eq(day), visit_salts::salt.eq(fresh)))
        .on_conflict_do_nothing()
        .execute(c))?;
    visit_salts::table
        .find(day)
        .select(visit_salts::salt)
        .first(conn)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = visit_keys)]
pub struct KeyRow {
    pub key: String,
    pub expires_at: NaiveDateTime,
}

/// Rows a statement at most: PostgreSQL takes 65,535 parameters, two a row here.
const CHUNK: usize = 5_000;

/// Claims many dedupe keys at once and returns those that were free (new, or expired by
/// `as_of`): one DELETE of expired ones and one `INSERT .. ON CONFLICT DO NOTHING RETURNING`
/// per chunk, so that a flush costs a few statements, not a few per beacon. Exact across
/// instances: a key is inserted by one of them only.
pub fn claim_many(
    conn: &mut DbConnection,
    keys: &[KeyRow],
    as_of: NaiveDateTime,
) -> QueryResult<HashSet<String>> {
    let mut claimed = HashSet::new();
    for chunk in keys.chunks(CHUNK) {
        let names: Vec<&str> = chunk.iter().map(|k| k.key.as_str()).collect();
        diesel::delete(
            visit_keys::table
                .filter(visit_keys::key.eq_any(names))
                .filter(visit_keys::expires_at.le(as_of)),
        )
        .execute(conn)?;
        // PostgreSQL in one statement a chunk (round trips are the cost); SQLite, which diesel
        // cannot batch with ON CONFLICT and which has no round trips, a row at a time.
        match conn {
            DbConnection::Pg(c) => {
                let inserted: Vec<String> = diesel::insert_into(visit_keys::table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .returning(visit_keys::key)
                    .get_results(c)?;
                claimed.extend(inserted);
            }
            DbConnection::Sqlite(c) => {
                for row in chunk {
                    let inserted = diesel::insert_into(visit_keys::table)
                        .values(row)
                        .on_conflict_do_nothing()
                        .execute(c)?;
                    if inserted == 1 {
                        claimed.insert(row.key.clone());
                    }
                }
            }
        }
    }
    Ok(claimed)
}

/// Sets many keys' expiry whether or not they exist (who is online).
pub fn refresh_many(conn: &mut DbConnection, keys: &[KeyRow]) -> QueryResult<()> {
    use diesel::upsert::excluded;
    for chunk in keys.chunks(CHUNK) {
        match conn {
            DbConnection::Pg(c) => {
                diesel::insert_into(visit_keys::table)
                    .values(chunk)
                    .on_conflict(visit_keys::key)
                    .do_update()
                    .set(visit_keys::expires_at.eq(excluded(visit_keys::expires_at)))
                    .execute(c)?;
            }
            DbConnection::Sqlite(c) => {
                for row in chunk {
                    diesel::insert_into(visit_keys::table)
                        .values(row)
                        .on_conflict(visit_keys::key)
                        .do_update()
                        .set(visit_keys::expires_at.eq(&row.expires_at))
                        .execute(c)?;
                }
            }
        }
    }
    Ok(())
}

/// Adds to a day's rollup (additive, so several instances can flush into the same rows).
pub fn add(
    conn: &mut DbConnection,
    day: NaiveDate,
    article_id: i64,
    views: i64,
    visitors: i64,
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    on_backend!(conn, |c| diesel::insert_into(visit_daily::table)
        .values((
            visit_daily::day.eq(day),
            visit_daily::article_id.eq(article_id),
            visit_daily::views.eq(views),
            visit_daily::visitors.eq(visitors),
        ))
        .on_conflict((visit_daily::day, visit_daily::article_id))
        .do_update()
        .set((
            visit_daily::views.eq(visit_daily::views + excluded(visit_daily::views)),
            visit_daily::visitors.eq(visit_daily::visitors + excluded(visit_daily::visitors)),
        ))
        .execute(c))?;
    if article_id != 0 && views != 0 {
        use super::schema::articles;
        diesel::update(articles::table.find(article_id))
            .set(articles::view_count.eq(articles::view_count + views))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets keys that expired before `before`.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(visit_keys::table.filter(visit_keys::expires_at.lt(before))).execute(conn)
}

/// Site-wide (views, visitors) summed over days `from..=to` (all days when `from` is `None`).
pub fn site_sum(
    conn: &mut DbConnection,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> QueryResult<(i64, i64)> {
    let mut query = visit_daily::table
        .filter(visit_daily::article_id.eq(0))
        .filter(visit_daily::day.le(to))
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(visit_daily::day.ge(from));
    }
    let rows: Vec<(i64, i64)> = query
        .select((visit_daily::views, visit_daily::visitors))
        .load(conn)?;
    Ok(rows.into_iter().fold((0, 0), |(v, u), (views, visitors)| {
        (v + views, u + visitors)
    }))
}

/// Visitors seen within their online window.
pub fn online(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<i64> {
    visit_keys::table
        .filter(visit_keys::key.like("seen:%"))
        .filter(visit_keys::expires_at.gt(now))
        .count()
        .get_result(conn)
}

/// Views per article over days `from..=to`, most viewed first (ties by id), at most `limit`,
/// among the articles listed in public at `now` (a join: the listed set is never loaded).
pub fn popular(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<Vec<(i64, i64)>> {
    use super::schema::articles;
    let rows: Vec<(i64, i64)> = visit_daily::table
        .inner_join(articles::table.on(articles::id.eq(visit_daily::article_id)))
        .filter(visit_daily::day.ge(from))
        .filter(visit_daily::day.le(to))
        .filter(visit_daily::article_id.gt(0))
        .filter(articles::status.eq(crate::domain::kinds::ArticleStatus::Published))
        .filter(articles::published_at.le(now))
        .filter(articles::deleted_at.is_null())
        .select((visit_daily::article_id, visit_daily::views))
        .load(conn)?;
    let mut totals: HashMap<i64, i64> = HashMap::new();
    for (id, views) in rows {
        *totals.entry(id).or_insert(0) += views;
    }
    let mut ranked: Vec<(i64, i64)> = totals.into_iter().filter(|(_, v)| *v > 0).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(limit);
    Ok(ranked)
}

/// Which of these ids and slugs name articles listed in public now (what a batch of beacons may
/// count), as (id, slug).
pub fn public_articles(
    conn: &mut DbConnection,
    ids: &[i64],
    slugs: &[&str],
    now: NaiveDateTime,
) -> QueryResult<Vec<(i64, String)>> {
    use super::schema::articles;
    // Chunks keep each statement under SQLite's bound-parameter limit.
    const CHUNK: usize = 500;
    let mut found = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        found.extend(
            crate::db::articles::listed_article_ids!(now)
                .filter(articles::id.eq_any(chunk))
                .select((articles::id, articles::slug))
                .load::<(i64, String)>(conn)?,
        );
    }
    for chunk in slugs.chunks(CHUNK) {
        found.extend(
            crate::db::articles::listed_article_ids!(now)
                .filter(articles::slug.eq_any(chunk))
                .select((articles::id, articles::slug))
                .load::<(i64, String)>(conn)?,
        );
    }
    Ok(found)
}
