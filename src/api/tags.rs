//! `/api/v1/tags`: tags with the number of public articles carrying each.

use actix_web::{get, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::query::{
    list_response, parse_list, ListResponse, ListSpec, PageOf, Problems, QueryParams,
};
use super::{to_value, State};
use crate::db::tags::{self as db, TagSort};
use crate::db::{self as database};
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
}

pub const SPEC: ListSpec = ListSpec {
    sorts: &["name", "article_count"],
    cursor_sorts: &[],
    default_sort: "-article_count,name",
    fields: &["slug", "name", "article_count"],
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
        fields: ("Only these fields (and `id`): `slug`, `name`, `article_count`.", "slug,name",
            "^(slug|name|article_count)(,(slug|name|article_count))*$"),
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
                let tag = Tag {
                    id: row.id,
                    slug: row.slug.clone(),
                    name: row.name.clone(),
                    article_count: *count,
                };
                to_value(&tag).map(|v| opts.fields.project(v, &[]))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((page.with_items(values), opts))
    })
    .await?;
    Ok(list_response(&req, &opts, page))
}
