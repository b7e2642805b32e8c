//! People, their aliases and positions: rows and queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

use super::schema::{people, person_aliases, positions};
use super::{After, DbConnection, Key, KeyValue, MultiBackend};
use crate::domain::kinds::AliasKind;

#[derive(Debug, Clone, Queryable)]
pub struct PersonRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub honorific: Option<String>,
    pub country: Option<String>,
    pub bio: Option<String>,
    pub search_key: String,
    pub sort_key: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// Names in other languages (`domain::languages::Names` as JSON).
    pub names: String,
}

super::record!(PersonRow, PersonChanges, people, "person");

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = person_aliases)]
pub struct AliasRow {
    pub person_id: i64,
    pub name: String,
    pub language: String,
    pub kind: AliasKind,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = positions)]
pub struct PositionRow {
    pub person_id: i64,
    pub organization_id: Option<i64>,
    pub title: String,
    /// Titles in other languages (`domain::languages::Titles` as JSON).
    pub titles: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable)]
pub struct PersonRefRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub names: String,
}

#[derive(Debug, Default, Clone)]
pub struct PersonFilter {
    pub organization: Option<Key>,
    pub country: Option<String>,
    /// `q`: items the search index matches (`db::search`).
    pub search: Option<crate::domain::search::Query>,
    /// Only these items (a page ranked by relevance narrowed by the other filters).
    pub only: Option<Vec<i64>>,
    /// Lists people with a current position at `organization` first (as of this date; a
    /// position with no known dates is not known to be current).
    pub current_first_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PersonSort {
    Name,
    Id,
    UpdatedAt,
}

type Boxed<'a> = people::BoxedQuery<'a, MultiBackend>;

fn filtered(
    backend: super::Backend,
    filter: &PersonFilter,
    organization: Option<i64>,
) -> Boxed<'static> {
    let mut query = people::table
        .filter(people::deleted_at.is_null())
        .into_boxed();
    if let Some(id) = organization {
        query = crate::db::through!(
            query,
            people::id,
            positions.person_id,
            organization_id == id
        );
    }
    if let Some(country) = &filter.country {
        query = query.filter(people::country.eq(country.clone()));
    }
    if let Some(ids) = &filter.only {
        query = query.filter(people::id.eq_any(ids.clone()));
    }
    if let Some(search) = &filter.search {
        query = query.filter(crate::db::search::matching(
            backend,
            crate::db::search::Kind::Person,
            "people.id",
            search,
        ));
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    filter: &PersonFilter,
    sort: &[(PersonSort, bool)],
    after: Option<&After>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<PersonRow>> {
    let organization = match crate::db::resolve_filter!(conn, organizations, &filter.organization)?
    {
        Some(None) => return Ok(Vec::new()),
        resolved => resolved.flatten(),
    };
    let mut query = filtered(conn.backend(), filter, organization);
    if let (Some(after), Some((key, desc))) = (after, sort.first()) {
        query = match (key, &after.value) {
            (PersonSort::Name, KeyValue::Text(t)) => {
                crate::db::keyset!(
                    query,
                    people::sort_key,
                    t.clone(),
                    *desc,
                    people::id,
                    after.id
                )
            }
            (PersonSort::UpdatedAt, KeyValue::Time(t)) => {
                crate::db::keyset!(query, people::updated_at, *t, *desc, people::id, after.id)
            }
            (PersonSort::Id, _) => crate::db::keyset_id!(query, *desc, people::id, after.id),
            _ => return Ok(Vec::new()),
        };
    }
    if let (Some(id), Some(today)) = (organization, filter.current_first_on) {
        let current = positions::table
            .filter(positions::organization_id.eq(id))
            .filter(
                positions::ends_on
                    .is_null()
                    .or(positions::ends_on.ge(today)),
            )
            .select(positions::person_id);
        query = query.then_order_by(people::id.eq_any(current).desc());
    }
    for (key, desc) in sort {
        query = match (key, desc) {
            (PersonSort::Name, desc) => crate::db::ordered!(query, people::sort_key, *desc),
            (PersonSort::UpdatedAt, desc) => crate::db::ordered!(query, people::updated_at, *desc),
            (PersonSort::Id, desc) => crate::db::ordered!(query, people::id, *desc),
        };
    }
    crate::db::page!(conn, query, people, sort, offset, limit)
}

pub fn count(conn: &mut DbConnection, filter: &PersonFilter) -> QueryResult<i64> {
    match crate::db::resolve_filter!(conn, organizations, &filter.organization)? {
        Some(None) => Ok(0),
        resolved => filtered(conn.backend(), filter, resolved.flatten())
            .count()
            .get_result(conn),
    }
}

/// The value a cursor records for the row under this sort key.
pub fn cursor_value(row: &PersonRow, key: PersonSort) -> KeyValue {
    match key {
        PersonSort::Name => KeyValue::Text(row.sort_key.clone()),
        PersonSort::UpdatedAt => KeyValue::Time(row.updated_at),
        PersonSort::Id => KeyValue::Id,
    }
}

/// Live people by id, in one query.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<PersonRow>> {
    super::live_by_ids!(conn, people, ids)
}

pub fn refs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, PersonRefRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<PersonRefRow> = people::table
        .filter(people::id.eq_any(ids.to_vec()))
        .filter(people::deleted_at.is_null())
        .select((people::id, people::slug, people::name, people::names))
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

/// Aliases of several people in one query, in their stored order.
pub fn aliases(conn: &mut DbConnection, person_ids: &[i64]) -> QueryResult<Vec<AliasRow>> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    person_aliases::table
        .filter(person_aliases::person_id.eq_any(person_ids.to_vec()))
        .order((
            person_aliases::person_id,
            person_aliases::position,
            person_aliases::id,
        ))
        .select((
            person_aliases::person_id,
            person_aliases::name,
            person_aliases::language,
            person_aliases::kind,
            person_aliases::position,
        ))
        .load(conn)
}

/// Positions of several people in one query, in their stored order.
pub fn positions(conn: &mut DbConnection, person_ids: &[i64]) -> QueryResult<Vec<PositionRow>> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    positions::table
        .filter(positions::person_id.eq_any(person_ids.to_vec()))
        .order((positions::person_id, positions::position, positions::id))
        .select((
            positions::person_id,
            positions::organization_id,
            positions::title,
            positions::titles,
            positions::starts_on,
            positions::ends_on,
            positions::position,
        ))
        .load(conn)
}

/// The editable columns of a person (aliases and positions are written beside them); a create
/// also sets `created_at` to `updated_at`.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = people, treat_none_as_null = true)]
pub struct PersonChanges {
    pub slug: String,
    pub name: String,
    pub honorific: Option<String>,
    pub country: Option<String>,
    pub bio: Option<String>,
    pub names: String,
    pub search_key: String,
    pub sort_key: String,
    pub updated_at: NaiveDateTime,
}

/// Replaces a person's aliases and positions with these.
pub fn replace_details(
    conn: &mut DbConnection,
    id: i64,
    aliases: &[AliasRow],
    held: &[PositionRow],
) -> QueryResult<()> {
    diesel::delete(person_aliases::table.filter(person_aliases::person_id.eq(id))).execute(conn)?;
    diesel::delete(positions::table.filter(positions::person_id.eq(id))).execute(conn)?;
    for alias in aliases {
        let row = AliasRow {
            person_id: id,
            ..alias.clone()
        };
        diesel::insert_into(person_aliases::table)
            .values(&row)
            .execute(conn)?;
    }
    for held in held {
        let row = PositionRow {
            person_id: id,
            ..held.clone()
        };
        diesel::insert_into(positions::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}
