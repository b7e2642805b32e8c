//! `/api/v1/tags`: tags with the number of public articles carrying each.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::auth::Caller;
use super::editing::{Checked, Editable};
use super::organizations_write::{check_name, check_slug};
use super::query::{editorial, moved_to, path_key, NoParams};
use super::query::{
    list_response, parse_list, ListResponse, ListSpec, PageOf, Problems, QueryParams,
};
use super::{to_value, Ctx, ItemResponse, State};
use crate::db::slugs::{self, Resource};
use crate::db::tags::{self as db, TagChanges, TagRow, TagSort};
use crate::db::{self as database, DbConnection, Key};
use crate::domain::slug::slugify;
use crate::domain::time::PortalTz;
use crate::error::{ApiError, Problem};
use crate::list_params;

/// A tag and how many public articles carry it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tag {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(required = false, example = "an-ninh-mang")]
    pub slug: String,
    #[schema(required = false, example = "An ninh mạng")]
    pub name: String,
    /// Published, visible articles with this tag.
    #[schema(required = false, example = 1, minimum = 0)]
    pub article_count: i64,
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

impl Tag {
    pub fn from_row(row: &TagRow, article_count: i64, tz: PortalTz) -> Tag {
        Tag {
            id: row.id,
            slug: row.slug.clone(),
            name: row.name.clone(),
            article_count,
            version: row.version,
            created_at: tz.render(row.created_at),
            updated_at: tz.render(row.updated_at),
        }
    }
}

pub const SPEC: ListSpec = ListSpec {
    sorts: &["name", "article_count"],
    cursor_sorts: &[],
    default_sort: "-article_count,name",
    fields: &[
        "slug",
        "name",
        "article_count",
        "version",
        "created_at",
        "updated_at",
    ],
    includes: &[],
};

fn sort_key(name: &str) -> Option<TagSort> {
    Some(match name {
        "name" => TagSort::Name,
        "article_count" => TagSort::ArticleCount,
        _ => return None,
    })
}

list_params! {
    /// Options of `GET /api/v1/tags`.
    pub struct TagListParams {
        sort: ("Comma list of `name`, `article_count`; `-` for descending; at most 3. Default `-article_count,name`.", "-article_count,name",
            "^-?(name|article_count)(,-?(name|article_count)){0,2}$"),
        fields: ("Only these fields (and `id`): `slug`, `name`, `article_count`, `version`, `created_at`, `updated_at`.", "slug,name",
            "^(slug|name|article_count|version|created_at|updated_at)(,(slug|name|article_count|version|created_at|updated_at))*$"),
    }
}

/// List tags.
///
/// Tags used by at least one public article, with their article counts; tags used only by
/// drafts or scheduled articles are not listed.
#[utoipa::path(
    tag = "tags",
    params(TagListParams),
    responses(
        (status = 200, description = "A page of tags", body = ListResponse<Tag>,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags")]
pub async fn list_tags(
    state: State,
    req: HttpRequest,
    params: QueryParams<TagListParams>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::default();
    let opts = parse_list(params.0.common(), &SPEC, sort_key, &mut problems);
    problems.into_result()?;
    let now = state.clock.now();
    let tz = state.tz;
    let (page, opts) = database::run(&state.pool, move |conn| {
        let rows = db::list_with_counts(conn, now, &opts.sort, opts.offset(), opts.per_page + 1)?;
        let total = opts
            .with_total
            .then(|| db::count_with_articles(conn, now))
            .transpose()?;
        let page = PageOf::new(rows, opts.per_page, total);
        let values = page
            .items
            .iter()
            .map(|(row, count)| {
                to_value(&Tag::from_row(row, *count, tz)).map(|v| opts.fields.project(v, &[]))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((page.with_items(values), opts))
    })
    .await?;
    Ok(list_response(&req, &opts, page))
}

/// Get one tag.
///
/// A tag that no public article carries is visible only with a preview token.
#[utoipa::path(
    tag = "tags",
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "an-ninh-mang"),
    ),
    responses(
        (status = 200, description = "The tag", body = ItemResponse<Tag>),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tag", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The tag was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags/{id_or_slug}")]
pub async fn get_tag(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let key = path_key(&path.into_inner(), "tag")?;
    let ctx = state.ctx();
    let previews = caller.previews();
    let query = req.query_string().to_owned();
    let tag = database::run(&state.pool, move |conn| {
        let row = match db::find(conn, &key)? {
            Some(row) => row,
            None => {
                if let Key::Slug(slug) = &key {
                    if let Some(id) = slugs::former_holder(conn, Resource::Tags, slug)? {
                        if let Some(current) = db::find(conn, &Key::Id(id))? {
                            return Err(ApiError::MovedPermanently(moved_to(
                                &query,
                                "tags",
                                &current.slug,
                                "",
                            )));
                        }
                    }
                }
                return Err(ApiError::not_found("tag", &key));
            }
        };
        let count = db::public_count(conn, row.id, ctx.now)?;
        if row.deleted_at.is_some() {
            return Err(ApiError::Gone(format!("tag `{key}` was deleted")));
        }
        if count == 0 && !previews {
            return Err(ApiError::not_found("tag", &key));
        }
        Ok(Tag::from_row(&row, count, ctx.tz))
    })
    .await?;
    let version = tag.version;
    let response = HttpResponse::Ok().json(ItemResponse { data: tag });
    Ok(if previews {
        editorial(response, Some(version))
    } else {
        response
    })
}

/// A tag as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    /// Generated from the name when absent.
    #[schema(example = "chuyen-doi-so")]
    pub slug: Option<String>,
    #[schema(example = "Chuyển đổi số")]
    pub name: String,
}

pub struct CheckedTag {
    changes: TagChanges,
    slug_given: bool,
}

impl Checked for CheckedTag {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

pub struct Tags;

impl Editable for Tags {
    const RESOURCE: Resource = Resource::Tags;
    const NOUN: &'static str = "tag";
    const READ_ONLY: &'static [&'static str] =
        &["id", "version", "created_at", "updated_at", "article_count"];
    type Input = NewTag;
    type Checked = CheckedTag;

    crate::find_stored!(db);

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = db::find(conn, &Key::Id(id))?.ok_or_else(|| ApiError::not_found("tag", id))?;
        let count = db::public_count(conn, id, ctx.now)?;
        Ok((row.version, to_value(&Tag::from_row(&row, count, ctx.tz))?))
    }

    fn check(_conn: &mut DbConnection, input: NewTag, ctx: Ctx) -> Result<CheckedTag, ApiError> {
        let mut errors = Vec::new();
        let name = check_name(&input.name, "/name", &mut errors);
        check_slug(&input.slug, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(CheckedTag {
            slug_given: input.slug.is_some(),
            changes: TagChanges {
                slug: input.slug.unwrap_or_else(|| slugify(&name, "tag")),
                name,
                updated_at: ctx.now,
            },
        })
    }

    fn insert(conn: &mut DbConnection, checked: &CheckedTag, ctx: Ctx) -> Result<i64, ApiError> {
        Ok(db::insert(conn, &checked.changes, ctx.now)?)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedTag,
        _ctx: Ctx,
    ) -> Result<bool, ApiError> {
        Ok(db::update(conn, id, expected, &checked.changes)?)
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
    editable: Tags,
    input: NewTag,
    output: Tag,
    tag: "tags",
    collection: "/tags",
    item: "/tags/{id_or_slug}",
    example: "an-ninh-mang",
    create: (create_tag, "Create a tag."),
    replace: (replace_tag, "Rename a tag (and change its slug; the old one answers 301)."),
    update: (update_tag, "Change a tag (JSON merge patch)."),
    delete: (delete_tag, "Delete a tag (soft): it leaves the tag list and every article."),
}
