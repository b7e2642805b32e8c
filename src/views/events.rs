//! Events on the wire, with parents, organizers and participants.

use crate::domain::resources;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use super::names::{english, name_in, shown};
use super::organizations::{Organization, RelatedOrganization};
use super::people::{Person, RelatedPerson};
use super::related::{embedded, grouped, related, related_enum};
use super::{Ctx, IncludeTree};
use crate::db::events::{self as db, EventRefRow, EventRow};
use crate::db::DbConnection;
use crate::domain::kinds::DatePrecision;
use crate::domain::languages::Localized;
use crate::error::ApiError;
use std::collections::BTreeMap;

/// Someone who took part in an event, and in what role.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Participant {
    pub person: RelatedPerson,
    #[schema(example = "Trưởng đoàn đại biểu Việt Nam")]
    pub role: Option<String>,
}

/// An event. Fields other than `id` can be left out with `fields`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(required = false, example = "amcc7")]
    pub slug: String,
    #[schema(
        required = false,
        example = "Hội nghị Bộ trưởng ASEAN về An ninh mạng lần thứ 7"
    )]
    pub name: String,
    /// Deprecated: `names.en.name`.
    #[schema(
        required = false,
        example = "7th ASEAN Ministerial Conference on Cybersecurity",
        deprecated
    )]
    pub name_en: Option<String>,
    /// Names and descriptions in the portal's other languages, by BCP 47 tag.
    #[schema(required = false, example = json!({"en": {"name": "7th ASEAN Ministerial Conference on Cybersecurity"}}))]
    pub names: BTreeMap<String, Localized>,
    /// The language `name` (and, where given in it, `description`) is in: the one asked for
    /// (`lang`, `Accept-Language`) when the item has a name in it, else the default.
    #[schema(required = false, example = "vi")]
    pub language: &'static str,

    #[schema(required = false, example = "AMCC7")]
    pub short_name: Option<String>,
    /// Edition number of a recurring event.
    #[schema(required = false, example = 7)]
    pub edition: Option<i32>,
    #[schema(required = false, example = "An ninh kỹ thuật số: Trách nhiệm chung")]
    pub theme: Option<String>,
    #[schema(
        required = false,
        example = "Diễn đàn an ninh mạng quan trọng hàng đầu tại châu Á - Thái Bình Dương."
    )]
    pub description: Option<String>,
    /// First day, portal-local; empty when unknown.
    #[schema(required = false, example = "2022-10-20")]
    pub starts_on: Option<NaiveDate>,
    /// Last day, portal-local; empty when unknown or the same as the first.
    #[schema(required = false, example = "2022-10-20")]
    pub ends_on: Option<NaiveDate>,
    #[schema(required = false)]
    pub date_precision: DatePrecision,
    #[schema(required = false, example = "Singapore")]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(required = false, example = "SG")]
    pub country: Option<String>,
    /// The event this one is part of (`include=parent` embeds it whole).
    #[schema(required = false)]
    pub parent: Option<RelatedEvent>,
    #[schema(required = false)]
    pub organizers: Vec<RelatedOrganization>,
    #[schema(required = false)]
    pub participants: Vec<Participant>,
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

/// A reference to an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventRef {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(example = "amcc7")]
    pub slug: String,
    #[schema(example = "Hội nghị Bộ trưởng ASEAN về An ninh mạng lần thứ 7")]
    pub name: String,
    #[schema(example = "AMCC7")]
    pub short_name: Option<String>,
}

impl EventRef {
    pub fn of(row: EventRefRow, ctx: Ctx) -> EventRef {
        EventRef {
            id: row.id,
            slug: row.slug,
            name: name_in(ctx, row.name, &row.names),
            short_name: row.short_name,
        }
    }
}

related_enum!(
    RelatedEvent,
    EventRef,
    Event,
    "An event: a reference, or the full event when included."
);

/// What an event carries beside its own columns.
#[derive(Default)]
pub struct EventParts {
    pub parent: Option<RelatedEvent>,
    pub organizers: Vec<RelatedOrganization>,
    pub participants: Vec<Participant>,
}

/// The wire form of one row, its relations already loaded.
pub fn build(row: EventRow, parts: EventParts, ctx: Ctx) -> Event {
    super::keys::mark(&resources::EVENT, row.id);
    let shown = shown(ctx, row.name, row.description, &row.names);
    Event {
        parent: parts.parent,
        organizers: parts.organizers,
        participants: parts.participants,
        date_precision: row.date_precision,
        id: row.id,
        slug: row.slug,
        name: shown.name,
        name_en: english(&shown.names),
        names: shown.names,
        language: shown.language,
        short_name: row.short_name,
        edition: row.edition,
        theme: row.theme,
        description: shown.description,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        city: row.city,
        country: row.country,
        version: row.version,
        created_at: ctx.tz.render(row.created_at),
        updated_at: ctx.tz.render(row.updated_at),
    }
}

/// Events with parents, organizers and participants, one query each.
pub fn load(
    conn: &mut DbConnection,
    rows: Vec<EventRow>,
    include: &IncludeTree,
    ctx: Ctx,
) -> Result<Vec<Event>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let parent_ids: Vec<i64> = rows.iter().filter_map(|r| r.parent_id).collect();
    let parents = related::<Event>(conn, &parent_ids, include.get("parent"), ctx)?;

    let organizer_rows = db::organizers(conn, &ids)?;
    let org_ids: Vec<i64> = organizer_rows.iter().map(|o| o.organization_id).collect();
    let orgs = related::<Organization>(conn, &org_ids, include.get("organizers"), ctx)?;
    let mut organizers = grouped(
        organizer_rows
            .iter()
            .map(|o| (o.event_id, o.organization_id)),
        &orgs,
    );

    let participant_rows = db::participants(conn, &ids)?;
    let person_ids: Vec<i64> = participant_rows.iter().map(|p| p.person_id).collect();
    let persons = related::<Person>(conn, &person_ids, include.get("participants"), ctx)?;
    let mut participants: HashMap<i64, Vec<Participant>> = HashMap::new();
    for p in participant_rows {
        if let Some(person) = persons.get(&p.person_id) {
            participants
                .entry(p.event_id)
                .or_default()
                .push(Participant {
                    person: person.clone(),
                    role: p.role,
                });
        }
    }

    Ok(rows
        .into_iter()
        .map(|row| {
            let parts = EventParts {
                parent: row.parent_id.and_then(|id| parents.get(&id).cloned()),
                organizers: organizers.remove(&row.id).unwrap_or_default(),
                participants: participants.remove(&row.id).unwrap_or_default(),
            };
            build(row, parts, ctx)
        })
        .collect())
}

embedded!(Event, EventRef, RelatedEvent, db, resources::EVENT);
