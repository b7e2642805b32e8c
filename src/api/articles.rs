//! `/api/v1/articles`: the portal's articles. Anonymous callers see only published articles whose
//! publish time has passed (archived ones only at their own URL); the rule lives in
//! `db::articles` and `ArticleRow::is_public_at`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use super::auth::Caller;
use super::query::{
    editorial, item_response, list_response, load_page, moved_to, parse_fields, parse_include,
    parse_key, parse_list, path_key, Fields, IncludeTree, ItemResponse, ListOptions, ListResponse,
    ListSpec, Problems, QueryParams,
};
use super::refs::{
    EventRef, OrganizationRef, PersonRef, RelatedEvent, RelatedOrganization, RelatedPerson, TagRef,
};
use super::{events, organizations, people, to_value, Ctx, State};
use crate::db::articles::{self as db, ArticleFilter, ArticleRow, ArticleSort, Audience, Relation};
use crate::db::slugs::Resource;
use crate::db::{self as database, DbConnection, Key};
use crate::domain::body::{self, Block};
use crate::domain::text::search_pattern;
use crate::domain::time::{parse_bound, Bound};
use crate::error::{ApiError, Problem};
use crate::list_params;

/// Where an article is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Draft,
    Published,
    Archived,
}

impl ArticleStatus {
    fn from_stored(value: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(value.to_owned()))
            .unwrap_or(ArticleStatus::Draft)
    }
}

/// An article. Lists leave out `body` unless `fields` asks for it; `formats=html,text` adds
/// `body_html` and `body_text`. Fields other than `id` can be left out with `fields`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Article {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(
        required = false,
        example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"
    )]
    pub slug: String,
    #[schema(
        required = false,
        example = "Đại tướng Tô Lâm dẫn đầu đoàn đại biểu Việt Nam tham dự SICW 2022 và Hội nghị AMCC7"
    )]
    pub title: String,
    #[schema(
        required = false,
        example = "Đoàn đại biểu Việt Nam do Đại tướng Tô Lâm, Ủy viên Bộ Chính trị, Bộ trưởng Bộ Công an, dẫn đầu đã tham dự các hoạt động chính trong khuôn khổ SICW 2022."
    )]
    pub lead: Option<String>,
    /// The body as typed blocks (in lists only when `fields` names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub body: Option<Vec<Block>>,
    /// The body as HTML, every text escaped (with `formats=html`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        required = false,
        example = "<p>Phát biểu tại phiên họp toàn thể Hội nghị AMCC7, Bộ trưởng Tô Lâm ...</p>\n"
    )]
    pub body_html: Option<String>,
    /// The body as plain text, one block a paragraph (with `formats=text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        required = false,
        example = "Phát biểu tại phiên họp toàn thể Hội nghị AMCC7, Bộ trưởng Tô Lâm ..."
    )]
    pub body_text: Option<String>,
    /// The first image block, for teasers.
    #[schema(required = false)]
    pub cover: Option<Block>,
    /// The news agency the article comes from (`include=source` embeds it whole).
    #[schema(required = false)]
    pub source: Option<RelatedOrganization>,
    #[schema(required = false, example = "Phóng viên TTXVN tại Singapore")]
    pub byline: Option<String>,
    /// BCP 47 language tag.
    #[schema(required = false, example = "vi")]
    pub language: String,
    #[schema(required = false)]
    pub status: ArticleStatus,
    /// Publish time, with the portal's offset.
    #[schema(required = false, example = "2022-10-21T08:24:00+07:00")]
    pub published_at: Option<DateTime<FixedOffset>>,
    #[schema(required = false)]
    pub tags: Vec<TagRef>,
    /// The events the article is about.
    #[schema(required = false)]
    pub events: Vec<RelatedEvent>,
    /// The people the article is about.
    #[schema(required = false)]
    pub people: Vec<RelatedPerson>,
    /// The organizations the article is about.
    #[schema(required = false)]
    pub organizations: Vec<RelatedOrganization>,
    /// Page views since the article went out (public representation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, example = 1520)]
    pub view_count: Option<i64>,
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

pub const SPEC: ListSpec = ListSpec {
    sorts: &["published_at", "title", "id", "updated_at", "view_count"],
    cursor_sorts: &["published_at", "title", "id", "updated_at"],
    default_sort: "-published_at",
    fields: &[
        "slug",
        "title",
        "lead",
        "body",
        "cover",
        "source",
        "byline",
        "language",
        "status",
        "published_at",
        "tags",
        "events",
        "people",
        "organizations",
        "view_count",
        "version",
        "created_at",
        "updated_at",
    ],
    includes: &[
        "source",
        "source.parent",
        "events",
        "events.parent",
        "events.organizers",
        "events.participants",
        "people",
        "people.positions",
        "organizations",
        "organizations.parent",
    ],
};

fn sort_key(name: &str) -> Option<ArticleSort> {
    Some(match name {
        "published_at" => ArticleSort::PublishedAt,
        "title" => ArticleSort::Title,
        "id" => ArticleSort::Id,
        "updated_at" => ArticleSort::UpdatedAt,
        "view_count" => ArticleSort::ViewCount,
        _ => return None,
    })
}

list_params! {
    /// Filters and options of the article lists.
    pub struct ArticleListParams {
        sort: ("Comma list of `published_at`, `title`, `id`, `updated_at`, `view_count`; `-` for descending; at most 3. Default `-published_at`.", "-published_at",
            "^-?(published_at|title|id|updated_at|view_count)(,-?(published_at|title|id|updated_at|view_count)){0,2}$"),
        fields: ("Only these fields (and `id`): comma list of the article's fields; `body` adds the body to list items.", "title,lead,published_at",
            "^(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|events|people|organizations|view_count|version|created_at|updated_at)(,(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|events|people|organizations|view_count|version|created_at|updated_at))*$"),
        @include ("Embed related items whole: `source`, `source.parent`, `events`, `events.parent`, `events.organizers`, `events.participants`, `people`, `people.positions`, `organizations`, `organizations.parent`.", "events,people",
            "^(source|source\\.parent|events|events\\.parent|events\\.organizers|events\\.participants|people|people\\.positions|organizations|organizations\\.parent)(,(source|source\\.parent|events|events\\.parent|events\\.organizers|events\\.participants|people|people\\.positions|organizations|organizations\\.parent))*$"),
        /// Extra renderings of the body: comma list of `html`, `text`.
        #[param(example = "html,text", pattern = "^(html|text)(,(html|text))*$")]
        formats,
        /// Only articles in this status. Without a preview token only `published` ones are
        /// visible, so the others match nothing.
        #[param(value_type = Option<ArticleStatus>, example = "published")]
        status,
        /// Only articles about this event (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "amcc7")]
        event,
        /// Only articles about this person (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "to-lam")]
        person,
        /// Only articles about this organization (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "asean")]
        organization,
        /// Only articles with this tag (slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "an-ninh-mang")]
        tag,
        /// Only articles from this source (id or slug of a news agency).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "ttxvn")]
        source,
        /// Published at or after: `YYYY-MM-DD` (a portal-local day) or RFC 3339.
        #[param(example = "2022-10-21", pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$")]
        published_after,
        /// Published at or before: `YYYY-MM-DD` (the whole portal-local day) or RFC 3339.
        #[param(example = "2022-10-31T23:59:59+07:00", pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$")]
        published_before,
        /// Changed at or after (incremental sync): `YYYY-MM-DD` or RFC 3339.
        #[param(example = "2022-10-21T00:00:00+07:00", pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$")]
        updated_after,
        /// Words to find in title, lead and body, folded (`an ninh mang` finds `an ninh mạng`).
        #[param(example = "an ninh mạng")]
        q,
    }
}

/// Options of `GET /api/v1/articles/{id_or_slug}`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleParams {
    /// Only these fields (and `id`): comma list of the article's fields.
    #[param(
        example = "title,body",
        pattern = "^(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|events|people|organizations|view_count|version|created_at|updated_at)(,(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|events|people|organizations|view_count|version|created_at|updated_at))*$"
    )]
    pub fields: Option<String>,
    /// Embed related items whole: `source`, `source.parent`, `events`, `events.parent`,
    /// `events.organizers`, `events.participants`, `people`, `people.positions`,
    /// `organizations`, `organizations.parent`.
    #[param(
        example = "events.parent,people",
        pattern = "^(source|source\\.parent|events|events\\.parent|events\\.organizers|events\\.participants|people|people\\.positions|organizations|organizations\\.parent)(,(source|source\\.parent|events|events\\.parent|events\\.organizers|events\\.participants|people|people\\.positions|organizations|organizations\\.parent))*$"
    )]
    pub include: Option<String>,
    /// Extra renderings of the body: comma list of `html`, `text`.
    #[param(example = "html", pattern = "^(html|text)(,(html|text))*$")]
    pub formats: Option<String>,
}

/// Which renderings of the body to add.
#[derive(Debug, Clone, Copy, Default)]
pub struct Formats {
    pub html: bool,
    pub text: bool,
}

impl Formats {
    fn parse(raw: Option<&str>, problems: &mut Problems) -> Formats {
        let mut formats = Formats::default();
        for item in raw.into_iter().flat_map(|r| r.split(',')) {
            match item {
                "html" => formats.html = true,
                "text" => formats.text = true,
                other => problems.add("formats", format!("`{other}` is not one of: html, text")),
            }
        }
        formats
    }

    fn keep(&self) -> &'static [&'static str] {
        match (self.html, self.text) {
            (true, true) => &["body_html", "body_text"],
            (true, false) => &["body_html"],
            (false, true) => &["body_text"],
            (false, false) => &[],
        }
    }
}

impl ArticleListParams {
    fn parse(
        &self,
        ctx: Ctx,
    ) -> Result<(ArticleFilter, ListOptions<ArticleSort>, Formats), ApiError> {
        let mut problems = Problems::default();
        let opts = parse_list(self.common(), &SPEC, sort_key, &mut problems);
        let formats = Formats::parse(self.formats.as_deref(), &mut problems);
        let key = |problems: &mut Problems, name: &str, value: &Option<String>| {
            value
                .as_deref()
                .and_then(|v| problems.check(name, parse_key(v)))
        };
        let time = |problems: &mut Problems, name: &str, value: &Option<String>, bound| {
            value
                .as_deref()
                .and_then(|v| problems.check(name, parse_bound(v, ctx.tz, bound)))
        };
        let filter = ArticleFilter {
            status: self.status.as_deref().and_then(|v| {
                problems.check(
                    "status",
                    match v {
                        "draft" | "published" | "archived" => Ok(v.to_owned()),
                        _ => Err("must be draft, published or archived".to_owned()),
                    },
                )
            }),
            event: key(&mut problems, "event", &self.event),
            person: key(&mut problems, "person", &self.person),
            organization: key(&mut problems, "organization", &self.organization),
            tag: self
                .tag
                .as_deref()
                .and_then(|t| problems.check("tag", parse_key(t).map(|_| t.to_owned()))),
            source: key(&mut problems, "source", &self.source),
            published_after: time(
                &mut problems,
                "published_after",
                &self.published_after,
                Bound::Lower,
            ),
            published_before: time(
                &mut problems,
                "published_before",
                &self.published_before,
                Bound::Upper,
            ),
            updated_after: time(
                &mut problems,
                "updated_after",
                &self.updated_after,
                Bound::Lower,
            ),
            search: self.q.as_deref().and_then(search_pattern),
        };
        problems.into_result()?;
        Ok((filter, opts, formats))
    }
}

/// Related items of one relation for several articles: references, or full items when included.
fn related<R: Clone>(
    conn: &mut DbConnection,
    relation: Relation,
    article_ids: &[i64],
    load: impl FnOnce(&mut DbConnection, &[i64]) -> Result<HashMap<i64, R>, ApiError>,
) -> Result<HashMap<i64, Vec<R>>, ApiError> {
    let links = db::links(conn, relation, article_ids)?;
    let target_ids: Vec<i64> = links.iter().map(|(_, target)| *target).collect();
    let targets = load(conn, &target_ids)?;
    let mut by_article: HashMap<i64, Vec<R>> = HashMap::new();
    for (article, target) in links {
        if let Some(item) = targets.get(&target) {
            by_article.entry(article).or_default().push(item.clone());
        }
    }
    Ok(by_article)
}

fn organizations_by_id(
    conn: &mut DbConnection,
    ids: &[i64],
    include: Option<&IncludeTree>,
    ctx: Ctx,
) -> Result<HashMap<i64, RelatedOrganization>, ApiError> {
    Ok(match include {
        Some(nested) => {
            let full = crate::db::organizations::by_ids(conn, ids)?;
            organizations::represent(conn, full, nested, ctx)?
                .into_iter()
                .map(|o| (o.id, RelatedOrganization::Full(Box::new(o))))
                .collect()
        }
        None => crate::db::organizations::refs(conn, ids)?
            .into_iter()
            .map(|(id, r)| (id, RelatedOrganization::Ref(OrganizationRef::from(r))))
            .collect(),
    })
}

/// Turns rows into wire articles with one query per relation (no N+1).
pub fn represent(
    conn: &mut DbConnection,
    rows: Vec<ArticleRow>,
    include: &IncludeTree,
    formats: Formats,
    with_body: bool,
    view_counts: bool,
    ctx: Ctx,
) -> Result<Vec<Article>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let views = if view_counts {
        Some(crate::db::visits::article_views(conn, &ids)?)
    } else {
        None
    };
    let mut tags = related(conn, Relation::Tags, &ids, |conn, tag_ids| {
        Ok(crate::db::tags::by_ids(conn, tag_ids)?
            .into_iter()
            .map(|t| {
                (
                    t.id,
                    TagRef {
                        slug: t.slug,
                        name: t.name,
                    },
                )
            })
            .collect())
    })?;
    let mut events = related(conn, Relation::Events, &ids, |conn, event_ids| {
        Ok(match include.get("events") {
            Some(nested) => {
                let full = crate::db::events::by_ids(conn, event_ids)?;
                events::represent(conn, full, nested, ctx)?
                    .into_iter()
                    .map(|e| (e.id, RelatedEvent::Full(Box::new(e))))
                    .collect()
            }
            None => crate::db::events::refs(conn, event_ids)?
                .into_iter()
                .map(|(id, r)| (id, RelatedEvent::Ref(EventRef::from(r))))
                .collect(),
        })
    })?;
    let mut persons = related(conn, Relation::People, &ids, |conn, person_ids| {
        Ok(match include.get("people") {
            Some(nested) => {
                let full = crate::db::people::by_ids(conn, person_ids)?;
                people::represent(conn, full, nested, ctx)?
                    .into_iter()
                    .map(|p| (p.id, RelatedPerson::Full(Box::new(p))))
                    .collect()
            }
            None => crate::db::people::refs(conn, person_ids)?
                .into_iter()
                .map(|(id, r)| (id, RelatedPerson::Ref(PersonRef::from(r))))
                .collect(),
        })
    })?;
    let mut orgs = related(conn, Relation::Organizations, &ids, |conn, org_ids| {
        organizations_by_id(conn, org_ids, include.get("organizations"), ctx)
    })?;
    let source_ids: Vec<i64> = rows.iter().filter_map(|r| r.source_id).collect();
    let sources = organizations_by_id(conn, &source_ids, include.get("source"), ctx)?;

    rows.into_iter()
        .map(|row| {
            let blocks: Vec<Block> = serde_json::from_str(&row.body).map_err(|e| {
                ApiError::Internal(format!("article {} has a bad body: {e}", row.id))
            })?;
            Ok(Article {
                body_html: formats.html.then(|| body::to_html(&blocks)),
                body_text: formats.text.then(|| body::to_text(&blocks)),
                cover: body::cover(&blocks).cloned(),
                body: with_body.then_some(blocks),
                source: row.source_id.and_then(|id| sources.get(&id).cloned()),
                tags: tags.remove(&row.id).unwrap_or_default(),
                events: events.remove(&row.id).unwrap_or_default(),
                people: persons.remove(&row.id).unwrap_or_default(),
                organizations: orgs.remove(&row.id).unwrap_or_default(),
                view_count: views.as_ref().map(|v| v.get(&row.id).copied().unwrap_or(0)),
                status: ArticleStatus::from_stored(&row.status),
                published_at: row.published_at.map(|t| ctx.tz.render(t)),
                id: row.id,
                slug: row.slug,
                title: row.title,
                lead: row.lead,
                byline: row.byline,
                language: row.language,
                version: row.version,
                created_at: ctx.tz.render(row.created_at),
                updated_at: ctx.tz.render(row.updated_at),
            })
        })
        .collect()
}

/// An article list; `scope` narrows the filter inside the database work (sub-collections).
pub async fn list_articles_where<F>(
    state: State,
    req: HttpRequest,
    caller: Caller,
    params: ArticleListParams,
    scope: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConnection, &mut ArticleFilter) -> Result<(), ApiError> + Send + 'static,
{
    let ctx = state.ctx();
    let (mut filter, opts, formats) = params.parse(ctx)?;
    let previews = caller.previews();
    let audience = if previews {
        Audience::Editors
    } else {
        Audience::Public(ctx.now)
    };
    let (page, opts) = database::run(&state.pool, move |conn| {
        scope(conn, &mut filter)?;
        // Summaries: no body unless `fields` names it.
        let with_body =
            matches!(&opts.fields, Fields::Only(list) if list.iter().any(|f| f == "body"));
        let page = load_page(
            conn,
            &opts,
            |conn, limit| {
                db::list(
                    conn,
                    &filter,
                    audience,
                    &opts.sort,
                    opts.after.as_ref(),
                    opts.offset(),
                    limit,
                )
            },
            |conn| db::count(conn, &filter, audience),
            |row, key| (db::cursor_value(row, key), row.id),
            |conn, rows| {
                represent(
                    conn,
                    rows,
                    &opts.include,
                    formats,
                    with_body,
                    !previews,
                    ctx,
                )
            },
            formats.keep(),
        )?;
        Ok((page, opts))
    })
    .await?;
    let response = list_response(&req, &opts, page);
    Ok(if previews {
        editorial(response, None)
    } else {
        response
    })
}

/// List articles.
///
/// Published articles whose publish time has passed, latest first. Items are summaries: no
/// `body` unless `fields` asks for it.
#[utoipa::path(
    tag = "articles",
    params(ArticleListParams),
    responses(
        (status = 200, description = "A page of article summaries", body = ListResponse<Article>,
            headers(("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    state: State,
    req: HttpRequest,
    caller: Caller,
    params: QueryParams<ArticleListParams>,
) -> Result<HttpResponse, ApiError> {
    list_articles_where(state, req, caller, params.0, |_, _| Ok(())).await
}

/// Get one article, with its body.
///
/// Archived articles stay readable here. Drafts and articles scheduled for later answer 404; a
/// deleted article that was public answers 410.
#[utoipa::path(
    tag = "articles",
    params(
        ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"),
        ArticleParams,
    ),
    responses(
        (status = 200, description = "The article", body = ItemResponse<Article>),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter is invalid or unknown", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article, or not published yet", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was deleted", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id_or_slug}")]
pub async fn get_article(
    state: State,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    params: QueryParams<ArticleParams>,
) -> Result<HttpResponse, ApiError> {
    let key = path_key(&path.into_inner(), "article")?;
    let mut problems = Problems::default();
    let include = parse_include(params.0.include.as_deref(), SPEC.includes, &mut problems);
    let formats = Formats::parse(params.0.formats.as_deref(), &mut problems);
    let fields = parse_fields(params.0.fields.as_deref(), SPEC.fields, &mut problems);
    problems.into_result()?;
    let ctx = state.ctx();
    let previews = caller.previews();
    let query = req.query_string().to_owned();
    let item = database::run(&state.pool, move |conn| {
        let row = find_visible(conn, &key, previews, ctx, |slug| {
            moved_to(&query, "articles", slug, "")
        })?;
        let mut items = represent(conn, vec![row], &include, formats, true, !previews, ctx)?;
        items
            .pop()
            .ok_or_else(|| ApiError::Internal("article vanished".into()))
    })
    .await?;
    let version = item.version;
    let response = item_response(fields.project(to_value(&item)?, formats.keep()));
    Ok(if previews {
        editorial(response, Some(version))
    } else {
        response
    })
}

/// The article at `key` as the caller may see it: 404 for what they may not see, 410 for a
/// deleted article that was out, 301 (to `moved(current slug)`) for a slug that changed.
pub fn find_visible(
    conn: &mut DbConnection,
    key: &Key,
    previews: bool,
    ctx: Ctx,
    moved: impl FnOnce(&str) -> String,
) -> Result<ArticleRow, ApiError> {
    let row = match db::find(conn, key)? {
        Some(row) => row,
        None => {
            if let Key::Slug(slug) = key {
                if let Some(id) = crate::db::slugs::former_holder(conn, Resource::Articles, slug)? {
                    if let Some(current) = db::find(conn, &Key::Id(id))? {
                        if previews || current.was_published_by(ctx.now) {
                            return Err(ApiError::MovedPermanently(moved(&current.slug)));
                        }
                    }
                }
            }
            return Err(ApiError::not_found("article", key));
        }
    };
    let visible = if previews {
        row.deleted_at.is_none()
    } else {
        row.is_public_at(ctx.now)
    };
    if !visible {
        return Err(
            if row.deleted_at.is_some() && (previews || row.was_published_by(ctx.now)) {
                ApiError::Gone(format!("article `{key}` was deleted"))
            } else {
                ApiError::not_found("article", key)
            },
        );
    }
    Ok(row)
}
