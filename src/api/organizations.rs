//! `/api/v1/organizations`: government bodies, agencies, news agencies, forums.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use super::query::{
    editorial, item_response, list_response, load_page, parse_country, parse_include, parse_key,
    parse_list, path_key, IncludeTree, ItemResponse, ListResponse, ListSpec, Problems, QueryParams,
};
use super::refs::{OrganizationRef, RelatedOrganization};
use super::{gone_if_deleted, to_value, Ctx, Moved, State};
use crate::db::organizations::{self as db, OrganizationFilter, OrganizationRow, OrganizationSort};
use crate::db::slugs::Resource;
use crate::db::{self as database, DbConnection, Key};
use crate::domain::text::search_pattern;
use crate::error::{ApiError, Problem};
use crate::list_params;

/// What kind of body an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Government,
    Ministry,
    Intergovernmental,
    Agency,
    NewsAgency,
    TaskForce,
    Centre,
    Forum,
    Company,
    Other,
}

impl OrganizationKind {
    pub const ALL: [&'static str; 10] = [
        "government",
        "ministry",
        "intergovernmental",
        "agency",
        "news_agency",
        "task_force",
        "centre",
        "forum",
        "company",
        "other",
    ];

    fn from_stored(kind: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(kind.to_owned()))
            .unwrap_or(OrganizationKind::Other)
    }
}

/// An organization. Fields other than `id` can be left out with `fields`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(required = false, example = "ttxvn")]
    pub slug: String,
    /// The Vietnamese name.
    #[schema(required = false, example = "Thông tấn xã Việt Nam")]
    pub name: String,
    #[schema(required = false, example = "Vietnam News Agency")]
    pub name_en: Option<String>,
    #[schema(required = false, example = "TTXVN")]
    pub short_name: Option<String>,
    #[schema(required = false)]
    pub kind: OrganizationKind,
    /// ISO 3166-1 alpha-2.
    #[schema(required = false, example = "VN")]
    pub country: Option<String>,
    /// The organization this one belongs to (`include=parent` embeds it whole).
    #[schema(required = false)]
    pub parent: Option<RelatedOrganization>,
    #[schema(required = false, example = "Cơ quan thông tấn quốc gia")]
    pub description: Option<String>,
    /// Increments on every content change.
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

pub const SPEC: ListSpec = ListSpec {
    sorts: &["name", "short_name", "id", "updated_at"],
    cursor_sorts: &["name", "id", "updated_at"],
    default_sort: "name",
    fields: &[
        "slug",
        "name",
        "name_en",
        "short_name",
        "kind",
        "country",
        "parent",
        "description",
        "version",
        "created_at",
        "updated_at",
    ],
    includes: &["parent", "parent.parent"],
};

fn sort_key(name: &str) -> Option<OrganizationSort> {
    Some(match name {
        "name" => OrganizationSort::Name,
        "short_name" => OrganizationSort::ShortName,
        "id" => OrganizationSort::Id,
        "updated_at" => OrganizationSort::UpdatedAt,
        _ => return None,
    })
}

list_params! {
    /// Filters and options of `GET /api/v1/organizations`.
    pub struct OrganizationListParams {
        sort: ("Comma list of `name`, `short_name`, `id`, `updated_at`; `-` for descending; at most 3. Default `name`.", "name",
            "^-?(name|short_name|id|updated_at)(,-?(name|short_name|id|updated_at)){0,2}$"),
        fields: ("Only these fields (and `id`): comma list of the organization's fields.", "name,short_name",
            "^(slug|name|name_en|short_name|kind|country|parent|description|version|created_at|updated_at)(,(slug|name|name_en|short_name|kind|country|parent|description|version|created_at|updated_at))*$"),
        @include ("Embed related items whole: `parent`, `parent.parent`.", "parent", "^(parent|parent\\.parent)(,(parent|parent\\.parent))*$"),
        /// Only organizations of this kind.
        #[param(value_type = Option<OrganizationKind>, example = "news_agency")]
        kind,
        /// Only organizations of this country (ISO 3166-1 alpha-2).
        #[param(pattern = "^[A-Za-z]{2}$", example = "VN")]
        country,
        /// Only organizations under this parent (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "asean")]
        parent,
        /// Words to find in the names, folded (`bo cong an` finds `Bộ Công an`).
        #[param(example = "an ninh mạng")]
        q,
    }
}

/// Options of `GET /api/v1/organizations/{id_or_slug}`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationParams {
    /// Embed related items whole: `parent`, `parent.parent`.
    #[param(
        example = "parent",
        pattern = "^(parent|parent\\.parent)(,(parent|parent\\.parent))*$"
    )]
    pub include: Option<String>,
}

impl OrganizationListParams {
    fn parse(
        &self,
    ) -> Result<
        (
            OrganizationFilter,
            super::query::ListOptions<OrganizationSort>,
        ),
        ApiError,
    > {
        let mut problems = Problems::default();
        let opts = parse_list(self.common(), &SPEC, sort_key, &mut problems);
        let kind = self.kind.as_deref().and_then(|k| {
            problems.check(
                "kind",
                if OrganizationKind::ALL.contains(&k) {
                    Ok(k.to_owned())
                } else {
                    Err(format!(
                        "must be one of: {}",
                        OrganizationKind::ALL.join(", ")
                    ))
                },
            )
        });
        let filter = OrganizationFilter {
            kind,
            country: self
                .country
                .as_deref()
                .and_then(|c| problems.check("country", parse_country(c))),
            parent: self
                .parent
                .as_deref()
                .and_then(|p| problems.check("parent", parse_key(p))),
            search: self.q.as_deref().and_then(search_pattern),
        };
        problems.into_result()?;
        Ok((filter, opts))
    }
}

/// Turns rows into wire organizations, embedding parents whole where `include` asks.
pub fn represent(
    conn: &mut DbConnection,
    rows: Vec<OrganizationRow>,
    include: &IncludeTree,
    ctx: Ctx,
) -> Result<Vec<Organization>, ApiError> {
    let parent_ids: Vec<i64> = rows.iter().filter_map(|r| r.parent_id).collect();
    let parents: HashMap<i64, RelatedOrganization> = match include.get("parent") {
        Some(nested) => {
            let full = db::by_ids(conn, &parent_ids)?;
            represent(conn, full, nested, ctx)?
                .into_iter()
                .map(|o| (o.id, RelatedOrganization::Full(Box::new(o))))
                .collect()
        }
        None => db::refs(conn, &parent_ids)?
            .into_iter()
            .map(|(id, r)| (id, RelatedOrganization::Ref(OrganizationRef::from(r))))
            .collect(),
    };
    Ok(rows
        .into_iter()
        .map(|row| Organization {
            parent: row.parent_id.and_then(|id| parents.get(&id).cloned()),
            id: row.id,
            slug: row.slug,
            name: row.name,
            name_en: row.name_en,
            short_name: row.short_name,
            kind: OrganizationKind::from_stored(&row.kind),
            country: row.country,
            description: row.description,
            version: row.version,
            created_at: ctx.tz.render(row.created_at),
            updated_at: ctx.tz.render(row.updated_at),
        })
        .collect())
}

/// Finds a live organization or answers 404 / 410.
pub fn find_live(
    conn: &mut DbConnection,
    key: &Key,
    moved: &Moved,
) -> Result<OrganizationRow, ApiError> {
    let Some(row) = db::find(conn, key)? else {
        return Err(moved.resolve(
            conn,
            key,
            Resource::Organizations,
            "organization",
            |conn, id| {
                Ok(db::find(conn, &Key::Id(id))?
                    .filter(|r| r.deleted_at.is_none())
                    .map(|r| r.slug))
            },
        )?);
    };
    gone_if_deleted(row.deleted_at, "organization", key)?;
    Ok(row)
}

/// List organizations.
///
/// Government bodies, ministries, intergovernmental bodies, news agencies and others, sorted by
/// name by default.
#[utoipa::path(
    tag = "organizations",
    params(OrganizationListParams),
    responses(
        (status = 200, description = "A page of organizations", body = ListResponse<Organization>,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: State,
    req: HttpRequest,
    params: QueryParams<OrganizationListParams>,
) -> Result<HttpResponse, ApiError> {
    let (filter, opts) = params.0.parse()?;
    let ctx = state.ctx();
    let (page, opts) = database::run(&state.pool, move |conn| {
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

/// Get one organization.
#[utoipa::path(
    tag = "organizations",
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "ttxvn"),
        OrganizationParams,
    ),
    responses(
        (status = 200, description = "The organization", body = ItemResponse<Organization>),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The organization was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id_or_slug}")]
pub async fn get_organization(
    state: State,
    req: HttpRequest,
    caller: super::auth::Caller,
    path: web::Path<String>,
    params: QueryParams<OrganizationParams>,
) -> Result<HttpResponse, ApiError> {
    let moved = Moved::new(&req, "organizations", "");
    let key = path_key(&path.into_inner(), "organization")?;
    let mut problems = Problems::default();
    let include = parse_include(params.0.include.as_deref(), SPEC.includes, &mut problems);
    problems.into_result()?;
    let ctx = state.ctx();
    let item = database::run(&state.pool, move |conn| {
        let row = find_live(conn, &key, &moved)?;
        let mut items = represent(conn, vec![row], &include, ctx)?;
        items
            .pop()
            .ok_or_else(|| ApiError::Internal("organization vanished".into()))
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

/// List the people with a position at an organization.
///
/// Everyone who holds or held a position there, current holders first, then by name.
#[utoipa::path(
    tag = "organizations",
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug of the organization", example = "bo-cong-an"),
        super::people::PersonListParams,
    ),
    responses(
        (status = 200, description = "A page of people", body = ListResponse<super::people::Person>,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The organization was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id_or_slug}/people")]
pub async fn list_organization_people(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    params: QueryParams<super::people::PersonListParams>,
) -> Result<HttpResponse, ApiError> {
    let moved = Moved::new(&req, "organizations", "/people");
    let key = path_key(&path.into_inner(), "organization")?;
    super::people::list_people_where(state, req, params.0, move |conn, filter, ctx| {
        let org = find_live(conn, &key, &moved)?;
        filter.organization = Some(Key::Id(org.id));
        filter.current_first_on = Some(ctx.today());
        Ok(())
    })
    .await
}
