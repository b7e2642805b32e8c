//! Tags: rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{article_tags, tags};
use super::DbConnection;
use crate::domain::kinds::ChangeAction;

#[derive(Debug, Clone, Queryable)]
pub struct TagRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

super::record!(TagRow, TagChanges, tags, "tag");

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
        // The links' own copy of their article's state (migration 000008): no join to articles.
        .filter(article_tags::listed.eq(true))
        .filter(article_tags::published_at.le(now))
        .filter(tags::deleted_at.is_null())
        .group_by((
            tags::id,
            tags::slug,
            tags::name,
            tags::created_at,
            tags::version,
            tags::updated_at,
            tags::deleted_at,
        ))
        .select((tags::all_columns, counted))
        .into_boxed();
    for (key, desc) in sort {
        query = match (key, desc) {
            (TagSort::Name, desc) => crate::db::ordered!(query, tags::slug, *desc),
            (TagSort::ArticleCount, desc) => crate::db::ordered!(query, counted, *desc),
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
        .filter(tags::deleted_at.is_null())
        .filter(
            tags::id.eq_any(
                article_tags::table
                    .filter(article_tags::listed.eq(true))
                    .filter(article_tags::published_at.le(now))
                    .select(article_tags::tag_id),
            ),
        )
        .count()
        .get_result(conn)
}

/// Live tags by id, in one query.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<TagRow>> {
    super::live_by_ids!(conn, tags, ids)
}

/// The tag with this slug, created (and logged) when missing. A deleted tag is not brought back: `None`.
pub fn ensure(
    conn: &mut DbConnection,
    slug: &str,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let existing: Option<(i64, Option<NaiveDateTime>)> = tags::table
        .filter(tags::slug.eq(slug))
        .select((tags::id, tags::deleted_at))
        .first(conn)
        .optional()?;
    match existing {
        Some((id, None)) => Ok(Some(id)),
        Some((_, Some(_))) => Ok(None),
        None => {
            let changes = TagChanges {
                slug: slug.to_owned(),
                name: name.to_owned(),
                updated_at: now,
            };
            let id = <TagRow as super::Record>::insert(conn, &changes)?;
            // A tag an article brings in is a change of its own (the caller holds the log).
            super::changes::record(conn, "tags", id, slug, ChangeAction::Created, 1, now)?;
            Ok(Some(id))
        }
    }
}

/// Publicly listed articles carrying the tag.
pub fn public_count(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<i64> {
    article_tags::table
        .filter(article_tags::tag_id.eq(id))
        .filter(article_tags::article_id.eq_any(crate::db::articles::listed_article_ids!(now)))
        .count()
        .get_result(conn)
}

/// The editable columns of a tag; a create also sets `created_at` to `updated_at`.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagChanges {
    pub slug: String,
    pub name: String,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, changes: &TagChanges) -> QueryResult<i64> {
    diesel::insert_into(tags::table)
        .values((changes, tags::created_at.eq(changes.updated_at)))
        .returning(tags::id)
        .get_result(conn)
}
