//! `/api/v1/slots/{name}`: curated, ordered placements of articles (`home-top`,
//! `home-featured`), each with an optional window. The public sees the articles placed now and
//! out; token holders see every placement.

use actix_web::http::header;
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDateTime, SubsecRound};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

use super::auth::Caller;
use super::editing::commit;
use super::query::{editorial, QueryParams};
use super::write::{decode, if_match, read_json};
use super::State;
use crate::db::articles::ArticleRow;
use crate::db::changes::Change;
use crate::db::slots::{self as db, Placement};
use crate::db::{self as database, DbConnection, Record, Viewer};
use crate::domain::check::{date_in_range, Checks, DATE_RANGE};
use crate::domain::key::Reference;
use crate::domain::kinds::ChangeAction;
use crate::domain::token::Scope;
use crate::error::{ApiError, Problem};
use crate::views::articles::{load, Article, ArticleOptions, Audience};
use crate::views::envelope::ItemResponse;
use crate::views::Ctx;

/// Placements in one slot.
const MAX_ITEMS: usize = 50;

/// A slot and what it places.
#[derive(Debug, Serialize, ToSchema)]
pub struct Slot {
    #[schema(example = "home-top")]
    pub name: String,
    /// 0 for a slot never set.
    #[schema(example = 3)]
    pub version: i32,
    pub items: Vec<SlotItem>,
}

/// One placement: the article (a list summary) and its window.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotItem {
    pub article: Article,
    /// Placed from this moment (none: already).
    pub from: Option<DateTime<FixedOffset>>,
    /// Placed until this moment, not included (none: until changed).
    pub until: Option<DateTime<FixedOffset>>,
    /// Token holders only: whether the public sees it now (the window holds now and the
    /// article is out).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = true)]
    pub current: Option<bool>,
}

/// What a `PUT` places.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotInput {
    /// At most 50, in order; an article may appear more than once (in other windows).
    #[schema(max_items = 50)]
    pub items: Vec<PlacementInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementInput {
    /// An article: its id, its slug, or a reference object as a GET returns it.
    #[schema(
        example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"
    )]
    pub article: Reference,
    #[serde(default)]
    pub from: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub until: Option<DateTime<FixedOffset>>,
}

fn slot_name(raw: &str) -> Result<String, ApiError> {
    let valid = (1..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::NotFound(
            "no slot of that name (1 to 64 of a-z, 0-9 and -)".into(),
        ))
    }
}

/// The slot as `viewer` sees it, and the next moment a window opens or closes after `now`.
fn represent(
    conn: &mut DbConnection,
    name: &str,
    viewer: Viewer,
    ctx: Ctx,
) -> Result<(Slot, Option<NaiveDateTime>), ApiError> {
    let Some(slot) = db::find(conn, name)? else {
        let empty = Slot {
            name: name.to_owned(),
            version: 0,
            items: Vec::new(),
        };
        return Ok((empty, None));
    };
    crate::views::keys::mark(&crate::domain::resources::SLOT, slot.id);
    let placements = db::placements(conn, slot.id)?;
    let ids: Vec<i64> = placements.iter().map(|p| p.article_id).collect();
    let rows = crate::db::articles::by_ids(conn, &ids)?;
    let public = Viewer::public(ctx.now);
    let out: HashMap<i64, bool> = rows.iter().map(|row| (row.id, public.sees(row))).collect();
    let options = ArticleOptions {
        audience: Audience::of(viewer),
        ..ArticleOptions::default()
    };
    let articles: HashMap<i64, Article> = load(conn, rows, &options, ctx)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let boundary = placements
        .iter()
        .flat_map(|p| [p.starts_at, p.ends_at])
        .flatten()
        .filter(|at| *at > ctx.now)
        .min();
    let items = placements
        .iter()
        .filter_map(|placement| {
            let current =
                placement.current(ctx.now) && out.get(&placement.article_id) == Some(&true);
            if !viewer.previews && !current {
                return None;
            }
            Some(SlotItem {
                article: articles.get(&placement.article_id)?.clone(),
                from: placement.starts_at.map(|t| ctx.tz.render(t)),
                until: placement.ends_at.map(|t| ctx.tz.render(t)),
                current: viewer.previews.then_some(current),
            })
        })
        .collect();
    let slot = Slot {
        name: slot.name,
        version: slot.version,
        items,
    };
    Ok((slot, boundary))
}

/// Get a slot.
///
/// The public sees the articles placed now (the window holds now) that are out, in order, as
/// list summaries; a cached answer ends when a window opens or closes, or an article goes out.
/// Token holders see every placement, with `current`, and the editorial `ETag` (`"0"` for a
/// slot never set) that a `PUT` names in `If-Match`.
#[utoipa::path(
    tag = "slots",
    params(("name" = String, Path, pattern = "^[a-z0-9-]{1,64}$", description = "The slot's name", example = "home-top"), super::query::LangParams, ("Accept-Language" = Option<String>, Header, description = "The languages the caller reads, with quality values: without `lang`, names are shown in the first one served. A malformed value is ignored.")),
    responses(
        (status = 200, description = "The slot (an empty list at version 0 when never set)", body = ItemResponse<Slot>),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag"),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a slot name", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/slots/{name}")]
pub async fn get_slot(
    state: State,
    caller: Caller,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    _params: QueryParams<super::query::LangParams>,
) -> Result<HttpResponse, ApiError> {
    let name = slot_name(&path)?;
    let ctx = state.ctx_for(&req, &caller)?;
    let viewer = super::read::viewer(&caller, ctx);
    let read = move |conn: &mut crate::db::DbConnection| {
        let (represented, shown) =
            crate::views::keys::collecting(|| represent(conn, &name, viewer, ctx));
        Ok((represented?, shown))
    };
    let ((slot, boundary), shown) = match viewer.previews {
        true => database::run(&state.editorial_pool, read).await?,
        false => state.public_read(read).await?,
    };
    let version = slot.version;
    let response =
        super::read::in_language(HttpResponse::Ok().json(ItemResponse { data: slot }), ctx);
    if viewer.previews {
        return Ok(editorial(response, Some(version)));
    }
    let mut response = super::read::surrogate_keys(response, None, shown);
    if let Some(at) = boundary {
        super::caching::valid_until(&mut response, at);
    }
    Ok(response)
}

/// Replace a slot's placements (`content:publish`).
///
/// The whole list, in order. `If-Match` names the version read (`"0"` for a slot never set);
/// another version is a 412. Articles that are drafts, scheduled or deleted may be placed: the
/// public does not see them until they are out.
#[utoipa::path(
    tag = "slots",
    security(("bearer" = ["content:publish"])),
    params(
        ("name" = String, Path, pattern = "^[a-z0-9-]{1,64}$", description = "The slot's name", example = "home-top"),
        ("If-Match" = String, Header, description = "The editorial ETag of the version replaced (`\"0\"` when never set)", example = "\"0\""),
    ),
    request_body(content = SlotInput, content_type = "application/json",
        example = json!({"items": [{"article": "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7", "from": "2026-11-26T06:00:00+07:00", "until": "2026-11-27T06:00:00+07:00"}]})),
    responses(
        (status = 200, description = "The slot as token holders see it", body = ItemResponse<Slot>, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks content:publish", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a slot name", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names another version", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown articles, over 50 items, a window that ends before it starts", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No `If-Match`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/slots/{name}")]
pub async fn replace_slot(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentPublish)?;
    let name = slot_name(&path)?;
    let input: SlotInput = decode(read_json(&req, payload).await?)?;
    let expected = if_match(&req)?;
    let ctx = state.ctx();
    let (slot, _) = commit(&state, move |conn, journal| {
        let placements = check(conn, &input)?;
        let current = db::find(conn, &name)?.map_or(0, |slot| slot.version);
        let stale = || {
            ApiError::PreconditionFailed(format!(
                "If-Match does not name the slot's current version: it is at \"{current}\""
            ))
        };
        if !expected.matches(current) {
            return Err(stale());
        }
        let (id, version) =
            db::replace(conn, &name, current, &placements, ctx.now)?.ok_or_else(stale)?;
        journal.record(
            conn,
            Change {
                resource: crate::domain::resources::SLOT.collection,
                item_id: id,
                slug: &name,
                action: if current == 0 {
                    ChangeAction::Created
                } else {
                    ChangeAction::Updated
                },
                version,
                at: ctx.now,
                public_before: current > 0,
                public_after: true,
            },
        )?;
        let viewer = Viewer::editor(ctx.now);
        represent(conn, &name, viewer, ctx)
    })
    .await?;
    let version = slot.version;
    let mut response = HttpResponse::Ok().json(ItemResponse { data: slot });
    if let Ok(value) = header::HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(editorial(response, Some(version)))
}

/// The placements a body asks for, its articles resolved (any status but deleted).
fn check(conn: &mut DbConnection, input: &SlotInput) -> Result<Vec<Placement>, ApiError> {
    let mut checks = Checks::default();
    if input.items.len() > MAX_ITEMS {
        let mut too_many = Checks::default();
        too_many.add("/items", format!("must have at most {MAX_ITEMS} items"));
        too_many.into_result()?;
    }
    let mut placements = Vec::new();
    for (i, item) in input.items.iter().enumerate() {
        let at = format!("/items/{i}");
        let article = crate::db::refer::<ArticleRow>(
            conn,
            &item.article,
            &format!("{at}/article"),
            &mut checks,
        )?;
        for (field, time) in [("from", item.from), ("until", item.until)] {
            if time.is_some_and(|t| !date_in_range(t.naive_utc().date())) {
                checks.add(format!("{at}/{field}"), DATE_RANGE);
            }
        }
        if let (Some(from), Some(until)) = (item.from, item.until) {
            if until <= from {
                checks.add(format!("{at}/until"), "must be after `from`");
            }
        }
        if let Some(article) = article {
            placements.push(Placement {
                article_id: article.id(),
                // Microseconds, what both backends keep.
                starts_at: item.from.map(|t| t.naive_utc().trunc_subsecs(6)),
                ends_at: item.until.map(|t| t.naive_utc().trunc_subsecs(6)),
            });
        }
    }
    checks.into_result()?;
    Ok(placements)
}
