//! Writes of `/api/v1/events`, with organizers and participants.

use actix_web::{delete, patch, post, put};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::editing::{Checked, Editable};
use super::events::{represent, Event};
use super::organizations_write::{check_country, check_name, check_slug, text};
use super::people_write::organization_ref;
use super::query::IncludeTree;
use super::write::{reference, Reference};
use super::{to_value, Ctx, ItemResponse};
use crate::db::events::{self as db, EventChanges, NewEventRow, ParticipantRow};
use crate::db::slugs::Resource;
use crate::db::{DbConnection, Key};
use crate::domain::slug::slugify;
use crate::domain::text::{fold, search_key};
use crate::error::{ApiError, FieldError};

/// Someone who took part, and in what role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParticipant {
    /// The person: id, slug or reference.
    #[schema(example = "to-lam")]
    pub person: Reference,
    #[schema(example = "Trưởng đoàn đại biểu Việt Nam")]
    pub role: Option<String>,
}

/// An event as written (`POST`, `PUT`; `PATCH` sends a merge patch of it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    #[schema(example = "amcc8")]
    pub slug: Option<String>,
    #[schema(example = "Hội nghị Bộ trưởng ASEAN về An ninh mạng lần thứ 8")]
    pub name: String,
    #[schema(example = "8th ASEAN Ministerial Conference on Cybersecurity")]
    pub name_en: Option<String>,
    #[schema(example = "AMCC8")]
    pub short_name: Option<String>,
    #[schema(example = 8, minimum = 1)]
    pub edition: Option<i32>,
    #[schema(example = "An ninh kỹ thuật số: Trách nhiệm chung")]
    pub theme: Option<String>,
    pub description: Option<String>,
    #[schema(example = "2023-10-18")]
    pub starts_on: Option<NaiveDate>,
    #[schema(example = "2023-10-19")]
    pub ends_on: Option<NaiveDate>,
    /// `day` (default), `month` or `year`.
    #[schema(example = "day")]
    pub date_precision: Option<String>,
    #[schema(example = "Singapore")]
    pub city: Option<String>,
    #[schema(example = "SG")]
    pub country: Option<String>,
    /// The event this one is part of: id, slug or reference.
    #[schema(example = "sicw-2022")]
    pub parent: Option<Reference>,
    #[serde(default)]
    #[schema(example = json!(["asean"]))]
    pub organizers: Vec<Reference>,
    #[serde(default)]
    pub participants: Vec<NewParticipant>,
}

pub struct CheckedEvent {
    changes: EventChanges,
    slug_given: bool,
    organizers: Vec<i64>,
    participants: Vec<ParticipantRow>,
}

impl Checked for CheckedEvent {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

pub struct Events;

impl Editable for Events {
    const RESOURCE: Resource = Resource::Events;
    const NOUN: &'static str = "event";
    const READ_ONLY: &'static [&'static str] = &["id", "version", "created_at", "updated_at"];
    type Input = NewEvent;
    type Checked = CheckedEvent;

    crate::find_stored!(db);

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = db::find(conn, &Key::Id(id))?.ok_or_else(|| ApiError::not_found("event", id))?;
        let mut items = represent(conn, vec![row], &IncludeTree::default(), ctx)?;
        let event: Event = items
            .pop()
            .ok_or_else(|| ApiError::Internal("event vanished".into()))?;
        Ok((event.version, to_value(&event)?))
    }

    fn check(conn: &mut DbConnection, input: NewEvent, ctx: Ctx) -> Result<CheckedEvent, ApiError> {
        let mut errors = Vec::new();
        let name = check_name(&input.name, "/name", &mut errors);
        check_slug(&input.slug, &mut errors);
        let country = check_country(input.country, &mut errors);
        if input.edition.is_some_and(|e| e < 1) {
            errors.push(FieldError::pointer("/edition", "must be 1 or more"));
        }
        if let (Some(start), Some(end)) = (input.starts_on, input.ends_on) {
            if end < start {
                errors.push(FieldError::pointer(
                    "/ends_on",
                    "must not be before starts_on",
                ));
            }
        }
        if input.ends_on.is_some() && input.starts_on.is_none() {
            errors.push(FieldError::pointer(
                "/starts_on",
                "is needed when ends_on is given",
            ));
        }
        let precision = input.date_precision.unwrap_or_else(|| "day".into());
        if !["day", "month", "year"].contains(&precision.as_str()) {
            errors.push(FieldError::pointer(
                "/date_precision",
                "must be day, month or year",
            ));
        }
        let parent_id = match input.parent.as_ref() {
            None => None,
            Some(value) => match reference(value) {
                None => {
                    errors.push(FieldError::pointer(
                        "/parent",
                        "must be an id, a slug or a reference",
                    ));
                    None
                }
                Some(key) => match db::find(conn, &key)?.filter(|e| e.deleted_at.is_none()) {
                    Some(parent) => Some(parent.id),
                    None => {
                        errors.push(FieldError::pointer("/parent", format!("no event `{key}`")));
                        None
                    }
                },
            },
        };
        let mut organizers = Vec::new();
        for (i, value) in input.organizers.iter().enumerate() {
            if let Some(id) =
                organization_ref(conn, Some(value), &format!("/organizers/{i}"), &mut errors)?
            {
                if !organizers.contains(&id) {
                    organizers.push(id);
                }
            }
        }
        let mut participants = Vec::new();
        for (i, participant) in input.participants.into_iter().enumerate() {
            let pointer = format!("/participants/{i}/person");
            let person = match reference(&participant.person) {
                None => {
                    errors.push(FieldError::pointer(
                        pointer,
                        "must be an id, a slug or a reference",
                    ));
                    continue;
                }
                Some(key) => {
                    crate::db::people::find(conn, &key)?.filter(|p| p.deleted_at.is_none())
                }
            };
            match person {
                Some(person) => participants.push(ParticipantRow {
                    event_id: 0,
                    person_id: person.id,
                    role: text(participant.role),
                    position: i32::try_from(i).unwrap_or(i32::MAX),
                }),
                None => errors.push(FieldError::pointer(pointer, "no such person")),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let name_en = text(input.name_en);
        let short_name = text(input.short_name);
        let theme = text(input.theme);
        Ok(CheckedEvent {
            slug_given: input.slug.is_some(),
            changes: EventChanges {
                slug: input
                    .slug
                    .unwrap_or_else(|| slugify(short_name.as_deref().unwrap_or(&name), "event")),
                search_key: search_key(
                    [
                        Some(name.as_str()),
                        name_en.as_deref(),
                        short_name.as_deref(),
                        theme.as_deref(),
                    ]
                    .into_iter()
                    .flatten(),
                ),
                sort_key: fold(&name),
                name,
                name_en,
                short_name,
                edition: input.edition,
                theme,
                description: text(input.description),
                starts_on: input.starts_on,
                ends_on: input.ends_on,
                date_precision: precision,
                city: text(input.city),
                country,
                parent_id,
                updated_at: ctx.now,
            },
            organizers,
            participants,
        })
    }

    fn insert(conn: &mut DbConnection, checked: &CheckedEvent, ctx: Ctx) -> Result<i64, ApiError> {
        let c = checked.changes.clone();
        let id = db::insert(
            conn,
            &NewEventRow {
                slug: c.slug,
                name: c.name,
                name_en: c.name_en,
                short_name: c.short_name,
                edition: c.edition,
                theme: c.theme,
                description: c.description,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                date_precision: c.date_precision,
                city: c.city,
                country: c.country,
                parent_id: c.parent_id,
                search_key: c.search_key,
                sort_key: c.sort_key,
                created_at: ctx.now,
                updated_at: ctx.now,
            },
        )?;
        db::replace_details(conn, id, &checked.organizers, &checked.participants)?;
        Ok(id)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedEvent,
        _ctx: Ctx,
    ) -> Result<bool, ApiError> {
        if let Some(parent) = checked.changes.parent_id {
            if db::ancestors(conn, parent)?.contains(&id) {
                return Err(ApiError::Validation(vec![FieldError::pointer(
                    "/parent",
                    "would make the event part of itself",
                )]));
            }
        }
        if !db::update(conn, id, expected, &checked.changes)? {
            return Ok(false);
        }
        db::replace_details(conn, id, &checked.organizers, &checked.participants)?;
        Ok(true)
    }

    fn soft_delete(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        now: NaiveDateTime,
    ) -> Result<bool, ApiError> {
        Ok(db::soft_delete(conn, id, expected, now)?)
    }
}

crate::write_routes! {
    editable: Events,
    input: NewEvent,
    output: Event,
    tag: "events",
    collection: "/events",
    item: "/events/{id_or_slug}",
    example: "amcc7",
    create: (create_event, "Create an event, with organizers and participants."),
    replace: (replace_event, "Replace an event."),
    update: (update_event, "Change an event (JSON merge patch; `organizers` and `participants` are replaced whole)."),
    delete: (delete_event, "Delete an event (soft): it leaves every list and reference."),
}
