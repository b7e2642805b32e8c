//! `/api/v1/webhooks` (admin): endpoints that receive signed deliveries of content changes,
//! their deliveries and attempts, and retries by hand (decision 0016).

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::auth::Caller;
use super::editing::commit;
use super::query::{
    editorial, list_response, ListSpec, PageOf, PagingParams, Problems, QueryParams,
};
use super::write::{changed, created, decode, if_match, merge_patch, read_json};
use super::State;
use crate::db::webhooks::{self as db, AttemptRow, DeliveryRow, WebhookChanges, WebhookRow};
use crate::db::{self as database};
use crate::domain::resources::event_names;
use crate::domain::time::PortalTz;
use crate::domain::token::Scope;
use crate::error::{ApiError, FieldError, Problem};
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::to_value;

/// An endpoint, as an admin sees it: never its secret after creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "https://portal.example.vn/hooks/newsroom")]
    pub url: String,
    #[schema(example = json!(["article.published", "article.updated"]))]
    pub events: Vec<String>,
    #[schema(example = "Dựng lại trang chủ khi có bài mới")]
    pub description: String,
    /// False once turned off, by an admin or because the endpoint answered 410 Gone.
    #[schema(example = true)]
    pub enabled: bool,
    #[schema(example = "the endpoint answered 410 Gone")]
    pub disabled_reason: Option<String>,
    #[schema(example = 1)]
    pub version: i32,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

/// A new endpoint: the only time its signing secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (Standard Webhooks): `whsec_` and the base64 of the key. Verify
    /// `webhook-signature` with it; store it now, it is not shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// What an endpoint receives.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `http` or `https`; loopback, private and link-local destinations are refused at delivery
    /// time, after the name is resolved.
    #[schema(
        max_length = 2048,
        example = "https://portal.example.vn/hooks/newsroom"
    )]
    pub url: String,
    /// Events to receive, 1 to 27 of them: `<type>.created|updated|deleted` for the types
    /// organization, person, event, tag, section and author; `media.created|updated|deleted|purged`;
    /// `article.published|updated|unpublished|deleted`; `slot.updated` (a test compares this
    /// list with the resource descriptors).
    #[schema(min_items = 1, max_items = 27, example = json!(["article.published", "article.updated", "article.unpublished", "article.deleted"]))]
    pub events: Vec<String>,
    #[schema(max_length = 500, example = "Dựng lại trang chủ khi có bài mới")]
    pub description: Option<String>,
}

/// An edit: the fields of `NewWebhook`, and `enabled` (true turns a disabled endpoint on again).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEdit {
    #[schema(
        max_length = 2048,
        example = "https://portal.example.vn/hooks/newsroom"
    )]
    pub url: String,
    /// Events to receive, 1 to 27 of them, as for a new endpoint: organization, person, event,
    /// tag, section and author `created|updated|deleted`; media also `purged`; article
    /// `published|updated|unpublished|deleted`; slot `updated`.
    #[schema(min_items = 1, max_items = 27, example = json!(["article.published"]))]
    pub events: Vec<String>,
    #[schema(max_length = 500, example = "Dựng lại trang chủ khi có bài mới")]
    pub description: Option<String>,
    #[schema(example = true)]
    pub enabled: bool,
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    pub at: DateTime<FixedOffset>,
    /// The endpoint's status code; absent when there was no answer.
    #[schema(example = 503)]
    pub status_code: Option<i32>,
    #[schema(example = "the endpoint answered 503")]
    pub error: Option<String>,
    #[schema(example = 84)]
    pub duration_ms: i64,
}

/// A delivery of one change to one endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    #[schema(example = 7)]
    pub id: i64,
    /// The `webhook-id` header, the same on every attempt.
    #[schema(example = "msg_42")]
    pub message_id: String,
    #[schema(example = "article.published")]
    pub event: String,
    /// The change's number in the change feed.
    #[schema(example = 42)]
    pub seq: i64,
    /// `pending`, `delivered` or `failed` (no attempts left, or the endpoint is gone).
    #[schema(example = "delivered")]
    pub status: String,
    #[schema(example = 3)]
    pub attempts: i32,
    #[schema(example = 200)]
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<FixedOffset>>,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<FixedOffset>>,
    pub delivered_at: Option<DateTime<FixedOffset>>,
    pub created_at: DateTime<FixedOffset>,
    /// Every attempt, oldest first.
    pub history: Vec<Attempt>,
}

fn describe(row: &WebhookRow, tz: PortalTz) -> Webhook {
    Webhook {
        id: row.id,
        url: row.url.clone(),
        events: row.event_list(),
        description: row.description.clone(),
        enabled: row.disabled_at.is_none(),
        disabled_reason: row.disabled_reason.clone(),
        version: row.version,
        created_at: tz.render(row.created_at),
        updated_at: tz.render(row.updated_at),
    }
}

fn delivery(row: &DeliveryRow, attempts: &[AttemptRow], tz: PortalTz) -> Delivery {
    Delivery {
        id: row.id,
        message_id: crate::webhooks::message_id(row.seq),
        event: row.event.clone(),
        seq: row.seq,
        status: row.status.clone(),
        attempts: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error.clone(),
        last_attempt_at: row.last_attempt_at.map(|t| tz.render(t)),
        next_attempt_at: row
            .next_attempt_at
            .filter(|_| row.status == db::PENDING)
            .map(|t| tz.render(t)),
        delivered_at: row.delivered_at.map(|t| tz.render(t)),
        created_at: tz.render(row.created_at),
        history: attempts
            .iter()
            .filter(|a| a.delivery_id == row.id)
            .map(|a| Attempt {
                at: tz.render(a.at),
                status_code: a.status_code,
                error: a.error.clone(),
                duration_ms: a.duration_ms,
            })
            .collect(),
    }
}

/// Checks an endpoint's URL, events and description; returns them cleaned.
fn validate(
    url: &str,
    events: &[String],
    description: Option<&str>,
) -> Result<(String, Vec<String>, String), ApiError> {
    let mut errors = Vec::new();
    let url = url.trim();
    match reqwest::Url::parse(url) {
        _ if url.len() > 2048 => errors.push(FieldError::pointer(
            "/url",
            "must be at most 2048 characters",
        )),
        Ok(parsed)
            if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some() => {}
        Ok(_) => errors.push(FieldError::pointer(
            "/url",
            "must be an http or https URL with a host",
        )),
        Err(e) => errors.push(FieldError::pointer("/url", format!("is not a URL: {e}"))),
    }
    let known = event_names();
    let mut wanted: Vec<String> = Vec::new();
    if events.is_empty() || events.len() > known.len() {
        errors.push(FieldError::pointer(
            "/events",
            format!("must list 1 to {} events", known.len()),
        ));
    }
    for (i, event) in events.iter().enumerate().take(known.len()) {
        if !known.contains(event) {
            errors.push(FieldError::pointer(
                format!("/events/{i}"),
                format!("must be one of: {}", known.join(", ")),
            ));
        } else if !wanted.contains(event) {
            wanted.push(event.clone());
        }
    }
    // Listed in the spec's order, so that an endpoint reads the same however it was written.
    wanted.sort_by_key(|e| known.iter().position(|k| k == e));
    let description = description.unwrap_or("").trim().to_owned();
    if description.chars().count() > 500 {
        errors.push(FieldError::pointer(
            "/description",
            "must be at most 500 characters",
        ));
    }
    if errors.is_empty() {
        Ok((url.to_owned(), wanted, description))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Live endpoints at most.
const MAX_WEBHOOKS: i64 = 100;

fn not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("no webhook {id}"))
}

fn parse_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    crate::domain::key::parse_id(raw)
        .ok_or_else(|| ApiError::BadRequest(format!("`{raw}` is not a {what} id")))
}

/// Register an endpoint (admin). The signing secret is in this response only.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    request_body(content = NewWebhook, content_type = "application/json"),
    responses(
        (status = 201, description = "The endpoint, with its signing secret", body = ItemResponse<CreatedWebhook>,
            headers(("Location" = String, description = "The endpoint's URL"), ("ETag" = String, description = "`\"<version>\"`"))),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "There are 100 endpoints already", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad URL, unknown events, a description over 500 characters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: State,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let input: NewWebhook = decode(read_json(&req, payload).await?)?;
    let (url, events, description) =
        validate(&input.url, &input.events, input.description.as_deref())?;
    let secret = crate::webhooks::new_secret()?;
    let (now, tz) = (state.clock.now(), state.tz);
    let stored = secret.clone();
    // Under the write lock on both backends, so concurrent creates cannot pass the bound.
    let row = commit(&state, move |conn, _| {
        // Each change is queued once per endpoint: their number bounds that work.
        if db::count(conn)? >= MAX_WEBHOOKS {
            return Err(ApiError::Conflict(format!(
                "there are {MAX_WEBHOOKS} endpoints already; delete one first"
            )));
        }
        let id = db::insert(conn, &url, &description, &events, &stored, now)?;
        live(conn, id)
    })
    .await?;
    let body = to_value(&CreatedWebhook {
        webhook: describe(&row, tz),
        secret: format!("whsec_{secret}"),
    })?;
    Ok(created(
        format!("/api/v1/webhooks/{}", row.id),
        row.version,
        body,
    ))
}

/// List endpoints (admin).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(PagingParams),
    responses(
        (status = 200, description = "One page of endpoints, oldest first", body = ListResponse<Webhook>),
        (status = 400, description = "A bad or unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: State,
    caller: Caller,
    req: HttpRequest,
    params: QueryParams<PagingParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let opts = paging(&state, &params.0)?;
    let (offset, per_page, with_total, tz) =
        (opts.offset(), opts.per_page, opts.with_total, state.tz);
    let (rows, total) = database::run(&state.editorial_pool, move |conn| {
        let rows = db::list(conn, offset, per_page + 1)?;
        let total = if with_total {
            Some(db::count(conn)?)
        } else {
            None
        };
        Ok((rows, total))
    })
    .await?;
    let mut page = PageOf::new(rows, per_page, total);
    let items = std::mem::take(&mut page.items)
        .iter()
        .map(|r| to_value(&describe(r, tz)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(editorial(
        list_response(&req, &opts, page.with_items(items)),
        None,
    ))
}

/// Lists with one order: paging only.
const ONE_ORDER: ListSpec<()> = ListSpec {
    sorts: &[("id", ())],
    cursor_sorts: &[],
    default_sort: "id",
    fields: &[],
    includes: &[],
};

fn paging(state: &State, params: &PagingParams) -> Result<super::query::ListOptions<()>, ApiError> {
    let mut problems = Problems::default();
    let common = super::query::CommonParams::paging(
        params.page.as_deref(),
        params.per_page.as_deref(),
        params.count.as_deref(),
    );
    let opts = super::query::parse_list(common, &ONE_ORDER, &state.cursor_key, &mut problems);
    problems.into_result()?;
    Ok(opts)
}

/// A live endpoint: 404 when there is none, 410 when it was deleted.
fn live(conn: &mut database::DbConnection, id: i64) -> Result<WebhookRow, ApiError> {
    match db::find(conn, id)? {
        None => Err(not_found(id)),
        Some(row) if row.deleted_at.is_some() => {
            Err(ApiError::Gone(format!("webhook {id} was deleted")))
        }
        Some(row) => Ok(row),
    }
}

async fn load(state: &State, id: i64) -> Result<WebhookRow, ApiError> {
    database::run(&state.editorial_pool, move |conn| live(conn, id)).await
}

fn stale(version: i32) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "`If-Match` does not name the endpoint's version {version}"
    ))
}

/// One endpoint (admin).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The endpoint's id", example = 1)),
    responses(
        (status = 200, description = "The endpoint", body = ItemResponse<Webhook>, headers(("ETag" = String, description = "`\"<version>\"`, for `If-Match`"))),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The endpoint was deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: State,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let row = load(&state, parse_id(&path, "webhook")?).await?;
    Ok(changed(row.version, to_value(&describe(&row, state.tz))?))
}

/// Edit an endpoint (admin): a JSON merge patch of `url`, `events`, `description`, `enabled`.
/// `enabled: true` turns on again an endpoint that was turned off (deliveries it missed while
/// off stay failed; retry them by hand).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(
        ("id" = i64, Path, description = "The endpoint's id", example = 1),
        ("If-Match" = String, Header, description = "The ETag the edit is based on", example = "\"1\""),
    ),
    request_body(content = WebhookEdit, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Edited", body = ItemResponse<Webhook>, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed body or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The endpoint was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names another version", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid values", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let id = parse_id(&path, "webhook")?;
    let patch = read_json(&req, payload).await?;
    let expected = if_match(&req)?;
    let row = load(&state, id).await?;
    let mut current = Value::Object(Map::from_iter([
        ("url".to_owned(), Value::from(row.url.clone())),
        ("events".to_owned(), Value::from(row.event_list())),
        (
            "description".to_owned(),
            Value::from(row.description.clone()),
        ),
        ("enabled".to_owned(), Value::from(row.disabled_at.is_none())),
    ]));
    merge_patch(&mut current, &Value::Object(patch));
    let edit: WebhookEdit = decode(match current {
        Value::Object(map) => map,
        _ => Map::new(),
    })?;
    let (url, events, description) =
        validate(&edit.url, &edit.events, edit.description.as_deref())?;
    if !expected.matches(row.version) {
        return Err(stale(row.version));
    }
    let (now, tz, version) = (state.clock.now(), state.tz, row.version);
    let (disabled_at, reason) = (row.disabled_at, row.disabled_reason.clone());
    let written = commit(&state, move |conn, _| {
        let changes = WebhookChanges {
            url: &url,
            description: &description,
            events: &events,
            enabled: edit.enabled,
        };
        if !db::update(
            conn,
            id,
            version,
            &changes,
            disabled_at,
            reason.as_deref(),
            now,
        )? {
            return Ok(None);
        }
        Ok(db::find(conn, id)?)
    })
    .await?
    .ok_or_else(|| stale(version))?;
    Ok(changed(written.version, to_value(&describe(&written, tz))?))
}

/// Delete an endpoint (admin): it receives nothing more, and its pending deliveries are
/// dropped.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(
        ("id" = i64, Path, description = "The endpoint's id", example = 1),
        ("If-Match" = String, Header, description = "The ETag of the version deleted", example = "\"1\""),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Deleted already", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names another version", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let id = parse_id(&path, "webhook")?;
    let expected = if_match(&req)?;
    let now = state.clock.now();
    commit(&state, move |conn, _| {
        let row = live(conn, id)?;
        if !expected.matches(row.version) || !db::delete(conn, id, row.version, now)? {
            return Err(stale(row.version));
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An endpoint's deliveries, newest first, each with its attempts (admin).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The endpoint's id", example = 1), PagingParams),
    responses(
        (status = 200, description = "One page of deliveries", body = ListResponse<Delivery>),
        (status = 400, description = "A bad id or query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The endpoint was deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    params: QueryParams<PagingParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let id = parse_id(&path, "webhook")?;
    let opts = paging(&state, &params.0)?;
    let (offset, per_page, with_total, tz) =
        (opts.offset(), opts.per_page, opts.with_total, state.tz);
    let (rows, attempts, total) = database::run(&state.editorial_pool, move |conn| {
        live(conn, id)?;
        let rows = db::deliveries(conn, id, offset, per_page + 1)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let attempts = db::attempts_of(conn, &ids)?;
        let total = if with_total {
            Some(db::count_deliveries(conn, id)?)
        } else {
            None
        };
        Ok((rows, attempts, total))
    })
    .await?;
    let mut page = PageOf::new(rows, per_page, total);
    let items = std::mem::take(&mut page.items)
        .iter()
        .map(|r| to_value(&delivery(r, &attempts, tz)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(editorial(
        list_response(&req, &opts, page.with_items(items)),
        None,
    ))
}

/// Send a delivery again now (admin), whatever it came to: the same message, the same
/// `webhook-id`, a fresh signature.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    params(
        ("id" = i64, Path, description = "The endpoint's id", example = 1),
        ("delivery" = i64, Path, description = "The delivery's id", example = 7),
    ),
    responses(
        (status = 202, description = "Due now; the worker sends it within a second", body = ItemResponse<Delivery>),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint or delivery", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The endpoint was deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery}/retry")]
pub async fn retry_delivery(
    state: State,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let (webhook, delivery_id) = path.into_inner();
    let webhook = parse_id(&webhook, "webhook")?;
    let delivery_id = parse_id(&delivery_id, "delivery")?;
    let (now, tz) = (state.clock.now(), state.tz);
    let (row, attempts) = commit(&state, move |conn, _| {
        live(conn, webhook)?;
        let missing =
            || ApiError::NotFound(format!("webhook {webhook} has no delivery {delivery_id}"));
        db::find_delivery(conn, webhook, delivery_id)?.ok_or_else(missing)?;
        db::retry(conn, delivery_id, now)?;
        let row = db::find_delivery(conn, webhook, delivery_id)?.ok_or_else(missing)?;
        let attempts = db::attempts_of(conn, &[delivery_id])?;
        Ok((row, attempts))
    })
    .await?;
    state.webhooks.wake();
    Ok(editorial(
        HttpResponse::Accepted().json(ItemResponse {
            data: delivery(&row, &attempts, tz),
        }),
        None,
    ))
}
