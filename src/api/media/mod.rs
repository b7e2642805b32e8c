//! `/api/v1/media`: the image library (decision 0015), and `/media/{file}`: its files.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::editing::commit;
use super::query::{list_response, ListSpec, PageOf, Problems, QueryParams};
use super::write::{if_match, media_type, read_body, read_json, strip_read_only};
use super::State;
use crate::db::media::{self as db, MediaOrder, MediaRow, MediaTexts, NewMedia};
use crate::db::{self as database};
use crate::domain::check::{max, Checks};
use crate::domain::kinds::ChangeAction;
use crate::domain::media::Format;
use crate::domain::token::Scope;
use crate::error::{ApiError, FieldError, Problem};
use crate::media::image::{judge, prepare, Rejected};
use crate::media::store::Fetched;
use crate::media::{files, make_variants, Media};
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::media::{build, MediaItem};
use crate::views::{to_value, Ctx};

mod files;
pub use files::*;

mod upload;
pub use upload::*;

const NOUN: &str = "media item";

/// The texts of an upload or an edit.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaTextsInput {
    /// Alternative text for readers who cannot see the image.
    #[schema(
        max_length = 500,
        example = "Bộ trưởng Tô Lâm phát biểu tại Hội nghị AMCC7"
    )]
    pub alt: Option<String>,
    #[schema(
        max_length = 5000,
        example = "Bộ trưởng Công an Tô Lâm tham dự Lễ khai mạc Hội nghị Bộ trưởng ASEAN về An ninh mạng ngày 20-10."
    )]
    pub caption: Option<String>,
    #[schema(max_length = 500, example = "TTXVN")]
    pub credit: Option<String>,
}

impl MediaTextsInput {
    fn check(self, checks: &mut Checks, pointer: &str) -> MediaTexts {
        let alt = checks.line(self.alt, &format!("{pointer}/alt"), max::LINE);
        let caption = checks.prose(self.caption, &format!("{pointer}/caption"), max::PARAGRAPH);
        let credit = checks.line(self.credit, &format!("{pointer}/credit"), max::LINE);
        let search_key = crate::domain::text::search_key(
            [&alt, &caption, &credit]
                .into_iter()
                .filter_map(|t| t.as_deref()),
        );
        MediaTexts {
            alt,
            caption,
            credit,
            search_key,
        }
    }
}

/// The query parameters of the library's list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MediaListParams {
    /// Words in the alt text, caption or credit (case and diacritics ignored).
    #[param(min_length = 1, max_length = 200, example = "hoi nghi")]
    pub q: Option<String>,
    /// `-created_at` (default, newest first) or `created_at`.
    #[param(pattern = "^-?created_at$", example = "-created_at")]
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000, example = 1)]
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<String>,
    /// `exact` (default) counts the items; `none` skips it.
    #[param(value_type = Option<super::query::CountMode>, example = "exact")]
    pub count: Option<String>,
}

const BY_DATE: ListSpec<()> = ListSpec {
    sorts: &[("created_at", ())],
    cursor_sorts: &[],
    default_sort: "-created_at",
    fields: &[],
    includes: &[],
};

/// List the library.
///
/// Items not deleted, newest first by default; `q` finds words of their texts.
#[utoipa::path(
    tag = "media",
    params(MediaListParams),
    responses(
        (status = 200, description = "A page of items", body = ListResponse<MediaItem>),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `content:preview` (every scope has it)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["content:preview"]))
)]
#[get("/media")]
pub async fn list_media(
    state: State,
    req: HttpRequest,
    caller: Caller,
    params: QueryParams<MediaListParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentPreview)?;
    let params = params.0;
    let mut problems = Problems::default();
    let common = super::query::CommonParams::paging(
        params.page.as_deref(),
        params.per_page.as_deref(),
        params.count.as_deref(),
    );
    let opts = super::query::parse_list(common, &BY_DATE, &state.cursor_key, &mut problems);
    let order = match params.sort.as_deref() {
        None | Some("-created_at") => MediaOrder::NewestFirst,
        Some("created_at") => MediaOrder::OldestFirst,
        Some(_) => {
            problems.add("sort", "is `created_at` or `-created_at`");
            MediaOrder::NewestFirst
        }
    };
    let q = match params.q.as_deref() {
        None => None,
        Some(q) if q.chars().count() > 200 => {
            problems.add("q", "must be at most 200 characters");
            None
        }
        Some(q) => {
            let key = crate::domain::text::search_key([q]);
            match key.trim() {
                "" => {
                    problems.add("q", "must hold a word");
                    None
                }
                words => Some(format!(" {words} ")),
            }
        }
    };
    problems.into_result()?;
    let media = state.media.clone();
    let ctx = state.ctx();
    let (offset, per_page, with_total) = (opts.offset(), opts.per_page, opts.with_total);
    let page = database::run(&state.editorial_pool, move |conn| {
        let rows = db::list(conn, q.as_deref(), order, offset, per_page + 1)?;
        let total = match with_total {
            true => Some(db::count(conn, q.as_deref())?),
            false => None,
        };
        let items = rows
            .iter()
            .map(|row| to_value(&build(row, &media, ctx)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, ApiError>(PageOf::new(items, per_page, total))
    })
    .await?;
    Ok(super::query::editorial(
        list_response(&req, &opts, page),
        None,
    ))
}

fn parse_id(raw: &str) -> Result<i64, ApiError> {
    crate::domain::key::parse_id(raw)
        .ok_or_else(|| ApiError::invalid_parameter("id", "must be a positive whole number"))
}

async fn load(state: &State, id: i64) -> Result<MediaRow, ApiError> {
    let row = database::run(&state.editorial_pool, move |conn| Ok(db::find(conn, id)?)).await?;
    match row {
        None => Err(ApiError::not_found(NOUN, id)),
        Some(row) if row.purged_at.is_some() => Err(ApiError::Gone(format!(
            "media item {id} was purged from the store"
        ))),
        Some(row) if row.deleted_at.is_some() => {
            Err(ApiError::Gone(format!("media item {id} was deleted")))
        }
        Some(row) => Ok(row),
    }
}

/// Get one item of the library.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "The item's id", example = 12)),
    responses(
        (status = 200, description = "The item", body = ItemResponse<MediaItem>, headers(("ETag" = String, description = "The item's version"))),
        (status = 400, description = "An id that is not a positive whole number", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `content:preview` (every scope has it)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The item was deleted or purged", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["content:preview"]))
)]
#[get("/media/{id}")]
pub async fn get_media(
    state: State,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentPreview)?;
    let row = load(&state, parse_id(&path)?).await?;
    Ok(item_response(
        actix_web::http::StatusCode::OK,
        &row,
        &state.media,
        state.ctx(),
    ))
}

/// Fields of the item a body may carry only as they are.
const READ_ONLY: [&str; 12] = [
    "id",
    "width",
    "height",
    "content_type",
    "bytes",
    "sha256",
    "placeholder",
    "src",
    "variants",
    "variants_ready",
    "created_at",
    "updated_at",
];

/// An edit of the texts: PATCH merges (RFC 7396), PUT replaces (absent texts become empty).
async fn edit(
    state: State,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
    merge: bool,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentWrite)?;
    let id = parse_id(&path)?;
    let expected = if_match(&req)?;
    let mut body = read_json(&req, payload).await?;
    let row = load(&state, id).await?;
    let ctx = state.ctx();
    let current = match to_value(&build(&row, &state.media, ctx))? {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let mut errors = Vec::new();
    strip_read_only(&mut body, Some(&current), &READ_ONLY, &mut errors);
    body.remove("version");
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // Only the texts are editable: any other member is refused, `null` ones too (a merge would
    // otherwise drop them silently).
    if let Some(unknown) = body
        .keys()
        .find(|k| !["alt", "caption", "credit"].contains(&k.as_str()))
    {
        return Err(ApiError::InvalidBody(vec![FieldError::pointer(
            format!("/{}", unknown.replace('~', "~0").replace('/', "~1")),
            "unknown field: only alt, caption and credit can be edited",
        )]));
    }
    if merge {
        let mut merged = Value::Object(
            ["alt", "caption", "credit"]
                .into_iter()
                .filter_map(|k| current.get(k).map(|v| (k.to_owned(), v.clone())))
                .collect(),
        );
        super::write::merge_patch(&mut merged, &Value::Object(body));
        body = match merged {
            Value::Object(map) => map,
            _ => Map::new(),
        };
    }
    let input: MediaTextsInput = super::write::decode(body)?;
    let mut checks = Checks::default();
    let texts = input.check(&mut checks, "");
    checks.into_result()?;
    if !expected.matches(row.version) {
        return Err(stale(row.version));
    }
    let version = row.version;
    let written = commit(&state, move |conn, journal| {
        if !db::update_texts(conn, id, version, &texts, ctx.now)? {
            return Ok(None);
        }
        let change = db::change(conn, id, ChangeAction::Updated, ctx.now)?;
        journal.record(conn, change)?;
        Ok(db::find(conn, id)?)
    })
    .await?;
    let row = written.ok_or_else(|| stale(version))?;
    Ok(item_response(
        actix_web::http::StatusCode::OK,
        &row,
        &state.media,
        ctx,
    ))
}

fn stale(version: i32) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "the item changed: it is at version {version} or later, not the one `If-Match` names"
    ))
}

/// Edit an item's texts (merge patch).
#[utoipa::path(
    tag = "media",
    params(
        ("id" = i64, Path, description = "The item's id", example = 12),
        ("If-Match" = String, Header, description = "The ETag the edit is based on"),
    ),
    request_body(content = MediaTextsInput, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Edited", body = ItemResponse<MediaItem>, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "A body that is not a JSON object, or a bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `content:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The item was deleted or purged", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names another version", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Texts over their bounds, or read-only fields changed", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["content:write"]))
)]
#[patch("/media/{id}")]
pub async fn update_media(
    state: State,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    edit(state, req, caller, path, payload, true).await
}

/// Replace an item's texts.
#[utoipa::path(
    tag = "media",
    params(
        ("id" = i64, Path, description = "The item's id", example = 12),
        ("If-Match" = String, Header, description = "The ETag the edit is based on"),
    ),
    request_body(content = MediaTextsInput),
    responses(
        (status = 200, description = "Replaced", body = ItemResponse<MediaItem>, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "A body that is not a JSON object, or a bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `content:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The item was deleted or purged", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names another version", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Texts over their bounds, or read-only fields changed", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["content:write"]))
)]
#[put("/media/{id}")]
pub async fn replace_media(
    state: State,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    edit(state, req, caller, path, payload, false).await
}

/// Delete an item.
///
/// A soft delete: the item leaves the library and articles can no longer name it; its files
/// stay (a purge removes them). `409` while an article that is not deleted (draft, scheduled or
/// published) uses it.
#[utoipa::path(
    tag = "media",
    params(
        ("id" = i64, Path, description = "The item's id", example = 12),
        ("If-Match" = String, Header, description = "The ETag the deletion is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `content:write`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Articles use the item (named in `detail`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The item was deleted or purged already", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names another version", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["content:write"]))
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    state: State,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentWrite)?;
    let id = parse_id(&path)?;
    let expected = if_match(&req)?;
    let row = load(&state, id).await?;
    if !expected.matches(row.version) {
        return Err(stale(row.version));
    }
    let (version, now) = (row.version, state.ctx().now);
    // The deletion first, then the check: on PostgreSQL the update holds the row, so an
    // article write naming the item either committed before (and is seen here) or waits and
    // then sees the item deleted (`db::media::usable_locked`).
    commit(&state, move |conn, journal| {
        if !db::soft_delete(conn, id, version, now)? {
            return Err(stale(version));
        }
        let change = db::change(conn, id, ChangeAction::Deleted, now)?;
        journal.record(conn, change)?;
        let users = db::users(conn, id)?;
        if !users.is_empty() {
            let named: Vec<String> = users.iter().map(|(_, slug)| slug.clone()).collect();
            return Err(ApiError::Conflict(format!(
                "articles use this item: {}",
                named.join(", ")
            )));
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Why an item is purged.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurgeRequest {
    /// Kept in the purge record.
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Yêu cầu gỡ bỏ theo quyết định của tòa án"
    )]
    pub reason: String,
}

/// A purge, as recorded.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Purge {
    #[schema(example = 12)]
    pub media: i64,
    #[schema(example = "9f2c8d0b6a1e4f7c3b5d9e8a7f6c5b4a3d2e1f0c9b8a7d6e5f4c3b2a1d0e9f8c")]
    pub sha256: String,
    /// The token that purged it.
    #[schema(example = "Quản trị hệ thống")]
    pub purged_by: String,
    #[schema(example = "Yêu cầu gỡ bỏ theo quyết định của tòa án")]
    pub reason: String,
    pub purged_at: chrono::DateTime<chrono::FixedOffset>,
    /// Files removed from the store.
    #[schema(example = 9)]
    pub files_removed: usize,
}

/// Purge an item (admin).
///
/// For a legal takedown: every file of the item (the original and each variant) is removed
/// from the store and the item is marked purged; a record keeps who did it, when and why.
/// Articles that named the item show their caption without the image, and may keep it in their
/// body when edited. Logged as a change (`purged`) and announced as `media.purged`; the same
/// bytes are never taken again (`409` on upload).
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "The item's id", example = 12)),
    request_body = PurgeRequest,
    responses(
        (status = 200, description = "Purged", body = ItemResponse<Purge>),
        (status = 400, description = "A bad id or body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not `admin`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Purged already", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or one over 500 characters", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database or the media store is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/media/{id}/purge")]
pub async fn purge_media(
    state: State,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let editor = caller.require(Scope::Admin)?.clone();
    let id = parse_id(&path)?;
    let body = read_json(&req, payload).await?;
    let request: PurgeRequest = super::write::decode(body)?;
    let mut checks = Checks::default();
    let reason = checks.line(Some(request.reason), "/reason", max::LINE);
    if reason.is_none() {
        checks.add("/reason", "is required");
    }
    checks.into_result()?;
    let reason = reason.unwrap_or_default();
    let now = state.ctx().now;
    // A change like any other: logged (`purged`, the `media.purged` event), the cache cleared
    // (articles embedding the image show its caption alone from now on).
    let row = commit(&state, move |conn, journal| {
        let row = db::find(conn, id)?.ok_or_else(|| ApiError::not_found(NOUN, id))?;
        if row.purged_at.is_some() {
            return Err(ApiError::Gone(format!(
                "media item {id} was purged already"
            )));
        }
        db::purge(conn, &row, editor.token_id, &editor.name, &reason, now)?;
        let change = db::change(conn, id, ChangeAction::Purged, now)?;
        journal.record(conn, change)?;
        Ok((row, editor.name, reason))
    })
    .await?;
    let (row, purged_by, reason) = row;
    let mut removed = 0;
    for file in files(&row) {
        state.media.store.delete(&file).await.map_err(store_error)?;
        state.media.forget_hot(&file);
        removed += 1;
    }
    tracing::warn!(id, purged_by = %purged_by, "purged a media item from the store");
    let purge = Purge {
        media: row.id,
        sha256: row.sha256,
        purged_by,
        reason,
        purged_at: state.tz.render(now),
        files_removed: removed,
    };
    Ok(super::query::editorial(
        HttpResponse::Ok().json(ItemResponse { data: purge }),
        None,
    ))
}
