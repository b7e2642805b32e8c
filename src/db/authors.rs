//! Authors (migration 000019) and which articles name which, in order.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

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
    authors::table
        .filter(authors::id.eq_any(ids.to_vec()))
        .filter(authors::deleted_at.is_null())
        .select(authors::all_columns)
        .load(conn)
}

/// Makes an article's authors be `ids`, in order.
pub fn set_article_authors(
    conn: &mut DbConnection,
    article_id: i64,
    ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(article_id)))
        .execute(conn)?;
    for (position, id) in ids.iter().enumerate() {
        diesel::insert_into(article_authors::table)
            .values((
                article_authors::article_id.eq(article_id),
                article_authors::author_id.eq(id),
                article_authors::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The authors of these articles, in order: article id -> author ids.
pub fn of_articles(
    conn: &mut DbConnection,
    article_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = article_authors::table
        .filter(article_authors::article_id.eq_any(article_ids.to_vec()))
        .order((article_authors::article_id, article_authors::position))
        .select((article_authors::article_id, article_authors::author_id))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (article, author) in rows {
        map.entry(article).or_default().push(author);
    }
    Ok(map)
}

/// Articles (not deleted) that name the author.
pub fn articles_of(conn: &mut DbConnection, id: i64) -> QueryResult<i64> {
    article_authors::table
        .inner_join(articles::table.on(articles::id.eq(article_authors::article_id)))
        .filter(article_authors::author_id.eq(id))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)
}
