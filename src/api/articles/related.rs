//! `GET /api/v1/articles/{id_or_slug}/related`: the editor's pins, then a bounded ranking.

use super::*;

/// The parameters of `related`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    /// How many, 1 to 20 (default 5).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 20, example = 5)]
    pub limit: Option<String>,
    /// The language of names (BCP 47, e.g. `en`): served languages only, a tag with no match
    /// falls back to the default. Without it, `Accept-Language` chooses. Malformed: a 400.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
        example = "en"
    )]
    pub lang: Option<String>,
}

/// Items per relation, and newest articles per item, that `related` weighs.
const RELATED_ITEMS: usize = 20;
const RELATED_PER_ITEM: i64 = 100;

/// Articles related to this one.
///
/// First the articles its editor pinned (`related`, those that are out), then other public
/// articles ranked by what they share with it — each shared event counts 3, person 2,
/// organization 1.5, tag 1, a name both texts mention 0.75, the primary section 0.5 — plus up
/// to one point for recency (half at 30 days). Cheap at any size: for each of at most 20 items
/// per signal it reads the 100 newest articles from one index range, so at most about 12,000
/// index entries whatever the number of articles. List summaries, best first.
#[utoipa::path(
    tag = "articles",
    params(("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"), RelatedParams, ("Accept-Language" = Option<String>, Header, description = "The languages the caller reads, with quality values: without `lang`, names are shown in the first one served. A malformed value is ignored.")),
    responses(
        (status = 200, description = "Related articles, best first", body = ItemResponse<Vec<Article>>),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag"),
        (status = 400, description = "A bad or unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id_or_slug}/related")]
pub async fn list_related_articles(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    params: QueryParams<RelatedParams>,
) -> Result<HttpResponse, ApiError> {
    let key = path_key(&path.into_inner(), ArticleRow::NOUN)?;
    let mut problems = Problems::default();
    let limit = match params.0.limit.as_deref() {
        None => 5,
        Some(raw) => problems
            .check(
                "limit",
                raw.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=20).contains(n))
                    .ok_or_else(|| "must be a whole number between 1 and 20".to_owned()),
            )
            .unwrap_or(1),
    };
    problems.into_result()?;
    let ctx = state.ctx_for(&req, &caller)?;
    let viewer = viewer(&caller, ctx);
    let moved = Moved::new(&req, "/related");
    let read = move |conn: &mut crate::db::DbConnection| {
        let row = lookup::<ArticleRow>(conn, &key, viewer, &moved)?;
        let shared = db::sharing(conn, &row, ctx.now, RELATED_ITEMS, RELATED_PER_ITEM)?;
        let mut weights: std::collections::HashMap<i64, f64> = std::collections::HashMap::new();
        for (signal, id) in shared {
            *weights.entry(id).or_default() += crate::domain::articles::relation_weight(signal);
        }
        // Its own editions tell the same story: `translations` lists them, not this.
        if let Some((_, editions)) = db::translations::groups(conn, &[row.id])?.remove(&row.id) {
            for edition in editions {
                weights.remove(&edition);
            }
        }
        let candidates: Vec<i64> = weights.keys().copied().collect();
        let mut ranked: Vec<(i64, f64, chrono::NaiveDateTime)> =
            db::listed_at(conn, &candidates, ctx.now)?
                .into_iter()
                .map(|(id, at)| {
                    let age = (ctx.now - at).num_seconds() as f64 / 86_400.0;
                    let shared = weights.get(&id).copied().unwrap_or_default();
                    (id, crate::domain::articles::relatedness(shared, age), at)
                })
                .collect();
        ranked.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| b.2.cmp(&a.2))
                .then_with(|| b.0.cmp(&a.0))
        });
        // The editor's pins come first (those that are out), then the ranking without them.
        let public = Viewer::public(ctx.now);
        let pins: Vec<i64> = db::pinned(conn, &[row.id])?
            .remove(&row.id)
            .unwrap_or_default();
        let shown: Vec<i64> = db::by_ids(conn, &pins)?
            .iter()
            .filter(|r| public.sees(*r))
            .map(|r| r.id)
            .collect();
        let mut ids: Vec<i64> = pins.into_iter().filter(|id| shown.contains(id)).collect();
        ids.extend(
            ranked
                .iter()
                .map(|(id, _, _)| *id)
                .filter(|id| !ids.contains(id))
                .collect::<Vec<_>>(),
        );
        ids.truncate(limit);
        let mut rows = db::by_ids(conn, &ids)?;
        rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
        let options = ArticleOptions {
            audience: Audience::of(viewer),
            ..ArticleOptions::default()
        };
        load(conn, rows, &options, ctx)
    };
    let related = match viewer.previews {
        true => database::run(&state.editorial_pool, read).await?,
        false => state.public_read(read).await?,
    };
    let response = super::super::read::in_language(
        HttpResponse::Ok().json(ItemResponse { data: related }),
        ctx,
    );
    Ok(if viewer.previews {
        editorial(response, None)
    } else {
        response
    })
}
