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
use crate::media::image::{prepare, Rejected};
use crate::media::store::Fetched;
use crate::media::{files, make_variants, Media};
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::media::{build, MediaItem};
use crate::views::{to_value, Ctx};

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

/// A multipart upload: the file and its texts.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// The image: JPEG, PNG, WebP or GIF (judged from its bytes), at most 20 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(
        max_length = 500,
        example = "Bộ trưởng Tô Lâm phát biểu tại Hội nghị AMCC7"
    )]
    alt: Option<String>,
    #[schema(
        max_length = 5000,
        example = "Lễ khai mạc Hội nghị AMCC7 tại Singapore."
    )]
    caption: Option<String>,
    #[schema(max_length = 500, example = "TTXVN")]
    credit: Option<String>,
}

fn rejected(rejection: Rejected) -> ApiError {
    match rejection {
        Rejected::Unsupported => ApiError::UnsupportedMediaType(
            "only JPEG, PNG, WebP and GIF images are taken (judged from the file's bytes)".into(),
        ),
        Rejected::TooLarge {
            width,
            height,
            max_pixels,
        } => ApiError::Validation(vec![FieldError::pointer(
            "",
            format!(
                "the image is {width} × {height} pixels, over the {max_pixels} pixels \
                 the service decodes"
            ),
        )]),
        Rejected::Corrupt(why) => ApiError::Validation(vec![FieldError::pointer(
            "",
            format!("the image cannot be read: {why}"),
        )]),
    }
}

/// Reads the upload: the raw body (`Content-Type: image/...`) or a `multipart/form-data` form
/// with a `file` field and optional `alt`, `caption`, `credit`.
async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    media: &Media,
) -> Result<(Vec<u8>, MediaTextsInput), ApiError> {
    let limit = media.settings.max_bytes;
    let kind = media_type(req);
    if kind == "multipart/form-data" {
        // The form's own lines ride on top of the file: a little room for them.
        let body = read_body(req, payload, limit + 64 * 1024, || too_large(limit)).await?;
        return read_form(req, body.freeze(), limit).await;
    }
    if !kind.starts_with("image/") && kind != "application/octet-stream" {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the image as the body (`Content-Type: image/jpeg` and the like) or as \
             `multipart/form-data`, not `{kind}`"
        )));
    }
    let body = read_body(req, payload, limit, || too_large(limit)).await?;
    Ok((body.to_vec(), MediaTextsInput::default()))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("an upload is at most {limit} bytes"))
}

async fn read_form(
    req: &HttpRequest,
    body: bytes::Bytes,
    limit: usize,
) -> Result<(Vec<u8>, MediaTextsInput), ApiError> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    let mut form = actix_multipart::Multipart::new(req.headers(), stream);
    let mut file = None;
    let mut texts = MediaTextsInput::default();
    let bad = |e: actix_multipart::MultipartError| {
        ApiError::BadRequest(format!("the form cannot be read: {e}"))
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            if value.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            value.extend_from_slice(&chunk);
        }
        let text = || {
            String::from_utf8(value.clone())
                .map_err(|_| ApiError::BadRequest(format!("`{name}` is not UTF-8 text")))
        };
        match name.as_str() {
            "file" => file = Some(value),
            "alt" => texts.alt = Some(text()?),
            "caption" => texts.caption = Some(text()?),
            "credit" => texts.credit = Some(text()?),
            other => {
                return Err(ApiError::InvalidBody(vec![FieldError::pointer(
                    format!("/{other}"),
                    "unknown form field (the fields are file, alt, caption, credit)",
                )]))
            }
        }
    }
    let file = file
        .ok_or_else(|| ApiError::InvalidBody(vec![FieldError::pointer("/file", "is required")]))?;
    Ok((file, texts))
}

/// Upload an image.
///
/// The file is the raw body (its `Content-Type` an image type) or the `file` field of a
/// `multipart/form-data` form (with optional `alt`, `caption`, `credit`). Its type is judged
/// from its bytes: JPEG, PNG, WebP and GIF are taken, anything else (SVG, HTML) is `415`. Every
/// metadata block (EXIF with GPS, XMP, IPTC, comments) is taken out of every file served, the
/// original included; the EXIF orientation is applied to the pixels first. Variants (widths
/// 320, 640, 1024, 1600 below the original's, in WebP and JPEG or PNG) are made just after.
/// The same bytes uploaded again answer `200` with the existing item; bytes that were purged
/// answer `409` (their name stays retired).
#[utoipa::path(
    tag = "media",
    request_body(content(
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "image/png"),
        (Vec<u8> = "image/webp"),
        (Vec<u8> = "image/gif"),
        (MediaUpload = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Stored", body = ItemResponse<MediaItem>,
            headers(("Location" = String, description = "`/api/v1/media/{id}`"), ("ETag" = String, description = "The item's version"))),
        (status = 200, description = "These bytes are in the library already: the existing item", body = ItemResponse<MediaItem>),
        (status = 400, description = "A form that cannot be read, or one without `file`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `content:write`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "These bytes were purged (a takedown): they are never taken again", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the upload limit (20 MiB by default), found while the body streams", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG, PNG, WebP or GIF, judged from the bytes", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A truncated or corrupt image, one over 50 million pixels (refused before decoding), or texts over their bounds", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database or the media store is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["content:write"]))
)]
#[post("/media")]
pub async fn upload_media(
    state: State,
    req: HttpRequest,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentWrite)?;
    let media = state.media.clone();
    let (bytes, texts) = read_upload(&req, payload, &media).await?;
    let mut checks = Checks::default();
    let texts = texts.check(&mut checks, "");
    checks.into_result()?;
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let ctx = state.ctx();
    let known = sha256.clone();
    let tz = state.tz;
    let existing = commit(&state, move |conn, journal| {
        if let Some(at) = db::purged_sha256(conn, &known)? {
            return Err(purged(at, tz));
        }
        let row = db::by_sha256(conn, &known)?;
        if let Some(row) = &row {
            if row.deleted_at.is_some() {
                // It comes back: a creation for whoever mirrors the library.
                db::restore(conn, row.id, ctx.now)?;
                let change = db::change(conn, row.id, ChangeAction::Created, ctx.now)?;
                journal.record(conn, change)?;
                return Ok(db::find(conn, row.id)?);
            }
        }
        Ok(row)
    })
    .await?;
    if let Some(row) = existing {
        return Ok(item_response(
            actix_web::http::StatusCode::OK,
            &row,
            &media,
            ctx,
        ));
    }
    let max_pixels = media.settings.max_pixels;
    let prepared = web::block(move || prepare(&bytes, max_pixels).map(|p| (p, bytes.len())))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(rejected)?;
    let (prepared, uploaded) = prepared;
    let name = media.stem(&sha256);
    let new = NewMedia {
        sha256,
        name,
        content_type: prepared.format.content_type().to_owned(),
        bytes: uploaded as i64,
        width: prepared.width as i32,
        height: prepared.height as i32,
        has_alpha: prepared.has_alpha,
        alt: texts.alt,
        caption: texts.caption,
        credit: texts.credit,
        search_key: texts.search_key,
        color: prepared.color,
        blurhash: prepared.blurhash,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    // The file first: a row always has its file (a kill between leaves a file no row names,
    // under the name the same bytes would take again).
    let original = format!("{}.{}", new.name, prepared.format.extension());
    media
        .store
        .put(&original, prepared.original)
        .await
        .map_err(store_error)?;
    let (status, row) = commit(&state, move |conn, journal| {
        match db::by_sha256(conn, &new.sha256)? {
            // Another upload of the same bytes won the race.
            Some(row) => Ok((actix_web::http::StatusCode::OK, row)),
            None => {
                let id = db::insert(conn, &new)?;
                let change = db::change(conn, id, ChangeAction::Created, new.created_at)?;
                journal.record(conn, change)?;
                let row = db::find(conn, id)?
                    .ok_or_else(|| ApiError::Internal("the new media item vanished".into()))?;
                Ok((actix_web::http::StatusCode::CREATED, row))
            }
        }
    })
    .await?;
    media.wake();
    let mut response = item_response(status, &row, &media, ctx);
    if status == actix_web::http::StatusCode::CREATED {
        if let Ok(value) = header::HeaderValue::from_str(&format!("/api/v1/media/{}", row.id)) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    Ok(response)
}

/// Bytes purged once are never taken again: their name stays retired, so no upload can make a
/// purged URL serve again (the files are `immutable` for a year at every cache).
fn purged(at: chrono::NaiveDateTime, tz: crate::domain::time::PortalTz) -> ApiError {
    ApiError::Conflict(format!(
        "these bytes were purged from the library on {} (a takedown) and cannot be uploaded again",
        tz.render(at).format("%d/%m/%Y %H:%M")
    ))
}

fn store_error(e: crate::media::store::StoreError) -> ApiError {
    tracing::error!(error = %e, "media store failed");
    ApiError::Unavailable
}

fn item_response(
    status: actix_web::http::StatusCode,
    row: &MediaRow,
    media: &Media,
    ctx: Ctx,
) -> HttpResponse {
    let item = build(row, media, ctx);
    super::query::editorial(
        HttpResponse::build(status).json(ItemResponse { data: item }),
        Some(row.version),
    )
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
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
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

/// Get a media file.
///
/// Public to whoever has the URL (names are keyed hashes of the content: unguessable, and a
/// name's bytes never change). Every metadata block is out of every file. Single byte ranges
/// answer `206`. A variant asked for before the worker made it is made on this request.
#[utoipa::path(
    tag = "media",
    params(
        ("file" = String, Path, description = "`<name>.<ext>` (the original) or `<name>-<width>.<ext>`", example = "3f9ac2d1e0b74a5f8c6d2e1f0a9b8c7d-640.webp"),
        ("Range" = Option<String>, Header, description = "One byte range, `bytes=0-1023`"),
        ("If-None-Match" = Option<String>, Header, description = "`304` when it names the file's ETag"),
    ),
    responses(
        (status = 200, description = "The file", content_type = "image/*",
            headers(("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"), ("ETag" = String, description = "The file's name"), ("Accept-Ranges" = String, description = "`bytes`"))),
        (status = 206, description = "The range asked for", content_type = "image/*",
            headers(("Content-Range" = String, description = "`bytes 0-1023/48213`"))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such file (or it was purged)", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "A range outside the file", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The media store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/media/{file}")]
pub async fn get_media_file(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = path.into_inner();
    let missing = || ApiError::NotFound(format!("no media file `{file}`"));
    let (stem, ext) = file.rsplit_once('.').ok_or_else(missing)?;
    let format = Format::from_extension(ext).ok_or_else(missing)?;
    let (name, width) = match stem.split_once('-') {
        Some((name, width)) => (name, Some(width.parse::<u32>().map_err(|_| missing())?)),
        None => (stem, None),
    };
    if name.len() != 32 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let etag_value = format!("\"{file}\"");
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            // Weak comparison, as RFC 9110 asks of If-None-Match.
            v.split(',')
                .map(|t| t.trim())
                .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag_value)
        })
    {
        return Ok(file_headers(HttpResponse::NotModified(), format, &etag_value).finish());
    }
    let range = match req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(raw) => parse_range(raw),
        None => None,
    };
    // Small files are kept in memory once read: a name's bytes never change.
    let hot = state.media.hot(&file);
    let (mut fetched, mut from) = match (&hot, range) {
        (Some(bytes), _) => (
            Some(Fetched {
                size: bytes.len() as u64,
                bytes: bytes.clone(),
            }),
            0,
        ),
        (None, range) => (fetch(&state, &file, range).await?, 0),
    };
    if fetched.is_none() && width.is_some() {
        // A variant not made yet: make it now (or wait for whoever is making it).
        if make_on_request(&state, name).await? {
            fetched = fetch(&state, &file, range).await?;
        }
    }
    if hot.is_none() {
        match (&fetched, range) {
            (Some(whole), None) => state.media.keep_hot(&file, whole.bytes.clone()),
            // What was fetched begins where the request began (a suffix range read it all).
            (_, Some(range)) => from = range.request().start,
            _ => {}
        }
    }
    let fetched = fetched.ok_or_else(missing)?;
    let Some(range) = range else {
        return Ok(file_headers(HttpResponse::Ok(), format, &etag_value).body(fetched.bytes));
    };
    match range.resolve(fetched.size) {
        Some((start, end)) => {
            let part = fetched.bytes.slice(
                (start - from) as usize..((end - from + 1) as usize).min(fetched.bytes.len()),
            );
            Ok(
                file_headers(HttpResponse::PartialContent(), format, &etag_value)
                    .insert_header((
                        header::CONTENT_RANGE,
                        format!("bytes {start}-{end}/{}", fetched.size),
                    ))
                    .body(part),
            )
        }
        None => {
            let mut response =
                ApiError::RangeNotSatisfiable(format!("the file is {} bytes long", fetched.size))
                    .error_response();
            if let Ok(value) = header::HeaderValue::from_str(&format!("bytes */{}", fetched.size)) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            Ok(response)
        }
    }
}

use actix_web::ResponseError;

fn file_headers(
    mut builder: actix_web::HttpResponseBuilder,
    format: Format,
    etag_value: &str,
) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, etag_value.to_owned()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    builder
}

/// The file, or the part of it a range asks for.
async fn fetch(
    state: &State,
    file: &str,
    range: Option<ByteRange>,
) -> Result<Option<Fetched>, ApiError> {
    state
        .media
        .store
        .get(file, range.map(|r| r.request()))
        .await
        .map_err(store_error)
}

/// Makes the variants of the item named `name` on this request when nobody is making them,
/// or waits (up to 30 s) for whoever is. `false` when there is no such item.
async fn make_on_request(state: &State, name: &str) -> Result<bool, ApiError> {
    let name = name.to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let key = name.clone();
        let row = database::run(&state.pool, move |conn| {
            use crate::db::schema::media;
            use diesel::prelude::*;
            Ok(media::table
                .filter(media::name.eq(key))
                .filter(media::purged_at.is_null())
                .select(MediaRow::as_select())
                .first(conn)
                .optional()?)
        })
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        if row.variants_done_at.is_some() {
            return Ok(true);
        }
        if make_variants(&state.media, &state.pool, &state.clock, row.id).await? {
            return Ok(true);
        }
        if std::time::Instant::now() > deadline {
            return Err(ApiError::Unavailable);
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// One byte range of a `Range` header (several ranges are answered whole, as RFC 9110 allows).
#[derive(Debug, Clone, Copy, PartialEq)]
enum ByteRange {
    /// `bytes=a-b` or `bytes=a-`.
    From(u64, Option<u64>),
    /// `bytes=-n`: the last n bytes.
    Last(u64),
}

fn parse_range(raw: &str) -> Option<ByteRange> {
    let spec = raw.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim(), end.trim());
    match (start.is_empty(), end.is_empty()) {
        (true, false) => end.parse().ok().map(ByteRange::Last),
        (false, true) => start.parse().ok().map(|s| ByteRange::From(s, None)),
        (false, false) => {
            let (s, e) = (start.parse().ok()?, end.parse().ok()?);
            (s <= e).then_some(ByteRange::From(s, Some(e)))
        }
        (true, true) => None,
    }
}

impl ByteRange {
    /// What to ask the store for (a suffix range needs the size: the whole file is read).
    fn request(self) -> std::ops::Range<u64> {
        match self {
            ByteRange::From(start, Some(end)) => start..end.saturating_add(1),
            ByteRange::From(start, None) => start..u64::MAX,
            ByteRange::Last(_) => 0..u64::MAX,
        }
    }

    /// The first and last byte served of a file of `size` bytes; `None` when none is.
    fn resolve(self, size: u64) -> Option<(u64, u64)> {
        match self {
            ByteRange::From(start, end) if start < size => {
                Some((start, end.map_or(size - 1, |e| e.min(size - 1))))
            }
            ByteRange::Last(n) if n > 0 && size > 0 => Some((size.saturating_sub(n), size - 1)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_one_span_of_bytes() {
        assert_eq!(
            parse_range("bytes=0-99"),
            Some(ByteRange::From(0, Some(99)))
        );
        assert_eq!(parse_range("bytes=100-"), Some(ByteRange::From(100, None)));
        assert_eq!(parse_range("bytes=-50"), Some(ByteRange::Last(50)));
        assert_eq!(parse_range("bytes=5-1"), None);
        assert_eq!(parse_range("bytes=0-1,5-9"), None);
        assert_eq!(parse_range("items=0-1"), None);
        assert_eq!(ByteRange::From(0, Some(99)).resolve(50), Some((0, 49)));
        assert_eq!(ByteRange::From(50, None).resolve(50), None);
        assert_eq!(ByteRange::Last(10).resolve(50), Some((40, 49)));
        assert_eq!(ByteRange::Last(80).resolve(50), Some((0, 49)));
    }
}
