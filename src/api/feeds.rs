//! Feeds and sitemaps for the portal's public site (decision 0016): `/feeds/articles.rss`,
//! `.atom`, `.json` (filterable like the article list), `/sitemap.xml` with article sitemaps of
//! at most 50,000 URLs, and `/sitemaps/news.xml` (the last two days, Google News). Links point
//! at the portal (`NEWSROOM_SITE_URL`, `NEWSROOM_ARTICLE_PATH`); sitemap locations at this API.
//! Public reads: cached, with ETags, like every other.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::articles::Articles;
use super::query::{Problems, QueryParams};
use super::read::rendered::rendered;
use super::State;
use crate::db::articles::{self as db, ArticleFilter, ArticleSort};
use crate::db::renditions::Form;
use crate::db::Viewer;
use crate::domain::body::{self, Block};
use crate::domain::key::parse_key;
use crate::domain::resources::ARTICLE;
use crate::error::{ApiError, Problem};
use crate::views::articles::ArticleOptions;
use crate::views::feeds::{self, Channel, FeedItem};
use chrono::{DateTime, FixedOffset};

/// Where the portal's pages are, and its name.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// The portal's base URL; `None`: this API's own, from the request.
    pub url: Option<String>,
    /// An article's path on the portal, `{slug}`, `{id}` and `{lang_prefix}` (`/en` for an
    /// article in English, nothing in the default language) replaced.
    pub article_path: String,
    /// The portal's name (feed titles, `news:publication`).
    pub name: String,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            url: None,
            article_path: "/{slug}".into(),
            name: "newsroom".into(),
        }
    }
}

/// Articles in a feed.
const FEED_ITEMS: i64 = 50;
/// URLs in one sitemap (the protocol's limit).
pub const SITEMAP_URLS: i64 = 50_000;
/// Articles in the news sitemap (Google's limit) and how far back it reaches.
const NEWS_ITEMS: i64 = 1_000;
const NEWS_HOURS: i64 = 48;

/// The feeds' filters, as on the article list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Only articles with this tag (slug).
    #[param(pattern = "^[a-z0-9-]{1,128}$", example = "an-ninh-mang")]
    pub tag: Option<String>,
    /// Only articles about this event (id or slug).
    #[param(pattern = "^[a-z0-9-]{1,128}$", example = "amcc7")]
    pub event: Option<String>,
    /// Only articles about this person (id or slug).
    #[param(pattern = "^[a-z0-9-]{1,128}$", example = "to-lam")]
    pub person: Option<String>,
    /// Only articles about this organization (id or slug).
    #[param(pattern = "^[a-z0-9-]{1,128}$", example = "asean")]
    pub organization: Option<String>,
    /// Only articles written in this language (BCP 47): one edition's feed, whose
    /// `<language>` it is. Without it, every language, and the feed says the default's.
    #[param(
        max_length = 35,
        pattern = "^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
        example = "vi"
    )]
    pub language: Option<String>,
    /// The language of tag names (BCP 47, e.g. `en`): served languages only, a tag with no
    /// match falls back to the default. Feeds do not read `Accept-Language`: a feed is
    /// subscribed to by its URL.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
        example = "en"
    )]
    pub lang: Option<String>,
}

fn site(req: &HttpRequest) -> SiteSettings {
    req.app_data::<web::Data<SiteSettings>>()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default()
}

/// An article's page on the portal: `{lang_prefix}` is `/<language>` for an article in
/// another language than `default`, nothing for one in it.
fn article_url(
    site_base: &str,
    path: &str,
    id: i64,
    slug: &str,
    language: &str,
    default: &str,
) -> String {
    let prefix = match language == default || language.is_empty() {
        true => String::new(),
        false => format!("/{language}"),
    };
    let path = path
        .replace("{lang_prefix}", &prefix)
        .replace("{slug}", slug)
        .replace("{id}", &id.to_string());
    format!("{}{}", site_base.trim_end_matches('/'), path)
}

fn filter(params: &FeedParams) -> Result<ArticleFilter, ApiError> {
    let mut problems = Problems::default();
    let mut key = |name: &str, raw: &Option<String>| {
        raw.as_deref()
            .and_then(|raw| problems.check(name, parse_key(raw)))
    };
    let filter = ArticleFilter {
        event: key("event", &params.event),
        person: key("person", &params.person),
        organization: key("organization", &params.organization),
        tag: params
            .tag
            .as_deref()
            .and_then(|t| problems.check("tag", parse_key(t).map(|_| t.to_owned()))),
        language: params.language.as_deref().and_then(|tag| {
            problems.check("language", crate::domain::languages::language_filter(tag))
        }),
        ..ArticleFilter::default()
    };
    problems.into_result()?;
    Ok(filter)
}

/// What a feed item takes from an article's stored public representation.
#[derive(Deserialize)]
struct Shown {
    id: i64,
    slug: String,
    title: String,
    lead: Option<String>,
    byline: Option<String>,
    language: String,
    published_at: Option<DateTime<FixedOffset>>,
    updated_at: DateTime<FixedOffset>,
    #[serde(default)]
    tags: Vec<ShownTag>,
    /// In the full representation only.
    #[serde(default)]
    body: Vec<Block>,
}

#[derive(Deserialize)]
struct ShownTag {
    name: String,
}

/// The newest listed articles the filter selects, as feed items: from their stored public
/// representations (decision 0023), the full one when the feed carries the body as HTML, the
/// summary otherwise (rendered and stored first where missing, as the API's own reads do).
async fn items(
    state: &State,
    req: &HttpRequest,
    filter: ArticleFilter,
    limit: i64,
    with_html: bool,
) -> Result<Vec<FeedItem>, ApiError> {
    // Feeds are subscribed to by URL: only `lang` names their tags, not the reader's header.
    let ctx = state.ctx_named(req)?;
    let default = state.languages.default;
    let site = site(req);
    let site_base = site
        .url
        .clone()
        .unwrap_or_else(|| super::query::request_base(req));
    let stored = state
        .public_read(move |conn| {
            let viewer = Viewer::public(ctx.now);
            let (form, options) = match with_html {
                true => (Form::Item, ArticleOptions::with_body()),
                false => (Form::Summary, ArticleOptions::default()),
            };
            let mut found = std::collections::HashMap::new();
            // Read beside the rows in the default language; in another, looked up after them.
            let columns = match ctx.lang.is_default() {
                true => db::Columns::HeadsAndStored {
                    form,
                    now: ctx.now,
                    found: &mut found,
                },
                false => db::Columns::Heads,
            };
            let rows = db::list(
                conn,
                &filter,
                viewer,
                &[(ArticleSort::PublishedAt, true)],
                None,
                0,
                limit,
                columns,
            )?;
            let found = ctx.lang.is_default().then_some(found);
            rendered::<Articles>(conn, &ARTICLE, form, (rows, found), &options, viewer, ctx)
        })
        .await?;
    stored
        .iter()
        .map(|json| {
            let a: Shown = serde_json::from_str(json)
                .map_err(|e| ApiError::Internal(format!("a stored article: {e}")))?;
            Ok(FeedItem {
                id: a.id,
                url: article_url(
                    &site_base,
                    &site.article_path,
                    a.id,
                    &a.slug,
                    &a.language,
                    default,
                ),
                published: a.published_at.unwrap_or(a.updated_at),
                updated: a.updated_at,
                title: a.title,
                lead: a.lead,
                content_html: match with_html {
                    true => body::to_html(&a.body),
                    false => String::new(),
                },
                tags: a.tags.into_iter().map(|t| t.name).collect(),
                byline: a.byline,
                language: a.language,
            })
        })
        .collect()
}

/// A feed of the newest articles the parameters select, written by `render`.
async fn feed(
    state: State,
    req: HttpRequest,
    params: FeedParams,
    content_type: &str,
    render: impl FnOnce(&Channel<'_>, &[FeedItem]) -> Vec<u8>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter(&params)?;
    let language = filter
        .language
        .clone()
        .unwrap_or_else(|| state.languages.default.to_owned());
    let items = items(&state, &req, filter, FEED_ITEMS, true).await?;
    let site = site(&req);
    let home = site
        .url
        .clone()
        .unwrap_or_else(|| super::query::request_base(&req));
    let self_url = format!("{}{}", super::query::request_base(&req), req.uri());
    let channel = Channel {
        title: &site.name,
        description: "Tin bài mới nhất",
        home: &home,
        self_url: &self_url,
        updated: items
            .iter()
            .map(|i| i.updated)
            .max()
            .unwrap_or_else(|| state.tz.render(state.clock.now())),
        language: &language,
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type.to_owned())
        .body(render(&channel, &items)))
}

/// The newest articles as RSS 2.0.
#[utoipa::path(
    tag = "feeds",
    params(FeedParams),
    responses(
        (status = 200, description = "The 50 newest listed articles", content_type = "application/rss+xml; charset=utf-8", body = String,
            example = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel><title>newsroom</title><item><title>Đại tướng Tô Lâm dẫn đầu đoàn đại biểu Việt Nam tham dự SICW 2022 và Hội nghị AMCC7</title></item></channel></rss>"),
        (status = 400, description = "A bad or unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/articles.rss")]
pub async fn rss_feed(
    state: State,
    req: HttpRequest,
    params: QueryParams<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    feed(
        state,
        req,
        params.0,
        "application/rss+xml; charset=utf-8",
        |c, i| feeds::rss(c, i).into_bytes(),
    )
    .await
}

/// The newest articles as Atom.
#[utoipa::path(
    tag = "feeds",
    params(FeedParams),
    responses(
        (status = 200, description = "The 50 newest listed articles", content_type = "application/atom+xml; charset=utf-8", body = String,
            example = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"vi\"><title>newsroom</title><entry><title>Đại tướng Tô Lâm dẫn đầu đoàn đại biểu Việt Nam tham dự SICW 2022 và Hội nghị AMCC7</title></entry></feed>"),
        (status = 400, description = "A bad or unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/articles.atom")]
pub async fn atom_feed(
    state: State,
    req: HttpRequest,
    params: QueryParams<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    feed(
        state,
        req,
        params.0,
        "application/atom+xml; charset=utf-8",
        |c, i| feeds::atom(c, i).into_bytes(),
    )
    .await
}

/// The newest articles as JSON Feed 1.1.
#[utoipa::path(
    tag = "feeds",
    params(FeedParams),
    responses(
        (status = 200, description = "The 50 newest listed articles", content_type = "application/feed+json", body = Object,
            example = json!({"version": "https://jsonfeed.org/version/1.1", "title": "newsroom", "home_page_url": "https://portal.example.vn", "feed_url": "https://api.example.vn/feeds/articles.json", "language": "vi", "items": [{"id": "https://portal.example.vn/dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7", "url": "https://portal.example.vn/dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7", "title": "Đại tướng Tô Lâm dẫn đầu đoàn đại biểu Việt Nam tham dự SICW 2022 và Hội nghị AMCC7", "content_html": "<p>…</p>", "date_published": "2022-10-21T08:24:00+07:00"}]})),
        (status = 400, description = "A bad or unknown parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/articles.json")]
pub async fn json_feed(
    state: State,
    req: HttpRequest,
    params: QueryParams<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    feed(state, req, params.0, "application/feed+json", |c, i| {
        serde_json::to_vec(&feeds::json_feed(c, i)).unwrap_or_default()
    })
    .await
}

/// The sitemap index: the article sitemaps (50,000 URLs each) and the news sitemap.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemap index", content_type = "application/xml; charset=utf-8", body = String,
            example = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>https://api.example.vn/sitemaps/articles-1.xml</loc></sitemap></sitemapindex>"),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(
    state: State,
    req: HttpRequest,
    _params: QueryParams<super::query::NoParams>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let count = state
        .public_read(move |conn| Ok(db::listed_count(conn, now)?))
        .await?;
    let base = super::query::request_base(&req);
    let pages = ((count + SITEMAP_URLS - 1) / SITEMAP_URLS).max(1);
    let mut children: Vec<_> = (1..=pages)
        .map(|n| (format!("{base}/sitemaps/articles-{n}.xml"), None))
        .collect();
    children.push((format!("{base}/sitemaps/news.xml"), None));
    Ok(xml(feeds::sitemap_index(&children)))
}

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(body)
}

/// One article sitemap: listed articles in id order, 50,000 a page, with when each changed.
#[utoipa::path(
    tag = "feeds",
    params(("page" = i64, Path, minimum = 1, description = "The sitemap's number, from 1", example = 1)),
    responses(
        (status = 200, description = "A sitemap", content_type = "application/xml; charset=utf-8", body = String,
            example = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>https://portal.example.vn/dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7</loc><lastmod>2022-10-21T08:24:00+07:00</lastmod></url></urlset>"),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such sitemap", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sitemaps/articles-{page}.xml")]
pub async fn article_sitemap(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    _params: QueryParams<super::query::NoParams>,
) -> Result<HttpResponse, ApiError> {
    let missing = || ApiError::NotFound(format!("no sitemap at {}", req.path()));
    let page: i64 = path
        .parse()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .ok_or_else(missing)?;
    let (now, tz) = (state.clock.now(), state.tz);
    let (rows, mut editions) = state
        .public_read(move |conn| {
            let rows = db::listed_for_sitemap(conn, now, (page - 1) * SITEMAP_URLS, SITEMAP_URLS)?;
            let ids: Vec<i64> = rows.iter().map(|(id, ..)| *id).collect();
            let editions = db::translations::listed_editions(conn, &ids, now)?;
            Ok((rows, editions))
        })
        .await?;
    if rows.is_empty() && page > 1 {
        return Err(missing());
    }
    let site = site(&req);
    let site_base = site
        .url
        .clone()
        .unwrap_or_else(|| super::query::request_base(&req));
    let default = state.languages.default;
    let url = |id: i64, slug: &str, language: &str| {
        article_url(&site_base, &site.article_path, id, slug, language, default)
    };
    let urls: Vec<_> = rows
        .into_iter()
        .map(|(id, slug, updated, language)| {
            // Every edition, itself included, and `x-default`: the default language's.
            let group = editions.remove(&id).unwrap_or_default();
            let mut alternates: Vec<(String, String)> = group
                .iter()
                .map(|(language, id, slug)| (language.clone(), url(*id, slug, language)))
                .collect();
            if let Some((language, id, slug)) = group.iter().find(|(l, ..)| l == default) {
                alternates.push(("x-default".into(), url(*id, slug, language)));
            }
            feeds::SitemapUrl {
                loc: url(id, &slug, &language),
                lastmod: tz.render(updated),
                alternates,
            }
        })
        .collect();
    Ok(xml(feeds::sitemap(&urls)))
}

/// The Google News sitemap: articles published in the last two days (at most 1,000).
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A news sitemap", content_type = "application/xml; charset=utf-8", body = String,
            example = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url><loc>https://portal.example.vn/khai-mac-amcc7</loc><news:news><news:publication><news:name>newsroom</news:name><news:language>vi</news:language></news:publication><news:publication_date>2026-11-25T10:00:00+07:00</news:publication_date><news:title>Khai mạc AMCC7</news:title></news:news></url></urlset>"),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sitemaps/news.xml")]
pub async fn news_sitemap(
    state: State,
    req: HttpRequest,
    _params: QueryParams<super::query::NoParams>,
) -> Result<HttpResponse, ApiError> {
    let since = state.clock.now() - chrono::Duration::hours(NEWS_HOURS);
    let filter = ArticleFilter {
        published_after: Some(since),
        ..ArticleFilter::default()
    };
    let items = items(&state, &req, filter, NEWS_ITEMS, false).await?;
    Ok(xml(feeds::news_sitemap(&site(&req).name, &items)))
}
