//! Shareable previews: a signed, expiring URL that shows one article as it is now, draft or
//! scheduled, to whoever holds it, without a bearer token; links are listed and revoked per
//! article.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, FixedOffset, Timelike};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::editing::live;
use super::query::{path_key, NoParams, QueryParams};
use super::write::{decode, read_json};
use super::State;
use crate::db::articles::ArticleRow;
use crate::db::previews::{self as db, PreviewLinkRow};
use crate::db::{self as database, Key, Record};
use crate::domain::key::parse_id;
use crate::domain::token::Scope;
use crate::error::{ApiError, Problem};
use crate::views::articles::{load, ArticleOptions, Audience};
use crate::views::envelope::ItemResponse;
use crate::views::single;
use crate::views::Ctx;

/// Hours a link lasts by default, and at most.
const DEFAULT_HOURS: i64 = 24;
const MAX_HOURS: i64 = 7 * 24;

/// A preview link.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLink {
    #[schema(example = 3)]
    pub id: i64,
    /// Shows the article as it is when opened; anyone holding it may open it until it expires
    /// or is revoked.
    #[schema(
        example = "https://api.example.vn/api/v1/previews/3.1764226800.bXk0Zl9zaWduYXR1cmVfaGVyZQ"
    )]
    pub url: String,
    #[schema(example = "Ban biên tập")]
    pub created_by: String,
    pub created_at: DateTime<FixedOffset>,
    pub expires_at: DateTime<FixedOffset>,
    pub revoked_at: Option<DateTime<FixedOffset>>,
    /// Neither expired nor revoked.
    #[schema(example = true)]
    pub active: bool,
}

/// How long a new link lasts.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPreviewLink {
    /// 1 to 168 (7 days); 24 without it.
    #[schema(minimum = 1, maximum = 168, example = 48)]
    pub expires_in_hours: Option<i64>,
}

/// The signature of a link: the first 128 bits of an HMAC of its id, article and expiry under a
/// key derived from the service's cursor key (the same on every instance).
fn signature(state: &State, id: i64, article_id: i64, expires: i64) -> String {
    use hmac::{KeyInit, Mac};
    let key = state.cursor_key.derive("preview-links");
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(format!("{id}.{article_id}.{expires}").as_bytes());
    URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
}

fn token(state: &State, row: &PreviewLinkRow) -> String {
    let expires = row.expires_at.and_utc().timestamp();
    format!(
        "{}.{expires}.{}",
        row.id,
        signature(state, row.id, row.article_id, expires)
    )
}

fn describe(state: &State, req: &HttpRequest, row: &PreviewLinkRow, ctx: Ctx) -> PreviewLink {
    PreviewLink {
        id: row.id,
        url: format!(
            "{}/api/v1/previews/{}",
            super::query::request_base(req),
            token(state, row)
        ),
        created_by: row.created_by.clone(),
        created_at: ctx.tz.render(row.created_at),
        expires_at: ctx.tz.render(row.expires_at),
        revoked_at: row.revoked_at.map(|t| ctx.tz.render(t)),
        active: row.revoked_at.is_none() && row.expires_at > ctx.now,
    }
}

fn private(mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

/// Make a preview link of an article (`content:publish` or `admin`): whoever has the link sees
/// the unpublished article, so making one is a publishing act.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = ["content:publish"])),
    params(("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "amcc7-khai-mac")),
    request_body(content = NewPreviewLink, content_type = "application/json", description = "Optional: without a body the link lasts 24 hours"),
    responses(
        (status = 201, description = "The link", body = ItemResponse<PreviewLink>),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks content:publish", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`expires_in_hours` outside 1 to 168", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{id_or_slug}/preview-links")]
pub async fn create_preview_link(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let editor = caller.require(Scope::ContentPublish)?.clone();
    let key = path_key(&path.into_inner(), ArticleRow::NOUN)?;
    let empty = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == "0");
    let input: NewPreviewLink = if empty {
        NewPreviewLink::default()
    } else {
        decode(read_json(&req, payload).await?)?
    };
    let hours = input.expires_in_hours.unwrap_or(DEFAULT_HOURS);
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(ApiError::Validation(vec![
            crate::error::FieldError::pointer(
                "/expires_in_hours",
                format!("must be 1 to {MAX_HOURS}"),
            ),
        ]));
    }
    let ctx = state.ctx();
    // Whole seconds: the expiry is part of the signed URL.
    let expires_at = (ctx.now + chrono::Duration::hours(hours))
        .with_nanosecond(0)
        .unwrap_or(ctx.now);
    let row = database::run(&state.editorial_pool, move |conn| {
        let article = live::<ArticleRow>(conn, &key)?;
        Ok(db::insert(
            conn,
            article.id,
            (editor.token_id, &editor.name),
            ctx.now,
            expires_at,
        )?)
    })
    .await?;
    let link = describe(&state, &req, &row, ctx);
    Ok(private(
        HttpResponse::Created().json(ItemResponse { data: link }),
    ))
}

/// An article's preview links, newest first (`content:preview`).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = ["content:preview"])),
    params(("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "amcc7-khai-mac"), NoParams),
    responses(
        (status = 200, description = "The links (at most 100), expired and revoked ones included", body = ItemResponse<Vec<PreviewLink>>),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks content:preview", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id_or_slug}/preview-links")]
pub async fn list_preview_links(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentPreview)?;
    let key = path_key(&path.into_inner(), ArticleRow::NOUN)?;
    let ctx = state.ctx();
    let rows = database::run(&state.editorial_pool, move |conn| {
        let article = live::<ArticleRow>(conn, &key)?;
        Ok(db::of_article(conn, article.id)?)
    })
    .await?;
    let links: Vec<PreviewLink> = rows
        .iter()
        .map(|row| describe(&state, &req, row, ctx))
        .collect();
    Ok(private(
        HttpResponse::Ok().json(ItemResponse { data: links }),
    ))
}

/// Revoke a preview link (`content:preview`): it stops working at once.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = ["content:preview"])),
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "amcc7-khai-mac"),
        ("link" = i64, Path, description = "The link's id", example = 3),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks content:preview", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article, or no such live link of it", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/articles/{id_or_slug}/preview-links/{link}")]
pub async fn revoke_preview_link(
    state: State,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentPreview)?;
    let (article, link) = path.into_inner();
    let key = path_key(&article, ArticleRow::NOUN)?;
    let missing = || ApiError::NotFound(format!("no live preview link {link}"));
    let link_id = parse_id(&link).ok_or_else(missing)?;
    let now = state.clock.now();
    let revoked = database::run(&state.editorial_pool, move |conn| {
        let article = live::<ArticleRow>(conn, &key)?;
        Ok(db::revoke(conn, article.id, link_id, now)?)
    })
    .await?;
    if !revoked {
        return Err(missing());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Open a preview link: the article as it is now (the editorial representation, with its body),
/// draft or scheduled, without a token. `private, no-store` and `noindex`; a link that expired
/// or was revoked is 410, one that was never made (or altered) 404.
#[utoipa::path(
    tag = "articles",
    params(("token" = String, Path, pattern = "^[0-9]{1,19}\\.[0-9]{1,19}\\.[A-Za-z0-9_-]{22}$", description = "The link's token, from its `url`", example = "3.1764226800.bXk0Zl9zaWduYXR1cmVfaA"), super::query::LangParams),
    responses(
        (status = 200, description = "The article as it is now", body = ItemResponse<crate::views::articles::Article>,
            headers(("Cache-Control" = String, description = "`private, no-store`"), ("X-Robots-Tag" = String, description = "`noindex, nofollow`"))),
        (status = 400, description = "`lang` is malformed, or another parameter was given", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such link", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link expired or was revoked, or the article was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/previews/{token}")]
pub async fn open_preview(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    _params: QueryParams<super::query::LangParams>,
) -> Result<HttpResponse, ApiError> {
    let missing = || ApiError::NotFound("no such preview link".into());
    let raw = path.into_inner();
    let mut parts = raw.splitn(3, '.');
    let (Some(id), Some(expires), Some(given)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(missing());
    };
    // One spelling per link: `+2` and `02` are not link 2.
    let id = parse_id(id).ok_or_else(missing)?;
    let expires = parse_id(expires).ok_or_else(missing)?;
    // Names in the language `lang` asks for (a preview is private: the header is not read).
    let ctx = state.ctx_named(&req)?;
    let (row, token_revoked) = database::run(&state.editorial_pool, move |conn| {
        let row = db::find(conn, id)?.ok_or_else(missing)?;
        // Checked here too, not only marked on the link when the token is revoked: a link made
        // while its token was being revoked must not outlive it.
        let token_revoked = match row.token_id {
            Some(token) => crate::db::tokens::is_revoked(conn, token)?,
            None => false,
        };
        Ok((row, token_revoked))
    })
    .await?;
    let expected = signature(&state, row.id, row.article_id, expires);
    let genuine = row.expires_at.and_utc().timestamp() == expires
        && expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !genuine {
        return Err(missing());
    }
    if row.revoked_at.is_some() || token_revoked {
        return Err(ApiError::Gone("this preview link was revoked".into()));
    }
    if row.expires_at <= ctx.now {
        return Err(ApiError::Gone("this preview link expired".into()));
    }
    let article_id = row.article_id;
    let article = database::run(&state.editorial_pool, move |conn| {
        let row = live::<ArticleRow>(conn, &Key::Id(article_id))?;
        // The article itself as editors see it; everything it names only as the public would.
        let options = ArticleOptions {
            audience: Audience::Preview,
            ..ArticleOptions::editorial()
        };
        single(load(conn, vec![row], &options, ctx)?, ArticleRow::NOUN)
    })
    .await?;
    Ok(private(super::read::in_language(
        HttpResponse::Ok().json(ItemResponse { data: article }),
        ctx,
    )))
}
