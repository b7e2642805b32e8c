//! Sections (migration 000018): the portal's menu as a tree, and which articles are in which.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

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
}

super::record!(SectionRow, SectionChanges, sections, "section");

/// The editable columns of a section.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = sections, treat_none_as_null = true)]
pub struct SectionChanges {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
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

/// Makes an article's further sections be `ids`, in order.
pub fn set_article_sections(
    conn: &mut DbConnection,
    article_id: i64,
    ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(article_sections::table.filter(article_sections::article_id.eq(article_id)))
        .execute(conn)?;
    for (position, id) in ids.iter().enumerate() {
        diesel::insert_into(article_sections::table)
            .values((
                article_sections::article_id.eq(article_id),
                article_sections::section_id.eq(id),
                article_sections::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The further sections of these articles, in order: article id -> section ids.
pub fn of_articles(
    conn: &mut DbConnection,
    article_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = article_sections::table
        .filter(article_sections::article_id.eq_any(article_ids.to_vec()))
        .order((article_sections::article_id, article_sections::position))
        .select((article_sections::article_id, article_sections::section_id))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (article, section) in rows {
        map.entry(article).or_default().push(section);
    }
    Ok(map)
}

/// Live sections by id.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<SectionRow>> {
    sections::table
        .filter(sections::id.eq_any(ids.to_vec()))
        .filter(sections::deleted_at.is_null())
        .select(sections::all_columns)
        .load(conn)
}
