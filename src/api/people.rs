//! `/api/v1/people`: officials and others named in articles, with aliases and positions.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use super::query::{
    editorial, item_response, list_response, load_page, parse_country, parse_include, parse_key,
    parse_list, path_key, IncludeTree, ItemResponse, ListOptions, ListResponse, ListSpec, Problems,
    QueryParams,
};
use super::refs::{OrganizationRef, RelatedOrganization};
use super::{gone_if_deleted, organizations, to_value, Ctx, Moved, State};
use crate::db::people::{self as db, PersonFilter, PersonRow, PersonSort};
use crate::db::slugs::Resource;
use crate::db::{self as database, DbConnection, Key};
use crate::domain::text::search_pattern;
use crate::error::{ApiError, Problem};
use crate::list_params;

/// How an alias relates to the person's display name.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AliasKind {
    /// The name in the person's own language or script.
    Native,
    /// A rendering in another language, such as a Sino-Vietnamese reading.
    Transliteration,
    /// A spelling found in published text that is wrong.
    Misspelling,
    /// Any other known form (a nickname, a former name).
    Other,
}

impl AliasKind {
    fn from_stored(kind: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(kind.to_owned()))
            .unwrap_or(AliasKind::Other)
    }
}

/// Another name or spelling of a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Alias {
    #[schema(example = "Tiêu Chí Hiền")]
    pub name: String,
    /// BCP 47 language tag.
    #[schema(example = "vi")]
    pub language: String,
    pub kind: AliasKind,
}

/// A position a person holds or held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Position {
    #[schema(example = "Bộ trưởng Bộ Công an")]
    pub title: String,
    #[schema(example = "Minister of Public Security")]
    pub title_en: Option<String>,
    /// Where (`include=positions` embeds the organization whole).
    pub organization: Option<RelatedOrganization>,
    /// Empty when unknown.
    #[schema(example = "2016-04-09")]
    pub starts_on: Option<NaiveDate>,
    /// Empty while the position is held (or when unknown).
    pub ends_on: Option<NaiveDate>,
    /// Whether the position is held today; empty when its dates are unknown.
    #[schema(example = true)]
    pub current: Option<bool>,
}

/// A person. Fields other than `id` can be left out with `fields`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(required = false, example = "to-lam")]
    pub slug: String,
    /// Display name, in the person's usual spelling.
    #[schema(required = false, example = "Tô Lâm")]
    pub name: String,
    /// A rank or form of address shown before the name.
    #[schema(required = false, example = "Đại tướng")]
    pub honorific: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(required = false, example = "VN")]
    pub country: Option<String>,
    #[schema(
        required = false,
        example = "Ủy viên Bộ Chính trị, Bộ trưởng Bộ Công an."
    )]
    pub bio: Option<String>,
    #[schema(required = false)]
    pub aliases: Vec<Alias>,
    #[schema(required = false)]
    pub positions: Vec<Position>,
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

pub const SPEC: ListSpec = ListSpec {
    sorts: &["name", "id", "updated_at"],
    cursor_sorts: &["name", "id", "updated_at"],
    default_sort: "name",
    fields: &[
        "slug",
        "name",
        "honorific",
        "country",
        "bio",
        "aliases",
        "positions",
        "version",
        "created_at",
        "updated_at",
    ],
    includes: &["positions", "positions.parent"],
};

fn sort_key(name: &str) -> Option<PersonSort> {
    Some(match name {
        "name" => PersonSort::Name,
        "id" => PersonSort::Id,
        "updated_at" => PersonSort::UpdatedAt,
        _ => return None,
    })
}

list_params! {
    /// Filters and options of the people lists.
    pub struct PersonListParams {
        sort: ("Comma list of `name`, `id`, `updated_at`; `-` for descending; at most 3. Default `name`.", "name",
            "^-?(name|id|updated_at)(,-?(name|id|updated_at)){0,2}$"),
        fields: ("Only these fields (and `id`): comma list of the person's fields.", "name,positions",
            "^(slug|name|honorific|country|bio|aliases|positions|version|created_at|updated_at)(,(slug|name|honorific|country|bio|aliases|positions|version|created_at|updated_at))*$"),
        @include ("Embed related items whole: `positions` (each position's organization), `positions.parent` (and its parent).", "positions", "^(positions|positions\\.parent)(,(positions|positions\\.parent))*$"),
        /// Only people with a position (current or past) at this organization (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "bo-cong-an")]
        organization,
        /// Only people of this country (ISO 3166-1 alpha-2).
        #[param(pattern = "^[A-Za-z]{2}$", example = "SG")]
        country,
        /// Words to find in names and aliases, folded (`tieu chi hien` finds Teo Chee Hean).
        #[param(example = "Tiêu Chí Hiền")]
        q,
    }
}

/// Options of `GET /api/v1/people/{id_or_slug}`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PersonParams {
    /// Embed related items whole: `positions`, `positions.parent`.
    #[param(
        example = "positions",
        pattern = "^(positions|positions\\.parent)(,(positions|positions\\.parent))*$"
    )]
    pub include: Option<String>,
}

impl PersonListParams {
    fn parse(&self) -> Result<(PersonFilter, ListOptions<PersonSort>), ApiError> {
        let mut problems = Problems::default();
        let opts = parse_list(self.common(), &SPEC, sort_key, &mut problems);
        let filter = PersonFilter {
            organization: self
                .organization
                .as_deref()
                .and_then(|o| problems.check("organization", parse_key(o))),
            country: self
                .country
                .as_deref()
                .and_then(|c| problems.check("country", parse_country(c))),
            search: self.q.as_deref().and_then(search_pattern),
            current_first_on: None,
        };
        problems.into_result()?;
        Ok((filter, opts))
    }
}

/// Turns rows into wire people: aliases, positions and their organizations in one query each.
pub fn represent(
    conn: &mut DbConnection,
    rows: Vec<PersonRow>,
    include: &IncludeTree,
    ctx: Ctx,
) -> Result<Vec<Person>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut aliases: HashMap<i64, Vec<Alias>> = HashMap::new();
    for alias in db::aliases(conn, &ids)? {
        aliases.entry(alias.person_id).or_default().push(Alias {
            kind: AliasKind::from_stored(&alias.kind),
            name: alias.name,
            language: alias.language,
        });
    }
    let held = db::positions(conn, &ids)?;
    let org_ids: Vec<i64> = held.iter().filter_map(|p| p.organization_id).collect();
    let orgs: HashMap<i64, RelatedOrganization> = match include.get("positions") {
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
    let today = ctx.today();
    let mut positions: HashMap<i64, Vec<Position>> = HashMap::new();
    for p in held {
        positions.entry(p.person_id).or_default().push(Position {
            organization: p.organization_id.and_then(|id| orgs.get(&id).cloned()),
            current: is_current(p.starts_on, p.ends_on, today),
            title: p.title,
            title_en: p.title_en,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| Person {
            aliases: aliases.remove(&row.id).unwrap_or_default(),
            positions: positions.remove(&row.id).unwrap_or_default(),
            id: row.id,
            slug: row.slug,
            name: row.name,
            honorific: row.honorific,
            country: row.country,
            bio: row.bio,
            version: row.version,
            created_at: ctx.tz.render(row.created_at),
            updated_at: ctx.tz.render(row.updated_at),
        })
        .collect())
}

/// Held today: started (or no known start) and not ended. With neither date known, nobody can
/// tell, and the answer is empty rather than a guess.
fn is_current(
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<bool> {
    match (starts_on, ends_on) {
        (None, None) => None,
        (start, end) => Some(start.is_none_or(|s| s <= today) && end.is_none_or(|e| e >= today)),
    }
}

/// Finds a live person or answers 404 / 410.
pub fn find_live(conn: &mut DbConnection, key: &Key, moved: &Moved) -> Result<PersonRow, ApiError> {
    let Some(row) = db::find(conn, key)? else {
        return Err(
            moved.resolve(conn, key, Resource::People, "person", |conn, id| {
                Ok(db::find(conn, &Key::Id(id))?
                    .filter(|r| r.deleted_at.is_none())
                    .map(|r| r.slug))
            })?,
        );
    };
    gone_if_deleted(row.deleted_at, "person", key)?;
    Ok(row)
}

/// A people list; `scope` narrows the filter inside the database work (sub-collections).
pub async fn list_people_where<F>(
    state: State,
    req: HttpRequest,
    params: PersonListParams,
    scope: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConnection, &mut PersonFilter, Ctx) -> Result<(), ApiError> + Send + 'static,
{
    let (mut filter, opts) = params.parse()?;
    let ctx = state.ctx();
    let (page, opts) = database::run(&state.pool, move |conn| {
        scope(conn, &mut filter, ctx)?;
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

/// List people.
///
/// Sorted by name by default; `q` matches names and aliases in any spelling the portal knows.
#[utoipa::path(
    tag = "people",
    params(PersonListParams),
    responses(
        (status = 200, description = "A page of people", body = ListResponse<Person>,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/people")]
pub async fn list_people(
    state: State,
    req: HttpRequest,
    params: QueryParams<PersonListParams>,
) -> Result<HttpResponse, ApiError> {
    list_people_where(state, req, params.0, |_, _, _| Ok(())).await
}

/// Get one person, with aliases and positions.
#[utoipa::path(
    tag = "people",
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "josephine-teo"),
        PersonParams,
    ),
    responses(
        (status = 200, description = "The person", body = ItemResponse<Person>),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The person was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/people/{id_or_slug}")]
pub async fn get_person(
    state: State,
    req: HttpRequest,
    caller: super::auth::Caller,
    path: web::Path<String>,
    params: QueryParams<PersonParams>,
) -> Result<HttpResponse, ApiError> {
    let moved = Moved::new(&req, "people", "");
    let key = path_key(&path.into_inner(), "person")?;
    let mut problems = Problems::default();
    let include = parse_include(params.0.include.as_deref(), SPEC.includes, &mut problems);
    problems.into_result()?;
    let ctx = state.ctx();
    let item = database::run(&state.pool, move |conn| {
        let row = find_live(conn, &key, &moved)?;
        let mut items = represent(conn, vec![row], &include, ctx)?;
        items
            .pop()
            .ok_or_else(|| ApiError::Internal("person vanished".into()))
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

/// List the articles about a person.
///
/// The same filters and options as `GET /api/v1/articles`, narrowed to this person.
#[utoipa::path(
    tag = "people",
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug of the person", example = "to-lam"),
        super::articles::ArticleListParams,
    ),
    responses(
        (status = 200, description = "A page of article summaries", body = ListResponse<super::articles::Article>,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The person was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/people/{id_or_slug}/articles")]
pub async fn list_person_articles(
    state: State,
    req: HttpRequest,
    caller: super::auth::Caller,
    path: web::Path<String>,
    params: QueryParams<super::articles::ArticleListParams>,
) -> Result<HttpResponse, ApiError> {
    let moved = Moved::new(&req, "people", "/articles");
    let key = path_key(&path.into_inner(), "person")?;
    super::articles::list_articles_where(state, req, caller, params.0, move |conn, filter| {
        let person = find_live(conn, &key, &moved)?;
        filter.person = Some(Key::Id(person.id));
        Ok(())
    })
    .await
}
