//! Events, their organizers and participants: rows and queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

use super::schema::{event_organizers, event_participants, events};
use super::{After, DbConnection, Key, KeyValue, MultiBackend};
use crate::domain::kinds::DatePrecision;

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub short_name: Option<String>,
    pub edition: Option<i32>,
    pub theme: Option<String>,
    pub description: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub date_precision: DatePrecision,
    pub city: Option<String>,
    pub country: Option<String>,
    pub parent_id: Option<i64>,
    pub search_key: String,
    pub sort_key: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// Names in other languages (`domain::languages::Names` as JSON).
    pub names: String,
}

super::record!(EventRow, EventChanges, events, "event");

#[derive(Debug, Clone, Queryable)]
pub struct EventRefRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub short_name: Option<String>,
    pub names: String,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = event_organizers)]
pub struct OrganizerRow {
    pub event_id: i64,
    pub organization_id: i64,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = event_participants)]
pub struct ParticipantRow {
    pub event_id: i64,
    pub person_id: i64,
    pub role: Option<String>,
    pub position: i32,
}

#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    /// Events overlapping [from, to] (portal-local dates, inclusive).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub parent: Option<Key>,
    pub organization: Option<Key>,
    pub person: Option<Key>,
    /// `q`: items the search index matches (`db::search`).
    pub search: Option<crate::domain::search::Query>,
    /// Only these items (a page ranked by relevance narrowed by the other filters).
    pub only: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventSort {
    StartsOn,
    Name,
    Id,
    UpdatedAt,
}

type Boxed<'a> = events::BoxedQuery<'a, MultiBackend>;

struct FilterIds {
    parent: Option<i64>,
    organization: Option<i64>,
    person: Option<i64>,
}

fn resolve(conn: &mut DbConnection, filter: &EventFilter) -> QueryResult<Option<FilterIds>> {
    let parent = crate::db::resolve_filter!(conn, events, &filter.parent)?;
    let organization = crate::db::resolve_filter!(conn, organizations, &filter.organization)?;
    let person = crate::db::resolve_filter!(conn, people, &filter.person)?;
    if [parent, organization, person]
        .iter()
        .any(|k| matches!(k, Some(None)))
    {
        return Ok(None);
    }
    Ok(Some(FilterIds {
        parent: parent.flatten(),
        organization: organization.flatten(),
        person: person.flatten(),
    }))
}

fn filtered(backend: super::Backend, filter: &EventFilter, ids: &FilterIds) -> Boxed<'static> {
    let mut query = events::table
        .filter(events::deleted_at.is_null())
        .into_boxed();
    if let Some(to) = filter.to {
        query = query.filter(events::starts_on.le(to));
    }
    if let Some(from) = filter.from {
        query = query.filter(
            events::ends_on
                .ge(from)
                .or(events::ends_on.is_null().and(events::starts_on.ge(from))),
        );
    }
    if let Some(id) = ids.parent {
        query = query.filter(events::parent_id.eq(id));
    }
    if let Some(id) = ids.organization {
        query = crate::db::through!(
            query,
            events::id,
            event_organizers.event_id,
            organization_id == id
        );
    }
    if let Some(id) = ids.person {
        query = crate::db::through!(
            query,
            events::id,
            event_participants.event_id,
            person_id == id
        );
    }
    if let Some(ids) = &filter.only {
        query = query.filter(events::id.eq_any(ids.clone()));
    }
    if let Some(search) = &filter.search {
        query = query.filter(crate::db::search::matching(
            backend,
            crate::db::search::Kind::Event,
            "events.id",
            search,
        ));
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    filter: &EventFilter,
    sort: &[(EventSort, bool)],
    after: Option<&After>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let Some(ids) = resolve(conn, filter)? else {
        return Ok(Vec::new());
    };
    let mut query = filtered(conn.backend(), filter, &ids);
    if let (Some(after), Some((key, desc))) = (after, sort.first()) {
        query = match (key, &after.value) {
            // Undated events come last in either direction; ties go by id the same way.
            (EventSort::StartsOn, KeyValue::Null) => match *desc {
                true => query.filter(events::starts_on.is_null().and(events::id.lt(after.id))),
                false => query.filter(events::starts_on.is_null().and(events::id.gt(after.id))),
            },
            (EventSort::StartsOn, KeyValue::Date(d)) => match *desc {
                true => query.filter(
                    events::starts_on
                        .lt(*d)
                        .or(events::starts_on.eq(*d).and(events::id.lt(after.id)))
                        .or(events::starts_on.is_null()),
                ),
                false => query.filter(
                    events::starts_on
                        .gt(*d)
                        .or(events::starts_on.eq(*d).and(events::id.gt(after.id)))
                        .or(events::starts_on.is_null()),
                ),
            },
            (EventSort::Name, KeyValue::Text(t)) => {
                crate::db::keyset!(
                    query,
                    events::sort_key,
                    t.clone(),
                    *desc,
                    events::id,
                    after.id
                )
            }
            (EventSort::UpdatedAt, KeyValue::Time(t)) => {
                crate::db::keyset!(query, events::updated_at, *t, *desc, events::id, after.id)
            }
            (EventSort::Id, _) => crate::db::keyset_id!(query, *desc, events::id, after.id),
            _ => return Ok(Vec::new()),
        };
    }
    for (key, desc) in sort {
        query = match (key, desc) {
            // Undated events last in either direction, on both backends.
            (EventSort::StartsOn, false) => query
                .then_order_by(events::starts_on.is_null())
                .then_order_by(events::starts_on.asc()),
            (EventSort::StartsOn, true) => query
                .then_order_by(events::starts_on.is_null())
                .then_order_by(events::starts_on.desc()),
            (EventSort::Name, desc) => crate::db::ordered!(query, events::sort_key, *desc),
            (EventSort::UpdatedAt, desc) => crate::db::ordered!(query, events::updated_at, *desc),
            (EventSort::Id, desc) => crate::db::ordered!(query, events::id, *desc),
        };
    }
    crate::db::page!(conn, query, events, sort, offset, limit)
}

pub fn count(conn: &mut DbConnection, filter: &EventFilter) -> QueryResult<i64> {
    match resolve(conn, filter)? {
        Some(ids) => filtered(conn.backend(), filter, &ids)
            .count()
            .get_result(conn),
        None => Ok(0),
    }
}

/// The value a cursor records for the row under this sort key.
pub fn cursor_value(row: &EventRow, key: EventSort) -> KeyValue {
    match key {
        EventSort::StartsOn => row.starts_on.map_or(KeyValue::Null, KeyValue::Date),
        EventSort::Name => KeyValue::Text(row.sort_key.clone()),
        EventSort::UpdatedAt => KeyValue::Time(row.updated_at),
        EventSort::Id => KeyValue::Id,
    }
}

/// Live events by id, in one query.
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<EventRow>> {
    super::live_by_ids!(conn, events, ids)
}

pub fn refs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, EventRefRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<EventRefRow> = events::table
        .filter(events::id.eq_any(ids.to_vec()))
        .filter(events::deleted_at.is_null())
        .select((
            events::id,
            events::slug,
            events::name,
            events::short_name,
            events::names,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

pub fn organizers(conn: &mut DbConnection, event_ids: &[i64]) -> QueryResult<Vec<OrganizerRow>> {
    if event_ids.is_empty() {
        return Ok(Vec::new());
    }
    event_organizers::table
        .filter(event_organizers::event_id.eq_any(event_ids.to_vec()))
        .order((event_organizers::event_id, event_organizers::position))
        .select((
            event_organizers::event_id,
            event_organizers::organization_id,
            event_organizers::position,
        ))
        .load(conn)
}

pub fn participants(
    conn: &mut DbConnection,
    event_ids: &[i64],
) -> QueryResult<Vec<ParticipantRow>> {
    if event_ids.is_empty() {
        return Ok(Vec::new());
    }
    event_participants::table
        .filter(event_participants::event_id.eq_any(event_ids.to_vec()))
        .order((
            event_participants::event_id,
            event_participants::position,
            event_participants::id,
        ))
        .select((
            event_participants::event_id,
            event_participants::person_id,
            event_participants::role,
            event_participants::position,
        ))
        .load(conn)
}

/// The editable columns of an event (organizers and participants are written beside them); a
/// create also sets `created_at` to `updated_at`.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = events, treat_none_as_null = true)]
pub struct EventChanges {
    pub slug: String,
    pub name: String,
    pub names: String,
    pub short_name: Option<String>,
    pub edition: Option<i32>,
    pub theme: Option<String>,
    pub description: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub date_precision: DatePrecision,
    pub city: Option<String>,
    pub country: Option<String>,
    pub parent_id: Option<i64>,
    pub search_key: String,
    pub sort_key: String,
    pub updated_at: NaiveDateTime,
}

/// Replaces an event's organizers and participants with these.
pub fn replace_details(
    conn: &mut DbConnection,
    id: i64,
    organizer_ids: &[i64],
    attendees: &[ParticipantRow],
) -> QueryResult<()> {
    diesel::delete(event_organizers::table.filter(event_organizers::event_id.eq(id)))
        .execute(conn)?;
    diesel::delete(event_participants::table.filter(event_participants::event_id.eq(id)))
        .execute(conn)?;
    for (position, organization_id) in organizer_ids.iter().enumerate() {
        let row = OrganizerRow {
            event_id: id,
            organization_id: *organization_id,
            position: i32::try_from(position).unwrap_or(i32::MAX),
        };
        diesel::insert_into(event_organizers::table)
            .values(&row)
            .execute(conn)?;
    }
    for attendee in attendees {
        let row = ParticipantRow {
            event_id: id,
            ..attendee.clone()
        };
        diesel::insert_into(event_participants::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// The ids from `id` up through its parents (to refuse a parent that would make a cycle).
pub fn ancestors(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    crate::db::ancestors!(conn, events, id)
}
