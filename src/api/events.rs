//! `/api/v1/events`: conferences, their parents and children, organizers and participants.

use actix_web::{delete, get, patch, post, put};
use serde_json::Value;

use super::editing::{check_parent, write_routes, written, Checked, Editable};
use super::query::{list_params, search, ListOptions, ListSpec, Problems};
use super::read::{get_included, item_route, list_route, listed_from, Listable};
use crate::db::events::{
    self as db, EventChanges, EventFilter, EventRow, EventSort, ParticipantRow,
};
use crate::db::organizations::OrganizationRow;
use crate::db::people::PersonRow;
use crate::db::{refer, refer_all, DbConnection, Key, Record};
use crate::domain::check::Checks;
use crate::domain::derive;
use crate::domain::events::NewEvent;
use crate::domain::key::parse_key;
use crate::domain::languages::stored;
use crate::domain::time::{parse_bound, Bound};
use crate::error::ApiError;
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::events::{load, Event};
use crate::views::{single, to_value, Ctx, IncludeTree};

/// Events, for the shared list and write flows.
pub struct Events;

impl Listable for Events {
    type Params = EventListParams;
    type Filter = EventFilter;
    type Sort = EventSort;
    type Row = EventRow;
    type Options = IncludeTree;
    type Item = Event;
    const COLLECTION: &'static str = "events";
    const SPEC: ListSpec<EventSort> = ListSpec {
        sorts: &[
            ("starts_on", EventSort::StartsOn),
            ("name", EventSort::Name),
            ("id", EventSort::Id),
            ("updated_at", EventSort::UpdatedAt),
        ],
        cursor_sorts: &["starts_on", "name", "id", "updated_at"],
        default_sort: "-starts_on",
        fields: &[
            "slug",
            "name",
            "name_en",
            "names",
            "language",
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

    fn parse(
        params: &EventListParams,
        list: &ListOptions<EventSort>,
        ctx: Ctx,
        problems: &mut Problems,
    ) -> (EventFilter, IncludeTree) {
        let day = |v: &str, bound| parse_bound(v, ctx.tz, bound).map(|t| ctx.tz.local_date(t));
        let key = |problems: &mut Problems, name: &str, value: &Option<String>| {
            value
                .as_deref()
                .and_then(|v| problems.check(name, parse_key(v)))
        };
        let filter = EventFilter {
            from: params
                .from
                .as_deref()
                .and_then(|v| problems.check("from", day(v, Bound::Lower))),
            to: params
                .to
                .as_deref()
                .and_then(|v| problems.check("to", day(v, Bound::Upper))),
            parent: key(problems, "parent", &params.parent),
            organization: key(problems, "organization", &params.organization),
            person: key(problems, "person", &params.person),
            search: search(problems, params.q.as_deref()),
            only: None,
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if from > to {
                problems.add("to", "must not be before `from`");
            }
        }
        (filter, list.include.clone())
    }

    const SEARCH: Option<crate::db::search::Kind> = Some(crate::db::search::Kind::Event);

    fn search(filter: &Self::Filter) -> Option<&crate::domain::search::Query> {
        filter.search.as_ref()
    }

    fn search_mut(
        filter: &mut Self::Filter,
    ) -> Option<(&mut crate::domain::search::Query, Option<String>)> {
        filter.search.as_mut().map(|query| (query, None))
    }

    fn only(filter: &mut Self::Filter, ids: Vec<i64>) {
        filter.only = Some(ids);
    }

    listed_from!(db, crate::views::events);

    // An event shows nothing that changes by itself (no schedule, no counts): what it shows
    // changes by writes, which forget its stored representation (decision 0020).
    const RENDERED: Option<&'static crate::domain::resources::Resource> =
        Some(&crate::domain::resources::EVENT);
    const NOUN: &'static str = "event";

    fn plain(include: &IncludeTree) -> bool {
        include.0.is_empty()
    }

    fn id_of(row: &EventRow) -> i64 {
        row.id
    }

    fn rows_by_ids(conn: &mut DbConnection, ids: &[i64]) -> diesel::QueryResult<Vec<EventRow>> {
        db::by_ids(conn, ids)
    }
}

list_params! {
    /// Filters and options of the event lists.
    pub struct EventListParams {
        sort: ("Comma list of `starts_on`, `name`, `id`, `updated_at`; `-` for descending; at most 3. Default `-starts_on` (undated events last). Or `relevance` (with `q`): ranked as `/search` ranks.", "-starts_on",
            "^(relevance|-?(starts_on|name|id|updated_at)(,-?(starts_on|name|id|updated_at)){0,2})$"),
        fields: ("Only these fields (and `id`): comma list of the event's fields.", "name,starts_on,parent",
            "^(slug|name|name_en|names|language|short_name|edition|theme|description|starts_on|ends_on|date_precision|city|country|parent|organizers|participants|version|created_at|updated_at)(,(slug|name|name_en|names|language|short_name|edition|theme|description|starts_on|ends_on|date_precision|city|country|parent|organizers|participants|version|created_at|updated_at))*$"),
        @include ("Embed related items whole: `parent`, `parent.parent`, `organizers`, `participants`.", "parent", "^(parent|parent\\.parent|organizers|participants)(,(parent|parent\\.parent|organizers|participants))*$"),
        @names_in lang,
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
        #[param(max_length = 200, example = "an ninh mạng")]
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
    /// The language of names (BCP 47, e.g. `en`): served languages only, a tag with no match
    /// falls back to the default. Without it, `Accept-Language` chooses. Malformed: a 400.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
        example = "en"
    )]
    pub lang: Option<String>,
}

list_route! {
    /// List events.
    ///
    /// Latest first by default; `from` and `to` select events overlapping a span of days.
    list_events: Events, EventListParams => Event,
    get "/events", tag "events", "A page of events"
}

item_route! {
    /// Get one event.
    get_event: EventParams => Event,
    get "/events/{id_or_slug}", tag "events", example "amcc7", "event",
    found "The event", invalid "A query parameter is invalid or unknown",
    missing "No such event", gone "The event was deleted",
    |state, req, caller, key, query| {
        get_included::<Events>(state, &req, &caller, key, query.include.as_deref()).await
    }
}

list_route! {
    /// List the events inside an event.
    ///
    /// AMCC7, the ministerial roundtable and the bilateral meetings are children of SICW 2022.
    list_event_children: Events, EventListParams => Event,
    get "/events/{id_or_slug}/children", tag "events", "A page of events",
    within EventRow, "/children", "Numeric id or slug of the parent event", "sicw-2022",
    missing "No such event", gone "The event was deleted",
    |filter, id, _ctx| {
        filter.parent = Some(Key::Id(id));
    }
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

impl Editable for Events {
    type Row = EventRow;
    const READ_ONLY: &'static [&'static str] =
        &["id", "language", "version", "created_at", "updated_at"];
    type Input = NewEvent;
    type Checked = CheckedEvent;

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = written::<EventRow>(conn, id)?;
        let event = single(
            load(conn, vec![row], &IncludeTree::default(), ctx)?,
            EventRow::NOUN,
        )?;
        Ok((event.version, to_value(&event)?))
    }

    fn check(conn: &mut DbConnection, input: NewEvent, ctx: Ctx) -> Result<CheckedEvent, ApiError> {
        let mut checks = Checks::default();
        let mut event = input;
        let date_precision = event.validate(&mut checks, ctx.lang.languages);
        let parent = match &event.parent {
            Some(reference) => refer::<EventRow>(conn, reference, "/parent", &mut checks)?,
            None => None,
        };
        let organizers =
            refer_all::<OrganizationRow>(conn, &event.organizers, "organizers", &mut checks)?;
        let mut participants = Vec::new();
        for (i, participant) in event.participants.into_iter().enumerate() {
            let pointer = format!("/participants/{i}/person");
            if let Some(person) =
                refer::<PersonRow>(conn, &participant.person, &pointer, &mut checks)?
            {
                participants.push(ParticipantRow {
                    event_id: 0,
                    person_id: person.id,
                    role: participant.role,
                    position: i32::try_from(i).unwrap_or(i32::MAX),
                });
            }
        }
        checks.into_result()?;
        let keys = derive::event_keys(
            &event.name,
            &event.names,
            event.short_name.as_deref(),
            event.theme.as_deref(),
        );
        Ok(CheckedEvent {
            slug_given: event.slug.is_some(),
            changes: EventChanges {
                slug: derive::slug_for(
                    event.slug,
                    event.short_name.as_deref(),
                    &event.name,
                    EventRow::NOUN,
                ),
                search_key: keys.search_key,
                sort_key: keys.sort_key,
                name: event.name,
                names: stored(&event.names),
                short_name: event.short_name,
                edition: event.edition,
                theme: event.theme,
                description: event.description,
                starts_on: event.starts_on,
                ends_on: event.ends_on,
                date_precision,
                city: event.city,
                country: event.country,
                parent_id: parent.map(|p| p.id),
                updated_at: ctx.now,
            },
            organizers,
            participants,
        })
    }

    fn insert(conn: &mut DbConnection, checked: &CheckedEvent, _ctx: Ctx) -> Result<i64, ApiError> {
        let id = Self::Row::insert(conn, &checked.changes)?;
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
            check_parent(&db::ancestors(conn, parent)?, id, EventRow::NOUN)?;
        }
        if !Self::Row::update(conn, id, expected, &checked.changes)? {
            return Ok(false);
        }
        db::replace_details(conn, id, &checked.organizers, &checked.participants)?;
        Ok(true)
    }
}

write_routes! {
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
