//! API tokens: rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::api_tokens;
use super::DbConnection;

#[derive(Debug, Clone, Queryable)]
pub struct TokenRow {
    pub id: i64,
    pub public_id: String,
    pub secret_hash: String,
    pub name: String,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewTokenRow {
    pub public_id: String,
    pub secret_hash: String,
    pub name: String,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NewTokenRow) -> QueryResult<TokenRow> {
    let id: i64 = diesel::insert_into(api_tokens::table)
        .values(row)
        .returning(api_tokens::id)
        .get_result(conn)?;
    api_tokens::table
        .find(id)
        .select(api_tokens::all_columns)
        .first(conn)
}

pub fn by_public_id(conn: &mut DbConnection, public_id: &str) -> QueryResult<Option<TokenRow>> {
    api_tokens::table
        .filter(api_tokens::public_id.eq(public_id))
        .select(api_tokens::all_columns)
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table
        .order(api_tokens::id)
        .select(api_tokens::all_columns)
        .load(conn)
}

/// Revokes a token and the preview links it made (one transaction: whoever holds such a link
/// held it on the token's authority); `false` when there is no such token.
pub fn revoke(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let exists: bool =
            diesel::select(diesel::dsl::exists(api_tokens::table.find(id))).get_result(conn)?;
        if exists {
            diesel::update(
                api_tokens::table
                    .find(id)
                    .filter(api_tokens::revoked_at.is_null()),
            )
            .set(api_tokens::revoked_at.eq(Some(now)))
            .execute(conn)?;
            super::previews::revoke_made_by(conn, id, now)?;
        }
        Ok(exists)
    })
}

/// Whether the token was revoked (a token that no longer exists counts as revoked).
pub fn is_revoked(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let revoked: Option<Option<NaiveDateTime>> = api_tokens::table
        .find(id)
        .select(api_tokens::revoked_at)
        .first(conn)
        .optional()?;
    Ok(revoked.is_none_or(|at| at.is_some()))
}

/// Records use, at most once a minute per token, so that reads do not become writes.
pub fn touch(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    let stale = now - chrono::Duration::seconds(60);
    diesel::update(
        api_tokens::table.find(id).filter(
            api_tokens::last_used_at
                .is_null()
                .or(api_tokens::last_used_at.lt(stale)),
        ),
    )
    .set(api_tokens::last_used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}
