//! `GET /api/v1/changes`: the change log as a feed a script follows to mirror the content
//! (decision 0016). Anonymous callers see what became visible or invisible to them; token
//! holders see every change.

use actix_web::http::header;
use actix_web::{get, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::query::{
    normalized_query, page_url, parse_seq_cursor, seq_cursor, with_query, Problems, QueryParams,
};
use super::State;
use crate::db::changes::{self, ChangeRow};

use crate::domain::changes::{collection_of, type_of};
use crate::domain::kinds::ChangeAction;
use crate::domain::resources::RESOURCES;
use crate::domain::token::Scope;
use crate::error::{ApiError, Problem};
use crate::views::envelope::{ListLinks, ListMeta, ListResponse};

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeItem {
    /// Its number: changes are numbered in commit order without gaps.
    #[schema(example = 42)]
    pub seq: i64,
    /// `article`, `event`, `person`, `organization`, `tag`, `media`, `slot` (its `slug` is the
    /// slot's name), `section` or `author`.
    #[schema(example = "article")]
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(example = 1)]
    pub id: i64,
    /// The slug the item had after the change (none for media).
    #[schema(example = "khai-mac-hoi-nghi-amcc7")]
    pub slug: Option<String>,
    /// For anonymous callers a publication is `created` and an unpublication `deleted`.
    pub action: ChangeAction,
    /// The item's version after the change (`ETag` of the editorial representation).
    #[schema(example = 3)]
    pub version: i32,
    pub at: DateTime<FixedOffset>,
}

/// The feed's parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// Comma list of types to include (default all): `organization`, `person`, `event`, `tag`,
    /// `media`, `section`, `author`, `article`, `slot` (a test compares this pattern with the
    /// resource descriptors).
    #[param(
        pattern = "^(organization|person|event|tag|media|section|author|article|slot)(,(organization|person|event|tag|media|section|author|article|slot)){0,8}$",
        example = "article,event"
    )]
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Where to continue: `meta.next_cursor` of the page before. Without it the feed starts
    /// at the beginning.
    #[param(example = "eyJzIjoic2VxIiwiZCI6ZmFsc2UsInYiOm51bGwsImkiOjQyfQ")]
    pub cursor: Option<String>,
    /// Changes per page, 1 to 100 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, example = 100)]
    pub per_page: Option<String>,
    /// Long polling: when nothing follows the cursor, wait up to this many seconds (0 to 30,
    /// default 0) for a change before answering an empty page.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 30, example = 25)]
    pub wait: Option<String>,
}

const MAX_PER_PAGE: i64 = 100;
const MAX_WAIT: u64 = 30;

fn item(row: ChangeRow, public: bool, tz: crate::domain::time::PortalTz) -> ChangeItem {
    let action = if public {
        row.public_action.unwrap_or(row.action)
    } else {
        row.action
    };
    ChangeItem {
        seq: row.seq,
        kind: type_of(&row.resource).unwrap_or("unknown").to_owned(),
        id: row.item_id,
        slug: (!row.slug.is_empty()).then_some(row.slug),
        action,
        version: row.version,
        at: tz.render(row.at),
    }
}

/// Follow content changes in commit order.
///
/// A script keeps a mirror by reading pages in order and storing `meta.next_cursor` (always
/// present: where to continue, even after an empty page): `created` and `updated` mean fetch
/// the item, `deleted` means drop it. Anonymous callers see what became visible (`created`,
/// a publication included, at the moment a scheduled article goes out), changed while visible
/// (`updated`, archiving included) or stopped being visible (`deleted`, unpublishing
/// included); callers with a bearer token (any scope) see every change, drafts and media
/// included.
#[utoipa::path(
    tag = "changes",
    params(ChangeParams),
    responses(
        (status = 200, description = "The changes after the cursor, oldest first", body = ListResponse<ChangeItem>),
        (status = 400, description = "A bad type, cursor, per_page or wait", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A bad token (without one, the public feed)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    state: State,
    caller: Caller,
    req: HttpRequest,
    params: QueryParams<ChangeParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let public = caller.require(Scope::ContentPreview).is_err();
    let mut problems = Problems::default();
    let mut collections: Vec<&'static str> = Vec::new();
    if let Some(raw) = params.kind.as_deref() {
        for kind in raw.split(',') {
            match collection_of(kind.trim()) {
                Some(c) if !collections.contains(&c) => collections.push(c),
                Some(_) => {}
                None => problems.add(
                    "type",
                    format!(
                        "must be a comma list of: {}",
                        RESOURCES
                            .iter()
                            .map(|r| r.kind)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
    }
    let after = match params.cursor.as_deref() {
        None => 0,
        Some(raw) => problems
            .check("cursor", parse_seq_cursor(&state.cursor_key, raw))
            .unwrap_or(0),
    };
    let per_page = match params.per_page.as_deref() {
        None => 100,
        Some(raw) => problems
            .check(
                "per_page",
                raw.parse::<i64>()
                    .ok()
                    .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                    .ok_or_else(|| format!("must be a whole number between 1 and {MAX_PER_PAGE}")),
            )
            .unwrap_or(1),
    };
    let long_poll = params.wait.is_some();
    let wait = match params.wait.as_deref() {
        None => 0,
        Some(raw) => problems
            .check(
                "wait",
                raw.parse::<u64>()
                    .ok()
                    .filter(|n| *n <= MAX_WAIT)
                    .ok_or_else(|| {
                        format!("must be a whole number of seconds from 0 to {MAX_WAIT}")
                    }),
            )
            .unwrap_or(0),
    };
    problems.into_result()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(wait);
    let rows = loop {
        let generation = state.cache.generation();
        // Only what every node has had time to see (decision 0027): a reader who follows an
        // entry to any node finds the change there.
        let through = state.reads.announceable();
        let wanted = collections.clone();
        let rows = state
            .read(&caller, move |conn| {
                Ok(changes::feed(
                    conn,
                    after,
                    through,
                    &wanted,
                    public,
                    per_page + 1,
                )?)
            })
            .await?;
        if !rows.is_empty() || std::time::Instant::now() >= deadline {
            break rows;
        }
        // Wait for a change here (writes move the cache's generation at once; other
        // instances' at the next look at the log) or one coming of age, looking again every
        // two seconds regardless.
        let until_check = std::time::Instant::now() + Duration::from_secs(2);
        while std::time::Instant::now() < until_check.min(deadline)
            && state.cache.generation() == generation
            && state.reads.announceable() == through
        {
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let has_next = rows.len() as i64 > per_page;
    let rows: Vec<ChangeRow> = rows.into_iter().take(per_page as usize).collect();
    let last = rows.last().map_or(after, |r| r.seq);
    let next_cursor = seq_cursor(&state.cursor_key, last);
    let tz = state.tz;
    let data: Vec<ChangeItem> = rows.into_iter().map(|r| item(r, public, tz)).collect();
    let next = has_next.then(|| page_url(&req, ("cursor", &next_cursor)));
    let first = with_query(
        req.path(),
        &normalized_query(
            &req.query_string()
                .split('&')
                .filter(|p| !p.starts_with("cursor="))
                .collect::<Vec<_>>()
                .join("&"),
        ),
    );
    let mut response = HttpResponse::Ok();
    if public && !long_poll {
        // Kept by this instance's response cache until the log moves or a change seen comes
        // of age; never by others.
        response.insert_header((super::caching::NO_STORE_DOWNSTREAM, "1"));
    } else {
        response.insert_header((header::CACHE_CONTROL, "no-store"));
    }
    if let Some(next) = &next {
        response.insert_header((header::LINK, format!("<{next}>; rel=\"next\"")));
    }
    let mut response = response.json(ListResponse {
        data,
        meta: ListMeta {
            page: None,
            per_page,
            total: None,
            total_pages: None,
            next_cursor: Some(next_cursor),
        },
        links: ListLinks {
            self_: with_query(req.path(), &normalized_query(req.query_string())),
            first,
            prev: None,
            next,
            last: None,
        },
    });
    if let Some(wait) = state
        .reads
        .next_announcement_in()
        .filter(|_| public && !long_poll)
    {
        let at = state.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default();
        super::caching::valid_until(&mut response, at);
    }
    Ok(response)
}
