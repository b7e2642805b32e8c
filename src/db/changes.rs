//! The change log: every content change, numbered in commit order without gaps, written in the
//! transaction that makes the change (decision 0008), with what the public saw of it and the
//! webhook event it fires; the webhook outbox rows are written with it (decision 0016).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{articles, change_log, change_log_head};
use super::DbConnection;
use crate::domain::changes::{event_of, public_action};
use crate::domain::kinds::ChangeAction;

/// One logged change.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct ChangeRow {
    pub seq: i64,
    pub resource: String,
    pub item_id: i64,
    pub slug: String,
    pub action: ChangeAction,
    pub version: i32,
    pub at: NaiveDateTime,
    /// What the public saw (`None`: invisible before and after).
    pub public_action: Option<ChangeAction>,
    /// The webhook event it fired, if any.
    pub event: Option<String>,
}

/// A change to log: the item, what happened to it, and whether the public could see it before
/// and after.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub resource: &'a str,
    pub item_id: i64,
    pub slug: &'a str,
    pub action: ChangeAction,
    pub version: i32,
    pub at: NaiveDateTime,
    pub public_before: bool,
    pub public_after: bool,
}

/// Logs a change of one item inside the caller's transaction, queues its webhook deliveries in
/// the same transaction (the outbox), and returns its number. Taking the number updates the one
/// head row, so a concurrent writer waits for this transaction to end: numbers are handed out
/// in commit order, and a rollback gives the number back (and drops the deliveries with it).
pub fn record(conn: &mut DbConnection, change: Change<'_>) -> QueryResult<i64> {
    let public = public_action(change.public_before, change.public_after);
    let event = event_of(change.resource, change.action, public);
    let seq: i64 = diesel::update(change_log_head::table.find(1))
        .set(change_log_head::seq.eq(change_log_head::seq + 1))
        .returning(change_log_head::seq)
        .get_result(conn)?;
    diesel::insert_into(change_log::table)
        .values((
            change_log::seq.eq(seq),
            change_log::resource.eq(change.resource),
            change_log::item_id.eq(change.item_id),
            change_log::slug.eq(change.slug),
            change_log::action.eq(change.action),
            change_log::version.eq(change.version),
            change_log::at.eq(change.at),
            change_log::public_action.eq(public.map(ChangeAction::as_str)),
            change_log::event.eq(event.as_deref()),
        ))
        .execute(conn)?;
    if let Some(event) = event {
        super::webhooks::enqueue(conn, seq, &event, change.at)?;
    }
    // What showed the item is stale from this commit on (decision 0020).
    if let Some(resource) = crate::domain::resources::by_collection(change.resource) {
        super::renditions::forget(conn, &resource.item_key(change.item_id))?;
    }
    Ok(seq)
}

/// The number of the last committed change (0 before any).
pub fn head(conn: &mut DbConnection) -> QueryResult<i64> {
    change_log_head::table
        .find(1)
        .select(change_log_head::seq)
        .first(conn)
}

/// Committed changes after `seq`, oldest first, at most `limit`.
pub fn since(conn: &mut DbConnection, seq: i64, limit: i64) -> QueryResult<Vec<ChangeRow>> {
    change_log::table
        .filter(change_log::seq.gt(seq))
        .order(change_log::seq.asc())
        .limit(limit)
        .select(change_log::all_columns)
        .load(conn)
}

/// One change by its number.
pub fn find(conn: &mut DbConnection, seq: i64) -> QueryResult<Option<ChangeRow>> {
    change_log::table
        .find(seq)
        .select(change_log::all_columns)
        .first(conn)
        .optional()
}

/// The change feed's page: changes after `seq` (and up to `through`, when given) of the
/// `collections` (all when empty), only those the public saw when `public`, oldest first, at
/// most `limit`.
pub fn feed(
    conn: &mut DbConnection,
    seq: i64,
    through: Option<i64>,
    collections: &[&str],
    public: bool,
    limit: i64,
) -> QueryResult<Vec<ChangeRow>> {
    let mut query = change_log::table
        .filter(change_log::seq.gt(seq))
        .into_boxed();
    if let Some(through) = through {
        query = query.filter(change_log::seq.le(through));
    }
    if !collections.is_empty() {
        query = query.filter(change_log::resource.eq_any(collections.to_vec()));
    }
    if public {
        query = query.filter(change_log::public_action.is_not_null());
    }
    query
        .order(change_log::seq.asc())
        .limit(limit)
        .select(change_log::all_columns)
        .load(conn)
}

/// Logs the publications whose scheduled moment came: articles out by `now` whose moment is
/// after the last look (`published_through`) and that the log does not show as public yet.
/// Runs in a content transaction, so each enters the log with the number of the moment it is
/// noticed, and a poller never misses one. Returns how many were logged.
pub fn log_due_publications(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    let through: Option<NaiveDateTime> = change_log_head::table
        .find(1)
        .select(change_log_head::published_through)
        .first(conn)?;
    let mut due = articles::table
        .filter(articles::status.eq_any(["published", "archived"]))
        .filter(articles::deleted_at.is_null())
        .filter(articles::published_at.le(now))
        .into_boxed();
    if let Some(through) = through {
        due = due.filter(articles::published_at.gt(through));
    }
    let due: Vec<(i64, String, i32)> = due
        .order((articles::published_at.asc(), articles::id.asc()))
        .select((articles::id, articles::slug, articles::version))
        .load(conn)?;
    let mut logged = 0;
    for (id, slug, version) in due {
        if shown_in_public(conn, "articles", id)? {
            continue;
        }
        record(
            conn,
            Change {
                resource: "articles",
                item_id: id,
                slug: &slug,
                action: ChangeAction::Updated,
                version,
                at: now,
                public_before: false,
                public_after: true,
            },
        )?;
        logged += 1;
    }
    // Never backwards: an instance whose clock lags must not make the next look start over.
    let through = through.map_or(now, |through| through.max(now));
    diesel::update(change_log_head::table.find(1))
        .set(change_log_head::published_through.eq(through))
        .execute(conn)?;
    Ok(logged)
}

/// Whether the item's last public change left it visible.
fn shown_in_public(conn: &mut DbConnection, resource: &str, item_id: i64) -> QueryResult<bool> {
    let last: Option<Option<ChangeAction>> = change_log::table
        .filter(change_log::resource.eq(resource))
        .filter(change_log::item_id.eq(item_id))
        .filter(change_log::public_action.is_not_null())
        .order(change_log::seq.desc())
        .select(change_log::public_action)
        .first(conn)
        .optional()?;
    Ok(matches!(
        last.flatten(),
        Some(ChangeAction::Created | ChangeAction::Updated)
    ))
}

/// The earliest scheduled moment after the last look: when `log_due_publications` next has
/// something to do.
pub fn next_due_publication(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    let through: Option<NaiveDateTime> = change_log_head::table
        .find(1)
        .select(change_log_head::published_through)
        .first(conn)?;
    let mut query = articles::table
        .filter(articles::status.eq_any(["published", "archived"]))
        .filter(articles::deleted_at.is_null())
        .into_boxed();
    if let Some(through) = through {
        query = query.filter(articles::published_at.gt(through));
    }
    query
        .select(diesel::dsl::min(articles::published_at))
        .first(conn)
}
