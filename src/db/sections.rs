//! Sections (migration 000018): the portal's menu as a tree, and which articles are in which.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{article_sections, articles, sections};
use super::DbConnection;

#[derive(Debug, Clone, Queryable)]
pub struct SectionRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// Names in other languages (`domain::languages::Names` as JSON).
    pub names: String,
}

super::record!(SectionRow, SectionChanges, sections, "section");

/// The editable columns of a section.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = sections, treat_none_as_null = true)]
pub struct SectionChanges {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub names: String,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub updated_at: NaiveDateTime,
}

/// Sections in a tree this deep at most (a menu, not a taxonomy).
pub const MAX_DEPTH: usize = 8;

/// Every live section, in menu order: by parent, then position, then name.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<SectionRow>> {
    sections::table
        .filter(sections::deleted_at.is_null())
        .order((
            sections::position.asc(),
            sections::name.asc(),
            sections::id.asc(),
        ))
        .select(sections::all_columns)
        .load(conn)
}

/// The section and every live section below it.
pub fn with_descendants(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    let mut found = vec![id];
    let mut level = vec![id];
    for _ in 0..MAX_DEPTH {
        let children: Vec<i64> = sections::table
            .filter(sections::parent_id.eq_any(level))
            .filter(sections::deleted_at.is_null())
            .select(sections::id)
            .load(conn)?;
        let fresh: Vec<i64> = children
            .into_iter()
            .filter(|c| !found.contains(c))
            .collect();
        if fresh.is_empty() {
            break;
        }
        found.extend(&fresh);
        level = fresh;
    }
    Ok(found)
}

/// The ids from `id` up through its parents (a cycle check, and the depth).
pub fn ancestors(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    super::ancestors!(conn, sections, id)
}

/// Live children, and articles (not deleted) placed in the section: what keeps it from being
/// deleted.
pub fn dependents(conn: &mut DbConnection, id: i64) -> QueryResult<(i64, i64)> {
    let children = sections::table
        .filter(sections::parent_id.eq(id))
        .filter(sections::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    let primary: i64 = articles::table
        .filter(articles::section_id.eq(id))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    let more: i64 = article_sections::table
        .inner_join(articles::table.on(articles::id.eq(article_sections::article_id)))
        .filter(article_sections::section_id.eq(id))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    Ok((children, primary + more))
}

super::ordered_links!(
    set_article_sections,
    of_articles,
    article_sections,
    article_id,
    section_id
);

/// Live sections by id.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<SectionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sections::table
        .filter(sections::id.eq_any(ids.to_vec()))
        .filter(sections::deleted_at.is_null())
        .select(sections::all_columns)
        .load(conn)
}
