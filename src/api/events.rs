//! `/api/v1/events`: conferences, their parents and children, organizers and participants.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use super::query::{
    editorial, item_response, list_response, load_page, parse_include, parse_key, parse_list,
    path_key, IncludeTree, ItemResponse, ListOptions, ListResponse, ListSpec, Problems,
    QueryParams,
};
use super::refs::{
    EventRef, OrganizationRef, PersonRef, RelatedEvent, RelatedOrganization, RelatedPerson,
};
use super::{gone_if_deleted, organizations, people, to_value, Ctx, Moved, State};
use crate::db::events::{self as db, EventFilter, EventRow, EventSort};
use crate::db::slugs::Resource;
use crate::db::{self as database, DbConnection, Key};
use crate::domain::text::search_pattern;
use crate::domain::time::{parse_bound, Bound};
use crate::error::{ApiError, Problem};
use crate::list_params;

/// How precise an event's dates are: `month` means only the month is known, and the dates span it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    Day,
    Month,
    Year,
}

impl DatePrecision {
    fn from_stored(value: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(value.to_owned()))
            .unwrap_or(DatePrecision::Day)
    }
}

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
    #[schema(
        required = false,
        example = "7th ASEAN Ministerial Conference on Cybersecurity"
    )]
    pub name_en: Option<String>,
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

pub const SPEC: ListSpec = ListSpec {
    sorts: &["starts_on", "name", "id", "updated_at"],
    cursor_sorts: &["starts_on", "name", "id", "updated_at"],
    default_sort: "-starts_on",
    fields: &[
        "slug",
        "name",
        "name_en",
        "short_name",
        "edition",
        "theme",
        "description",
        "starts_on",
        "ends_on",
        "date_precision",
        "city",
        "country",
        "parent",
        "organizers",
        "participants",
        "version",
        "created_at",
        "updated_at",
    ],
    includes: &["parent", "parent.parent", "organizers", "participants"],
};

fn sort_key(name: &str) -> Option<EventSort> {
    Some(match name {
        "starts_on" => EventSort::StartsOn,
        "name" => EventSort::Name,
        "id" => EventSort::Id,
        "updated_at" => EventSort::UpdatedAt,
        _ => return None,
    })
}

list_params! {
    /// Filters and options of the event lists.
    pub struct EventListParams {
        sort: ("Comma list of `starts_on`, `name`, `id`, `updated_at`; `-` for descending; at most 3. Default `-starts_on` (undated events last).", "-starts_on",
            "^-?(starts_on|name|id|updated_at)(,-?(starts_on|name|id|updated_at)){0,2}$"),
        fields: ("Only these fields (and `id`): comma list of the event's fields.", "name,starts_on,parent",
            "^(slug|name|name_en|short_name|edition|theme|description|starts_on|ends_on|date_precision|city|country|parent|organizers|participants|version|created_at|updated_at)(,(slug|name|name_en|short_name|edition|theme|description|starts_on|ends_on|date_precision|city|country|parent|organizers|participants|version|created_at|updated_at))*$"),
        @include ("Embed related items whole: `parent`, `parent.parent`, `organizers`, `participants`.", "parent", "^(parent|parent\\.parent|organizers|participants)(,(parent|parent\\.parent|organizers|participants))*$"),
        /// Events overlapping the span from this day on (`YYYY-MM-DD`, portal-local, or RFC 3339).
        /// An event without an end date counts as lasting its first day; undated events never match.
        #[param(example = "2022-10-19", pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$")]
        from,
        /// Events overlapping the span up to this day (inclusive).
        #[param(example = "2022-10-21", pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$")]
        to,
        /// Only the events inside this one (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "sicw-2022")]
        parent,
        /// Only events organized by this organization (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "asean")]
        organization,
        /// Only events this person took part in (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "to-lam")]
        person,
        /// Words to find in names, short names and themes, folded.
        #[param(example = "an ninh mạng")]
        q,
    }
}

/// Options of `GET /api/v1/events/{id_or_slug}`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Embed related items whole: `parent`, `parent.parent`, `organizers`, `participants`.
    #[param(
        example = "parent,participants",
        pattern = "^(parent|parent\\.parent|organizers|participants)(,(parent|parent\\.parent|organizers|participants))*$"
    )]
    pub include: Option<String>,
}

impl EventListParams {
    fn parse(&self, ctx: Ctx) -> Result<(EventFilter, ListOptions<EventSort>), ApiError> {
        let mut problems = Problems::default();
        let opts = parse_list(self.common(), &SPEC, sort_key, &mut problems);
        let day = |v: &str, bound| parse_bound(v, ctx.tz, bound).map(|t| ctx.tz.local_date(t));
        let filter = EventFilter {
            from: self
                .from
                .as_deref()
                .and_then(|v| problems.check("from", day(v, Bound::Lower))),
            to: self
                .to
                .as_deref()
                .and_then(|v| problems.check("to", day(v, Bound::Upper))),
            parent: self
                .parent
                .as_deref()
                .and_then(|v| problems.check("parent", parse_key(v))),
            organization: self
                .organization
                .as_deref()
                .and_then(|v| problems.check("organization", parse_key(v))),
            person: self
                .person
                .as_deref()
                .and_then(|v| problems.check("person", parse_key(v))),
            search: self.q.as_deref().and_then(search_pattern),
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if from > to {
                problems.add("to", "must not be before `from`");
            }
        }
        problems.into_result()?;
        Ok((filter, opts))
    }
}

/// Turns rows into wire events: parents, organizers and participants in one query each.
pub fn represent(
    conn: &mut DbConnection,
    rows: Vec<EventRow>,
    include: &IncludeTree,
    ctx: Ctx,
) -> Result<Vec<Event>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let parent_ids: Vec<i64> = rows.iter().filter_map(|r| r.parent_id).collect();
    let parents: HashMap<i64, RelatedEvent> = match include.get("parent") {
        Some(nested) => {
            let full = db::by_ids(conn, &parent_ids)?;
            represent(conn, full, nested, ctx)?
                .into_iter()
                .map(|e| (e.id, RelatedEvent::Full(Box::new(e))))
                .collect()
        }
        None => db::refs(conn, &parent_ids)?
            .into_iter()
            .map(|(id, r)| (id, RelatedEvent::Ref(EventRef::from(r))))
            .collect(),
    };

    let organizer_rows = db::organizers(conn, &ids)?;
    let org_ids: Vec<i64> = organizer_rows.iter().map(|o| o.organization_id).collect();
    let orgs: HashMap<i64, RelatedOrganization> = match include.get("organizers") {
        Some(nested) => {
            let full = crate::db::organizations::by_ids(conn, &org_ids)?;
            organizations::represent(conn, full, nested, ctx)?
                .into_iter()
                .map(|o| (o.id, RelatedOrganization::Full(Box::new(o))))
                .collect()
        }
        None => crate::db::organizations::refs(conn, &org_ids)?
            .into_iter()
            .map(|(id, r)| (id, RelatedOrganization::Ref(OrganizationRef::from(r))))
            .collect(),
    };
    let mut organizers: HashMap<i64, Vec<RelatedOrganization>> = HashMap::new();
    for o in organizer_rows {
        if let Some(org) = orgs.get(&o.organization_id) {
            organizers.entry(o.event_id).or_default().push(org.clone());
        }
    }

    let participant_rows = db::participants(conn, &ids)?;
    let person_ids: Vec<i64> = participant_rows.iter().map(|p| p.person_id).collect();
    let persons: HashMap<i64, RelatedPerson> = match include.get("participants") {
        Some(nested) => {
            let full = crate::db::people::by_ids(conn, &person_ids)?;
            people::represent(conn, full, nested, ctx)?
                .into_iter()
                .map(|p| (p.id, RelatedPerson::Full(Box::new(p))))
                .collect()
        }
        None => crate::db::people::refs(conn, &person_ids)?
            .into_iter()
            .map(|(id, r)| (id, RelatedPerson::Ref(PersonRef::from(r))))
            .collect(),
    };
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
        .map(|row| Event {
            parent: row.parent_id.and_then(|id| parents.get(&id).cloned()),
            organizers: organizers.remove(&row.id).unwrap_or_default(),
            participants: participants.remove(&row.id).unwrap_or_default(),
            date_precision: DatePrecision::from_stored(&row.date_precision),
            id: row.id,
            slug: row.slug,
            name: row.name,
            name_en: row.name_en,
            short_name: row.short_name,
            edition: row.edition,
            theme: row.theme,
            description: row.description,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            city: row.city,
            country: row.country,
            version: row.version,
            created_at: ctx.tz.render(row.created_at),
            updated_at: ctx.tz.render(row.updated_at),
        })
        .collect())
}

/// Finds a live event or answers 404 / 410.
pub fn find_live(conn: &mut DbConnection, key: &Key, moved: &Moved) -> Result<EventRow, ApiError> {
    let Some(row) = db::find(conn, key)? else {
        return Err(
            moved.resolve(conn, key, Resource::Events, "event", |conn, id| {
                Ok(db::find(conn, &Key::Id(id))?
                    .filter(|r| r.deleted_at.is_none())
                    .map(|r| r.slug))
            })?,
        );
    };
    gone_if_deleted(row.deleted_at, "event", key)?;
    Ok(row)
}

async fn list_events_where<F>(
    state: State,
    req: HttpRequest,
    params: EventListParams,
    scope: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConnection, &mut EventFilter) -> Result<(), ApiError> + Send + 'static,
{
    let ctx = state.ctx();
    let (mut filter, opts) = params.parse(ctx)?;
    let (page, opts) = database::run(&state.pool, move |conn| {
        scope(conn, &mut filter)?;
        let page = load_page(
            conn,
            &opts,
            |conn, limit| {
                db::list(
                    conn,
                    &filter,
                    &opts.sort,
                    opts.after.as_ref(),
                    opts.offset(),
                    limit,
                )
            },
            |conn| db::count(conn, &filter),
            |row, key| (db::cursor_value(row, key), row.id),
            |conn, rows| represent(conn, rows, &opts.include, ctx),
            &[],
        )?;
        Ok((page, opts))
    })
    .await?;
    Ok(list_response(&req, &opts, page))
}

/// List events.
///
/// Latest first by default; `from` and `to` select events overlapping a span of days.
#[utoipa::path(
    tag = "events",
    params(EventListParams),
    responses(
        (status = 200, description = "A page of events", body = ListResponse<Event>,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn list_events(
    state: State,
    req: HttpRequest,
    params: QueryParams<EventListParams>,
) -> Result<HttpResponse, ApiError> {
    list_events_where(state, req, params.0, |_, _| Ok(())).await
}

/// Get one event.
#[utoipa::path(
    tag = "events",
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "amcc7"),
        EventParams,
    ),
    responses(
        (status = 200, description = "The event", body = ItemResponse<Event>),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The event was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events/{id_or_slug}")]
pub async fn get_event(
    state: State,
    req: HttpRequest,
    caller: super::auth::Caller,
    path: web::Path<String>,
    params: QueryParams<EventParams>,
) -> Result<HttpResponse, ApiError> {
    let moved = Moved::new(&req, "events", "");
    let key = path_key(&path.into_inner(), "event")?;
    let mut problems = Problems::default();
    let include = parse_include(params.0.include.as_deref(), SPEC.includes, &mut problems);
    problems.into_result()?;
    let ctx = state.ctx();
    let item = database::run(&state.pool, move |conn| {
        let row = find_live(conn, &key, &moved)?;
        let mut items = represent(conn, vec![row], &include, ctx)?;
        items
            .pop()
            .ok_or_else(|| ApiError::Internal("event vanished".into()))
    })
    .await?;
    let version = item.version;
    let response = item_response(to_value(&item)?);
    Ok(if caller.previews() {
        editorial(response, Some(version))
    } else {
        response
    })
}

/// List the events inside an event.
///
/// AMCC7, the ministerial roundtable and the bilateral meetings are children of SICW 2022.
#[utoipa::path(
    tag = "events",
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug of the parent event", example = "sicw-2022"),
        EventListParams,
    ),
    responses(
        (status = 200, description = "A page of events", body = ListResponse<Event>,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The event was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events/{id_or_slug}/children")]
pub async fn list_event_children(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    params: QueryParams<EventListParams>,
) -> Result<HttpResponse, ApiError> {
    let moved = Moved::new(&req, "events", "/children");
    let key = path_key(&path.into_inner(), "event")?;
    list_events_where(state, req, params.0, move |conn, filter| {
        let event = find_live(conn, &key, &moved)?;
        filter.parent = Some(Key::Id(event.id));
        Ok(())
    })
    .await
}

/// List the articles about an event.
///
/// The same filters and options as `GET /api/v1/articles`, narrowed to this event.
#[utoipa::path(
    tag = "events",
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug of the event", example = "amcc7"),
        super::articles::ArticleListParams,
    ),
    responses(
        (status = 200, description = "A page of article summaries", body = ListResponse<super::articles::Article>,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The event was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events/{id_or_slug}/articles")]
pub async fn list_event_articles(
    state: State,
    req: HttpRequest,
    caller: super::auth::Caller,
    path: web::Path<String>,
    params: QueryParams<super::articles::ArticleListParams>,
) -> Result<HttpResponse, ApiError> {
    let moved = Moved::new(&req, "events", "/articles");
    let key = path_key(&path.into_inner(), "event")?;
    super::articles::list_articles_where(state, req, caller, params.0, move |conn, filter| {
        let event = find_live(conn, &key, &moved)?;
        filter.event = Some(Key::Id(event.id));
        Ok(())
    })
    .await
}
