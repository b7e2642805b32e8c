//! `/api/v1/visits` (the beacon) and `/api/v1/stats/...` (the counter and the most read box).

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::query::{NoParams, Problems, QueryParams};
use super::State;

use crate::error::{ApiError, FieldError, Problem};
use crate::views::articles::{load, Article, ArticleOptions};
use crate::views::envelope::ItemResponse;
use crate::views::to_value;
use crate::visits::{client_ip, month_start, week_start, ArticleRef};

/// The largest beacon body: room for the longest valid beacon even with every character
/// escaped as `\uXXXX`, so that an over-long field is a 400 that names it rather than a 413.
const BEACON_LIMIT: usize = 16 * 1024;

/// The longest `path` and `referrer`, in characters.
const MAX_TEXT: usize = 512;

/// A page view from a front end's beacon (`navigator.sendBeacon` sends it as `text/plain`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Beacon {
    /// The page's path on the portal.
    #[schema(
        example = "/an-ninh-mang/dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam",
        min_length = 1,
        max_length = 512
    )]
    pub path: String,
    /// The article on the page: id or slug.
    #[schema(value_type = Option<crate::domain::key::Reference>, example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7")]
    pub article: Option<Value>,
    /// Where the reader came from (not stored).
    #[schema(example = "https://www.google.com/", max_length = 512)]
    pub referrer: Option<String>,
}

async fn read_beacon(req: &HttpRequest, payload: web::Payload) -> Result<Beacon, ApiError> {
    let media = super::write::media_type(req);
    if media != "application/json" && media != "text/plain" {
        return Err(ApiError::UnsupportedMediaType(
            "send the beacon as application/json or text/plain".into(),
        ));
    }
    let too_large =
        || ApiError::PayloadTooLarge(format!("a beacon is at most {BEACON_LIMIT} bytes"));
    let bytes = super::write::read_body(req, payload, BEACON_LIMIT, too_large).await?;
    let invalid = |message: String| ApiError::InvalidBody(vec![FieldError::pointer("", message)]);
    let beacon: Beacon = serde_json::from_slice(&bytes).map_err(|e| {
        invalid(format!(
            "must be an object with `path` (and `article`, `referrer`): {e}"
        ))
    })?;
    let path_ok = beacon.path.starts_with('/')
        && beacon.path.chars().count() <= MAX_TEXT
        && !beacon.path.chars().any(char::is_control);
    if !path_ok {
        return Err(ApiError::InvalidBody(vec![FieldError::pointer(
            "/path",
            format!("must be a site path starting with `/`, at most {MAX_TEXT} characters"),
        )]));
    }
    if beacon
        .referrer
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_TEXT)
    {
        return Err(ApiError::InvalidBody(vec![FieldError::pointer(
            "/referrer",
            format!("must be at most {MAX_TEXT} characters"),
        )]));
    }
    match &beacon.article {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(Value::Number(n)) if n.is_i64() => {}
        Some(_) => {
            return Err(ApiError::InvalidBody(vec![FieldError::pointer(
                "/article",
                "must be an article id or slug",
            )]))
        }
    }
    Ok(beacon)
}

/// Record a page view (the beacon).
///
/// Always `202` for a well-formed beacon, whether it counted or not (bots, reloads within the
/// window, an IP over its budget, an article that is not public): callers learn nothing. Counting
/// happens in memory and is flushed to the database every second.
#[utoipa::path(
    tag = "visits",
    request_body(
        description = "The beacon as JSON: `text/plain` is what `navigator.sendBeacon` sends without a CORS preflight",
        content((Beacon = "text/plain"), (Beacon = "application/json")),
    ),
    responses(
        (status = 202, description = "Received"),
        (status = 400, description = "Not a beacon object", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither text/plain nor application/json", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/visits")]
pub async fn record_visit(
    state: State,
    req: HttpRequest,
    payload: web::Payload,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let beacon = read_beacon(&req, payload).await?;
    let recorder = &state.visits;
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = client_ip(
        req.peer_addr().map(|a| a.ip()),
        forwarded,
        &recorder.settings.trusted_proxies,
    );
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let article = match beacon.article {
        Some(Value::Number(n)) => n.as_i64().map(ArticleRef::Id),
        Some(Value::String(s)) if !s.is_empty() => Some(match s.parse::<i64>() {
            Ok(id) => ArticleRef::Id(id),
            Err(_) => ArticleRef::Slug(s),
        }),
        _ => None,
    };
    if let Some(ip) = ip {
        recorder.accept(ip, user_agent, &beacon.path, article);
    }
    Ok(HttpResponse::Accepted().finish())
}

/// The portal's visit counter ("Tổng số lượt truy cập").
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitTotals {
    /// All page views ever, plus the configured baseline.
    #[schema(example = 1234567)]
    pub total: i64,
    #[schema(example = 3456)]
    pub today: i64,
    #[schema(example = 4210)]
    pub yesterday: i64,
    /// Since Monday, portal-local.
    #[schema(example = 18000)]
    pub this_week: i64,
    #[schema(example = 61000)]
    pub this_month: i64,
    /// Distinct visitors today.
    #[schema(example = 1200)]
    pub visitors_today: i64,
    /// Distinct visitors in the last 5 minutes (may lag by one flush).
    #[schema(example = 37)]
    pub online_now: i64,
    #[schema(example = "Asia/Ho_Chi_Minh")]
    pub time_zone: String,
    pub as_of: DateTime<FixedOffset>,
}

/// The visit counter.
#[utoipa::path(
    tag = "visits",
    params(("If-None-Match" = Option<String>, Header, description = "ETags the caller holds: `304` when one is current")),
    responses(
        (status = 200, description = "Totals, portal-local days", body = ItemResponse<VisitTotals>, headers(("ETag" = String, description = "Strong ETag of the bytes sent"), ("Cache-Control" = String, description = "`public, max-age, s-maxage, stale-while-revalidate` for anonymous callers (never past the next scheduled publish or midnight); `private, no-store` with a token"))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag", headers(("ETag" = String, description = "The current ETag"))),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/visits")]
pub async fn get_visit_totals(
    state: State,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let ctx = state.ctx();
    let baseline = state.visits.settings.baseline;
    let totals = state
        .public_read(move |conn| {
            use crate::db::visits::{online, site_sum};
            let today = ctx.today();
            let (all, _) = site_sum(conn, None, today)?;
            let (today_views, visitors_today) = site_sum(conn, Some(today), today)?;
            let yesterday = today - Duration::days(1);
            let (yesterday_views, _) = site_sum(conn, Some(yesterday), yesterday)?;
            let (week, _) = site_sum(conn, Some(week_start(today)), today)?;
            let (month, _) = site_sum(conn, Some(month_start(today)), today)?;
            Ok(VisitTotals {
                total: all + baseline,
                today: today_views,
                yesterday: yesterday_views,
                this_week: week,
                this_month: month,
                visitors_today,
                online_now: online(conn, ctx.now)?,
                time_zone: ctx.tz.name().to_owned(),
                as_of: ctx.tz.render(ctx.now),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ItemResponse { data: totals }))
}

/// Options of the most-read list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PopularParams {
    /// `day` (default), `week` (since Monday) or `month`, portal-local.
    #[param(value_type = Option<Period>, example = "week")]
    pub period: Option<String>,
    /// How many, 1 to 50 (default 10).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50, example = 10)]
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

/// The span of a most-read list.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    Month,
}

/// An article summary and its views in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PopularArticle {
    #[serde(flatten)]
    pub article: Article,
    /// Page views of the article in the period.
    #[schema(example = 321)]
    pub views: i64,
}

/// The most read articles.
#[utoipa::path(
    tag = "visits",
    params(PopularParams, ("If-None-Match" = Option<String>, Header, description = "ETags the caller holds: `304` when one is current"), ("Accept-Language" = Option<String>, Header, description = "The languages the caller reads, with quality values: without `lang`, names are shown in the first one served. A malformed value is ignored.")),
    responses(
        (status = 200, description = "Article summaries with their views, most read first", body = ItemResponse<Vec<PopularArticle>>, headers(("ETag" = String, description = "Strong ETag of the bytes sent"), ("Cache-Control" = String, description = "`public, max-age, s-maxage, stale-while-revalidate` for anonymous callers (never past the next scheduled publish or midnight); `private, no-store` with a token"))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag", headers(("ETag" = String, description = "The current ETag"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/articles/popular")]
pub async fn list_popular_articles(
    state: State,
    req: actix_web::HttpRequest,
    params: QueryParams<PopularParams>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::default();
    let period = match params.0.period.as_deref() {
        None | Some("day") => Period::Day,
        Some("week") => Period::Week,
        Some("month") => Period::Month,
        Some(_) => {
            problems.add("period", "must be day, week or month");
            Period::Day
        }
    };
    let limit = match params.0.limit.as_deref() {
        None => 10,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                problems.add("limit", "must be a whole number from 1 to 50");
                10
            }
        },
    };
    problems.into_result()?;
    let ctx = state.ctx_for(&req, &super::auth::Caller::Anonymous)?;
    let items = state
        .public_read(move |conn| {
            let today = ctx.today();
            let from = match period {
                Period::Day => today,
                Period::Week => week_start(today),
                Period::Month => month_start(today),
            };
            let ranked = crate::db::visits::popular(conn, from, today, ctx.now, limit)?;
            let ids: Vec<i64> = ranked.iter().map(|(id, _)| *id).collect();
            let rows = crate::db::articles::by_ids(conn, &ids)?;
            let options = ArticleOptions {
                audience: crate::views::articles::Audience::Public,
                ..ArticleOptions::default()
            };
            let articles = load(conn, rows, &options, ctx)?;
            let mut out = Vec::new();
            for (id, views) in ranked {
                if let Some(article) = articles.iter().find(|a| a.id == id) {
                    let mut value = to_value(&PopularArticle {
                        article: article.clone(),
                        views,
                    })?;
                    if let Value::Object(map) = &mut value {
                        map.remove("body");
                    }
                    out.push(value);
                }
            }
            Ok(out)
        })
        .await?;
    Ok(super::read::in_language(
        HttpResponse::Ok().json(ItemResponse { data: items }),
        ctx,
    ))
}
