//! The change log: every content change, numbered in commit order without gaps, written in the
//! transaction that makes the change (decision 0008).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{change_log, change_log_head};
use super::DbConnection;
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
}

/// Logs a change of one item inside the caller's transaction and returns its number. Taking the
/// number updates the one head row, so a concurrent writer waits for this transaction to end:
/// numbers are handed out in commit order, and a rollback gives the number back.
pub fn record(
    conn: &mut DbConnection,
    resource: &str,
    item_id: i64,
    slug: &str,
    action: ChangeAction,
    version: i32,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    let seq: i64 = diesel::update(change_log_head::table.find(1))
        .set(change_log_head::seq.eq(change_log_head::seq + 1))
        .returning(change_log_head::seq)
        .get_result(conn)?;
    diesel::insert_into(change_log::table)
        .values((
            change_log::seq.eq(seq),
            change_log::resource.eq(resource),
            change_log::item_id.eq(item_id),
            change_log::slug.eq(slug),
            change_log::action.eq(action),
            change_log::version.eq(version),
            change_log::at.eq(at),
        ))
        .execute(conn)?;
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
