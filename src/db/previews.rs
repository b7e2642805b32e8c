//! Preview links (migration 000017): who made which link to which article, until when, and
//! whether it was revoked.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::preview_links;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = preview_links)]
pub struct PreviewLinkRow {
    pub id: i64,
    pub article_id: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    /// The token that made it: revoking the token revokes the link.
    pub token_id: Option<i64>,
}

pub fn insert(
    conn: &mut DbConnection,
    article_id: i64,
    (token_id, created_by): (i64, &str),
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<PreviewLinkRow> {
    let id: i64 = diesel::insert_into(preview_links::table)
        .values((
            preview_links::article_id.eq(article_id),
            preview_links::token_id.eq(token_id),
            preview_links::created_by.eq(created_by),
            preview_links::created_at.eq(now),
            preview_links::expires_at.eq(expires_at),
        ))
        .returning(preview_links::id)
        .get_result(conn)?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<PreviewLinkRow>> {
    preview_links::table
        .find(id)
        .select(PreviewLinkRow::as_select())
        .first(conn)
        .optional()
}

/// An article's links, newest first (at most 100: a link is made by hand).
pub fn of_article(conn: &mut DbConnection, article_id: i64) -> QueryResult<Vec<PreviewLinkRow>> {
    preview_links::table
        .filter(preview_links::article_id.eq(article_id))
        .order(preview_links::id.desc())
        .limit(100)
        .select(PreviewLinkRow::as_select())
        .load(conn)
}

/// Revokes a link of an article; false when there is none (or it was revoked already).
pub fn revoke(
    conn: &mut DbConnection,
    article_id: i64,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        preview_links::table
            .find(id)
            .filter(preview_links::article_id.eq(article_id))
            .filter(preview_links::revoked_at.is_null()),
    )
    .set(preview_links::revoked_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every live link a token made: called where the token is revoked, in its transaction.
pub fn revoke_made_by(
    conn: &mut DbConnection,
    token_id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        preview_links::table
            .filter(preview_links::token_id.eq(token_id))
            .filter(preview_links::revoked_at.is_null()),
    )
    .set(preview_links::revoked_at.eq(now))
    .execute(conn)
}
