//! Authors (migration 000019) and which articles name which, in order.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{article_authors, articles, authors};
use super::DbConnection;

#[derive(Debug, Clone, Queryable)]
pub struct AuthorRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub avatar_id: Option<i64>,
    /// JSON `[{label, url}]`.
    pub links: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

super::record!(AuthorRow, AuthorChanges, authors, "author");

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = authors, treat_none_as_null = true)]
pub struct AuthorChanges {
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub avatar_id: Option<i64>,
    pub links: String,
    pub updated_at: NaiveDateTime,
}

/// Live authors by name, a page.
pub fn page(
    conn: &mut DbConnection,
    desc: bool,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<AuthorRow>> {
    let query = authors::table
        .filter(authors::deleted_at.is_null())
        .select(authors::all_columns)
        .offset(offset)
        .limit(limit);
    if desc {
        query
            .order((authors::name.desc(), authors::id.desc()))
            .load(conn)
    } else {
        query
            .order((authors::name.asc(), authors::id.asc()))
            .load(conn)
    }
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    authors::table
        .filter(authors::deleted_at.is_null())
        .count()
        .get_result(conn)
}

pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<AuthorRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    authors::table
        .filter(authors::id.eq_any(ids.to_vec()))
        .filter(authors::deleted_at.is_null())
        .select(authors::all_columns)
        .load(conn)
}

super::ordered_links!(
    set_article_authors,
    of_articles,
    article_authors,
    article_id,
    author_id
);

/// Articles (not deleted) that name the author.
pub fn articles_of(conn: &mut DbConnection, id: i64) -> QueryResult<i64> {
    article_authors::table
        .inner_join(articles::table.on(articles::id.eq(article_authors::article_id)))
        .filter(article_authors::author_id.eq(id))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)
}
