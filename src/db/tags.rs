//! Tags: rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{article_tags, tags};
use super::DbConnection;

#[derive(Debug, Clone, Queryable)]
pub struct TagRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TagSort {
    Name,
    ArticleCount,
}

/// Tags with the number of publicly listed articles carrying each; tags without any are left out
/// (a tag used only by drafts must not reveal them).
pub fn list_with_counts(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    sort: &[(TagSort, bool)],
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(TagRow, i64)>> {
    let counted = diesel::dsl::count(article_tags::article_id);
    let mut query = tags::table
        .inner_join(article_tags::table)
        .filter(article_tags::article_id.eq_any(crate::listed_article_ids!(now)))
        .group_by((tags::id, tags::slug, tags::name, tags::created_at))
        .select((tags::all_columns, counted))
        .into_boxed();
    for (key, desc) in sort {
        query = match (key, desc) {
            (TagSort::Name, false) => query.then_order_by(tags::slug.asc()),
            (TagSort::Name, true) => query.then_order_by(tags::slug.desc()),
            (TagSort::ArticleCount, false) => query.then_order_by(counted.asc()),
            (TagSort::ArticleCount, true) => query.then_order_by(counted.desc()),
        };
    }
    query
        .then_order_by(tags::id.asc())
        .offset(offset)
        .limit(limit)
        .load(conn)
}

pub fn count_with_articles(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<i64> {
    tags::table
        .filter(
            tags::id.eq_any(
                article_tags::table
                    .filter(article_tags::article_id.eq_any(crate::listed_article_ids!(now)))
                    .select(article_tags::tag_id),
            ),
        )
        .count()
        .get_result(conn)
}

pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<TagRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    tags::table
        .filter(tags::id.eq_any(ids.to_vec()))
        .select(tags::all_columns)
        .load(conn)
}

/// The tag with this slug, created when missing.
pub fn ensure(
    conn: &mut DbConnection,
    slug: &str,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let existing: Option<i64> = tags::table
        .filter(tags::slug.eq(slug))
        .select(tags::id)
        .first(conn)
        .optional()?;
    match existing {
        Some(id) => Ok(id),
        None => diesel::insert_into(tags::table)
            .values((
                tags::slug.eq(slug),
                tags::name.eq(name),
                tags::created_at.eq(now),
            ))
            .returning(tags::id)
            .get_result(conn),
    }
}
