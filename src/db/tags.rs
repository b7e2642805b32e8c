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
    /// Names in other languages (`domain::languages::Names` as JSON).
    pub names: String,
}

super::record!(TagRow, TagChanges, tags, "tag");

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TagSort {
    Name,
    ArticleCount,
}

/// Every tag carried by a publicly listed article, with how many carry it, in `sort` order
/// (ties by id); tags without any are left out (a tag used only by drafts must not reveal them).
/// Reads the links' own copy of their article's state (migration 000008), not the articles.
pub fn ranked_with_counts(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    sort: &[(TagSort, bool)],
) -> QueryResult<Vec<(i64, i64)>> {
    let counts: Vec<(i64, i64)> = article_tags::table
        .filter(article_tags::listed)
        .filter(article_tags::published_at.le(now))
        .group_by(article_tags::tag_id)
        .select((
            article_tags::tag_id,
            diesel::dsl::count(article_tags::article_id),
        ))
        .load(conn)?;
    let slugs: std::collections::HashMap<i64, String> = tags::table
        .filter(tags::deleted_at.is_null())
        .select((tags::id, tags::slug))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut ranked: Vec<(i64, i64, &str)> = counts
        .into_iter()
        .filter_map(|(id, count)| slugs.get(&id).map(|slug| (id, count, slug.as_str())))
        .collect();
    ranked.sort_by(|a, b| {
        sort.iter()
            .map(|(key, desc)| {
                let order = match key {
                    TagSort::Name => a.2.cmp(b.2),
                    TagSort::ArticleCount => a.1.cmp(&b.1),
                };
                if *desc {
                    order.reverse()
                } else {
                    order
                }
            })
            .find(|order| order.is_ne())
            .unwrap_or_else(|| a.0.cmp(&b.0))
    });
    Ok(ranked
        .into_iter()
        .map(|(id, count, _)| (id, count))
        .collect())
}

/// The rows of `(tag id, count)` pairs, in their order.
pub fn with_rows(conn: &mut DbConnection, page: &[(i64, i64)]) -> QueryResult<Vec<(TagRow, i64)>> {
    let ids: Vec<i64> = page.iter().map(|(id, _)| *id).collect();
    let mut rows: std::collections::HashMap<i64, TagRow> = by_ids(conn, &ids)?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    Ok(page
        .iter()
        .filter_map(|(id, count)| rows.remove(id).map(|row| (row, *count)))
        .collect())
}

pub fn count_with_articles(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<i64> {
    tags::table
        .filter(tags::deleted_at.is_null())
        .filter(
            tags::id.eq_any(
                article_tags::table
                    .filter(article_tags::listed)
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
    let existing = match existing {
        // A tag of the same name under another slug is the same tag (names are unique).
        None => named(conn, name, None)?.map(|(id, _)| (id, None)),
        found => found,
    };
    match existing {
        Some((id, None)) => Ok(Some(id)),
        Some((_, Some(_))) => Ok(None),
        None => {
            let changes = TagChanges {
                names: "{}".to_owned(),
                slug: slug.to_owned(),
                name: name.to_owned(),
                updated_at: now,
            };
            let id = <TagRow as super::Record>::insert(conn, &changes)?;
            // A tag an article brings in is a change of its own (the caller holds the log).
            super::changes::record(
                conn,
                super::changes::Change {
                    resource: "tags",
                    item_id: id,
                    slug,
                    action: ChangeAction::Created,
                    version: 1,
                    at: now,
                    public_before: false,
                    public_after: true,
                },
            )?;
            Ok(Some(id))
        }
    }
}

/// The live tag named exactly `name` (NFC, as every name is stored), other than `except`: its
/// id and slug. Tag names are unique among live tags; writes check it under the content lock,
/// which runs content writes one at a time on either backend.
pub fn named(
    conn: &mut DbConnection,
    name: &str,
    except: Option<i64>,
) -> QueryResult<Option<(i64, String)>> {
    tags::table
        .filter(tags::name.eq(name))
        .filter(tags::deleted_at.is_null())
        .filter(tags::id.ne(except.unwrap_or(0)))
        .select((tags::id, tags::slug))
        .first(conn)
        .optional()
}

/// Publicly listed articles carrying the tag.
pub fn public_count(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<i64> {
    article_tags::table
        .filter(article_tags::tag_id.eq(id))
        .filter(article_tags::listed)
        .filter(article_tags::published_at.le(now))
        .count()
        .get_result(conn)
}

/// The editable columns of a tag; a create also sets `created_at` to `updated_at`.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagChanges {
    pub slug: String,
    pub name: String,
    pub names: String,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, changes: &TagChanges) -> QueryResult<i64> {
    diesel::insert_into(tags::table)
        .values((changes, tags::created_at.eq(changes.updated_at)))
        .returning(tags::id)
        .get_result(conn)
}
