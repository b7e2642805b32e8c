//! Organizations: rows and queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

use super::schema::organizations;
use super::{After, DbConnection, Key, KeyValue, MultiBackend};
use crate::domain::kinds::OrganizationKind;

#[derive(Debug, Clone, Queryable)]
pub struct OrganizationRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: OrganizationKind,
    pub country: Option<String>,
    pub parent_id: Option<i64>,
    pub description: Option<String>,
    pub search_key: String,
    pub sort_key: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// Names in other languages (`domain::languages::Names` as JSON).
    pub names: String,
}

super::record!(
    OrganizationRow,
    OrganizationChanges,
    organizations,
    "organization"
);

/// The small form of an organization that other resources embed.
#[derive(Debug, Clone, Queryable)]
pub struct OrganizationRefRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub short_name: Option<String>,
    pub names: String,
}

pub type RefColumns = (
    organizations::id,
    organizations::slug,
    organizations::name,
    organizations::short_name,
    organizations::names,
);
pub const REF_COLUMNS: RefColumns = (
    organizations::id,
    organizations::slug,
    organizations::name,
    organizations::short_name,
    organizations::names,
);

#[derive(Debug, Default, Clone)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    pub country: Option<String>,
    pub parent: Option<Key>,
    /// `q`: items the search index matches (`db::search`).
    pub search: Option<crate::domain::search::Query>,
    /// Only these items (a page ranked by relevance narrowed by the other filters).
    pub only: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OrganizationSort {
    Name,
    ShortName,
    Id,
    UpdatedAt,
}

type Boxed<'a> = organizations::BoxedQuery<'a, MultiBackend>;

fn filtered(
    backend: super::Backend,
    filter: &OrganizationFilter,
    parent: Option<i64>,
) -> Boxed<'static> {
    let mut query = organizations::table
        .filter(organizations::deleted_at.is_null())
        .into_boxed();
    if let Some(kind) = &filter.kind {
        query = query.filter(organizations::kind.eq(*kind));
    }
    if let Some(country) = &filter.country {
        query = query.filter(organizations::country.eq(country.clone()));
    }
    if let Some(id) = parent {
        query = query.filter(organizations::parent_id.eq(id));
    }
    if let Some(ids) = &filter.only {
        query = query.filter(organizations::id.eq_any(ids.clone()));
    }
    if let Some(search) = &filter.search {
        query = query.filter(crate::db::search::matching(
            backend,
            crate::db::search::Kind::Organization,
            "organizations.id",
            search,
        ));
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    filter: &OrganizationFilter,
    sort: &[(OrganizationSort, bool)],
    after: Option<&After>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<OrganizationRow>> {
    let parent = match crate::db::resolve_filter!(conn, organizations, &filter.parent)? {
        Some(None) => return Ok(Vec::new()),
        resolved => resolved.flatten(),
    };
    let mut query = filtered(conn.backend(), filter, parent);
    if let (Some(after), Some((key, desc))) = (after, sort.first()) {
        query = match (key, &after.value) {
            (OrganizationSort::Name, KeyValue::Text(t)) => crate::db::keyset!(
                query,
                organizations::sort_key,
                t.clone(),
                *desc,
                organizations::id,
                after.id
            ),
            (OrganizationSort::UpdatedAt, KeyValue::Time(t)) => crate::db::keyset!(
                query,
                organizations::updated_at,
                *t,
                *desc,
                organizations::id,
                after.id
            ),
            (OrganizationSort::Id, _) => {
                crate::db::keyset_id!(query, *desc, organizations::id, after.id)
            }
            _ => return Ok(Vec::new()),
        };
    }
    for (key, desc) in sort {
        query = match (key, desc) {
            (OrganizationSort::Name, desc) => {
                crate::db::ordered!(query, organizations::sort_key, *desc)
            }
            (OrganizationSort::ShortName, d) => {
                let q = query.then_order_by(organizations::short_name.is_null());
                if *d {
                    q.then_order_by(organizations::short_name.desc())
                } else {
                    q.then_order_by(organizations::short_name.asc())
                }
            }
            (OrganizationSort::UpdatedAt, desc) => {
                crate::db::ordered!(query, organizations::updated_at, *desc)
            }
            (OrganizationSort::Id, desc) => crate::db::ordered!(query, organizations::id, *desc),
        };
    }
    crate::db::page!(conn, query, organizations, sort, offset, limit)
}

pub fn count(conn: &mut DbConnection, filter: &OrganizationFilter) -> QueryResult<i64> {
    match crate::db::resolve_filter!(conn, organizations, &filter.parent)? {
        Some(None) => Ok(0),
        resolved => filtered(conn.backend(), filter, resolved.flatten())
            .count()
            .get_result(conn),
    }
}

/// The value a cursor records for the row under this sort key (`short_name` has no cursor).
pub fn cursor_value(row: &OrganizationRow, key: OrganizationSort) -> KeyValue {
    match key {
        OrganizationSort::Name => KeyValue::Text(row.sort_key.clone()),
        OrganizationSort::UpdatedAt => KeyValue::Time(row.updated_at),
        OrganizationSort::ShortName => KeyValue::Null,
        OrganizationSort::Id => KeyValue::Id,
    }
}

/// Live organizations by id, in one query.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<OrganizationRow>> {
    super::live_by_ids!(conn, organizations, ids)
}

/// References to live organizations by id, in one query.
pub fn refs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, OrganizationRefRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<OrganizationRefRow> = organizations::table
        .filter(organizations::id.eq_any(ids.to_vec()))
        .filter(organizations::deleted_at.is_null())
        .select(REF_COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

/// The editable columns of an organization; a create also sets `created_at` to `updated_at`.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
pub struct OrganizationChanges {
    pub slug: String,
    pub name: String,
    pub names: String,
    pub short_name: Option<String>,
    pub kind: OrganizationKind,
    pub country: Option<String>,
    pub parent_id: Option<i64>,
    pub description: Option<String>,
    pub search_key: String,
    pub sort_key: String,
    pub updated_at: NaiveDateTime,
}

/// What still depends on an organization: live articles citing it as their source, and
/// positions of live people held there.
pub fn dependents(conn: &mut DbConnection, id: i64) -> QueryResult<(i64, i64)> {
    use super::schema::{articles, people, positions};
    let sourced: i64 = articles::table
        .filter(articles::source_id.eq(id))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    let held: i64 = positions::table
        .inner_join(people::table)
        .filter(positions::organization_id.eq(id))
        .filter(people::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    Ok((sourced, held))
}

/// The ids from `id` up through its parents (to refuse a parent that would make a cycle).
pub fn ancestors(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    crate::db::ancestors!(conn, organizations, id)
}
