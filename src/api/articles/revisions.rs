//! `GET /api/v1/articles/{id_or_slug}/revisions`: an article's revisions, newest first.

use super::*;

/// Paging of an article's revisions (newest first): like every list, by page.
/// Revisions have one order, newest first.
const REVISIONS: ListSpec<()> = ListSpec {
    sorts: &[("version", ())],
    cursor_sorts: &[],
    default_sort: "-version",
    fields: &[],
    includes: &[],
};

/// List an article's revisions (content:preview), newest first, by page.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = ["content:preview"])),
    params(("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "amcc7"), crate::api::query::PagingParams),
    responses(
        (status = 200, description = "One page of revisions", body = ListResponse<Revision>),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A bad or unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks content:preview", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id_or_slug}/revisions")]
pub async fn list_article_revisions(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    params: QueryParams<crate::api::query::PagingParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentPreview)?;
    let key = path_key(&path.into_inner(), ArticleRow::NOUN)?;
    let params = params.0;
    let mut problems = Problems::default();
    let common = crate::api::query::CommonParams::paging(
        params.page.as_deref(),
        params.per_page.as_deref(),
        params.count.as_deref(),
    );
    let opts = crate::api::query::parse_list(common, &REVISIONS, &state.cursor_key, &mut problems);
    problems.into_result()?;
    let ctx = state.ctx();
    let viewer = viewer(&caller, ctx);
    let moved = Moved::new(&req, "/revisions");
    let (offset, per_page, with_total) = (opts.offset(), opts.per_page, opts.with_total);
    let (rows, total) = database::run(&state.editorial_pool, move |conn| {
        let row = lookup::<ArticleRow>(conn, &key, viewer, &moved)?;
        let rows = db::revisions(conn, row.id, offset, per_page + 1)?;
        let total = match with_total {
            true => Some(db::count_revisions(conn, row.id)?),
            false => None,
        };
        Ok::<_, ApiError>((rows, total))
    })
    .await?;
    let mut page = crate::api::query::PageOf::new(rows, per_page, total);
    let items = std::mem::take(&mut page.items)
        .into_iter()
        .map(|r| revision(r, ctx).and_then(|r| to_value(&r)))
        .collect::<Result<Vec<_>, _>>()?;
    let page = page.with_items(items);
    let response = crate::api::query::list_response(&req, &opts, page);
    Ok(editorial(response, None))
}
