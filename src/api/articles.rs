//! `/api/v1/articles`: the portal's articles, and the article lists of events and people.
//! Anonymous callers see only published articles whose publish time has passed (archived ones
//! only at their own URL); the rule lives in `db::articles` (`ArticleRow`'s `Record::seen`).
//! Every write runs in one transaction: validation, references, the conditional update on the
//! version `If-Match` named, links, slug history and the revision.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::auth::{Caller, Editor};
use super::editing::{write_routes, written, Checked, Editable};
use super::query::{
    editorial, list_params, parse_fields, parse_include, path_key, search, Fields, ListOptions,
    ListSpec, Problems, QueryParams,
};
use super::read::{get_item, item_route, list_route, lookup, viewer, Listable, Moved};
use super::State;
use crate::db::articles::{
    self as db, ArticleChanges, ArticleFilter, ArticleRow, ArticleSort, Relation,
};
use crate::db::authors::AuthorRow;
use crate::db::events::EventRow;
use crate::db::organizations::OrganizationRow;
use crate::db::people::PersonRow;
use crate::db::sections::SectionRow;
use crate::db::{self as database, refer, refer_all, DbConnection, Key, KeyValue, Record, Viewer};
use crate::domain::articles::NewArticle;
use crate::domain::check::Checks;
use crate::domain::derive;
use crate::domain::key::parse_key;
use crate::domain::kinds::{ArticleStatus, OrganizationKind};
use crate::domain::time::{parse_bound, Bound};
use crate::domain::token::Scope;
use crate::error::{ApiError, FieldError, Problem};
use crate::views::articles::{
    load, revision, Article, ArticleOptions, Audience, Formats, Revision,
};
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::{single, to_value, Ctx};

/// Articles, for the shared list and write flows.
pub struct Articles;

impl Listable for Articles {
    type Params = ArticleListParams;
    type Filter = ArticleFilter;
    type Sort = ArticleSort;
    type Row = ArticleRow;
    type Options = ArticleOptions;
    type Item = Article;
    const COLLECTION: &'static str = "articles";
    const SPEC: ListSpec<ArticleSort> = ListSpec {
        sorts: &[
            ("published_at", ArticleSort::PublishedAt),
            ("title", ArticleSort::Title),
            ("id", ArticleSort::Id),
            ("updated_at", ArticleSort::UpdatedAt),
            ("view_count", ArticleSort::ViewCount),
        ],
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
            "related",
            "authors",
            "section",
            "sections",
            "events",
            "people",
            "organizations",
            "mentions",
            "mention_exclusions",
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

    fn parse(
        params: &ArticleListParams,
        list: &ListOptions<ArticleSort>,
        ctx: Ctx,
        problems: &mut Problems,
    ) -> (ArticleFilter, ArticleOptions) {
        let formats = parse_formats(params.formats.as_deref(), problems);
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
            status: params
                .status
                .as_deref()
                .and_then(|v| problems.check("status", ArticleStatus::parse(v))),
            event: key(problems, "event", &params.event),
            person: key(problems, "person", &params.person),
            organization: key(problems, "organization", &params.organization),
            tag: params
                .tag
                .as_deref()
                .and_then(|t| problems.check("tag", parse_key(t).map(|_| t.to_owned()))),
            source: key(problems, "source", &params.source),
            section: key(problems, "section", &params.section),
            author: key(problems, "author", &params.author),
            mentions: key(problems, "mentions", &params.mentions),
            published_after: time(
                problems,
                "published_after",
                &params.published_after,
                Bound::Lower,
            ),
            published_before: time(
                problems,
                "published_before",
                &params.published_before,
                Bound::Upper,
            ),
            updated_after: time(
                problems,
                "updated_after",
                &params.updated_after,
                Bound::Lower,
            ),
            search: search(problems, params.q.as_deref()),
            only: None,
        };
        let options = ArticleOptions {
            include: list.include.clone(),
            formats,
            // Summaries: no body unless `fields` names it.
            with_body: matches!(&list.fields, Fields::Only(f) if f.iter().any(|f| f == "body")),
            // Set by `load` from the viewer.
            audience: Audience::Public,
        };
        (filter, options)
    }

    fn list(
        conn: &mut DbConnection,
        filter: &ArticleFilter,
        viewer: Viewer,
        list: &ListOptions<ArticleSort>,
        limit: i64,
        _memo: super::read::Memo<'_>,
    ) -> diesel::QueryResult<Vec<ArticleRow>> {
        db::list(
            conn,
            filter,
            viewer,
            &list.sort,
            list.after.as_ref(),
            list.offset(),
            limit,
        )
    }

    fn count(
        conn: &mut DbConnection,
        filter: &ArticleFilter,
        viewer: Viewer,
    ) -> diesel::QueryResult<i64> {
        db::count(conn, filter, viewer)
    }

    fn cursor_of(row: &ArticleRow, key: ArticleSort) -> (KeyValue, i64) {
        (db::cursor_value(row, key), row.id)
    }

    const SEARCH: Option<crate::db::search::Kind> = Some(crate::db::search::Kind::Article);

    fn search(filter: &Self::Filter) -> Option<&crate::domain::search::Query> {
        filter.search.as_ref()
    }

    fn only(filter: &mut Self::Filter, ids: Vec<i64>) {
        filter.only = Some(ids);
    }

    fn load(
        conn: &mut DbConnection,
        rows: Vec<ArticleRow>,
        options: &ArticleOptions,
        viewer: Viewer,
        ctx: Ctx,
    ) -> Result<Vec<Article>, ApiError> {
        let options = ArticleOptions {
            audience: Audience::of(viewer),
            ..options.clone()
        };
        load(conn, rows, &options, ctx)
    }

    fn keep(options: &ArticleOptions) -> &'static [&'static str] {
        options.formats.keep()
    }
}

/// `formats=html,text`: which renderings of the body to add.
fn parse_formats(raw: Option<&str>, problems: &mut Problems) -> Formats {
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

list_params! {
    /// Filters and options of the article lists.
    pub struct ArticleListParams {
        sort: ("Comma list of `published_at`, `title`, `id`, `updated_at`, `view_count`; `-` for descending; at most 3. Default `-published_at`. Or `relevance` (with `q`): ranked as `/search` ranks.", "-published_at",
            "^(relevance|-?(published_at|title|id|updated_at|view_count)(,-?(published_at|title|id|updated_at|view_count)){0,2})$"),
        fields: ("Only these fields (and `id`): comma list of the article's fields; `body` adds the body to list items.", "title,lead,published_at",
            "^(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|related|authors|section|sections|events|people|organizations|mentions|mention_exclusions|view_count|version|created_at|updated_at)(,(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|related|authors|section|sections|events|people|organizations|mentions|mention_exclusions|view_count|version|created_at|updated_at))*$"),
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
        /// Only articles in this section or one below it, as their primary section or a
        /// further one (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "thoi-su")]
        section,
        /// Only articles by this author (id or slug).
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "nguyen-thu-ha")]
        author,
        /// Only articles whose text names this person, else organization, else event (id or
        /// slug): the derived `mentions`, not the editor's links.
        #[param(pattern = "^[a-z0-9-]{1,128}$", example = "to-lam")]
        mentions,
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
        #[param(max_length = 200, example = "an ninh mạng")]
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
        pattern = "^(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|related|authors|section|sections|events|people|organizations|mentions|mention_exclusions|view_count|version|created_at|updated_at)(,(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|related|authors|section|sections|events|people|organizations|mentions|mention_exclusions|view_count|version|created_at|updated_at))*$"
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

list_route! {
    /// List articles.
    ///
    /// Published articles whose publish time has passed, latest first. Items are summaries: no
    /// `body` unless `fields` asks for it.
    list_articles: Articles, ArticleListParams => Article,
    get "/articles", tag "articles", "A page of article summaries"
}

item_route! {
    /// Get one article, with its body.
    ///
    /// Archived articles stay readable here. Drafts and articles scheduled for later answer 404; a
    /// deleted article that was public answers 410.
    get_article: ArticleParams => Article,
    get "/articles/{id_or_slug}", tag "articles",
    example "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7",
    "article",
    found "The article", invalid "A query parameter is invalid or unknown",
    missing "No such article, or not published yet", gone "The article was deleted",
    |state, req, caller, key, query| {
        let mut problems = Problems::default();
        let include = parse_include(query.include.as_deref(), Articles::SPEC.includes, &mut problems);
        let formats = parse_formats(query.formats.as_deref(), &mut problems);
        let fields = parse_fields(query.fields.as_deref(), Articles::SPEC.fields, &mut problems);
        problems.into_result()?;
        let options = ArticleOptions {
            include,
            formats,
            with_body: true,
            audience: if caller.previews() {
                Audience::Editorial
            } else {
                Audience::Public
            },
        };
        get_item::<ArticleRow, _>(state, &req, &caller, key, move |conn, row, ctx| {
            let article = single(load(conn, vec![row], &options, ctx)?, ArticleRow::NOUN)?;
            let json = fields.project(to_value(&article)?, options.formats.keep());
            Ok((article.version, json))
        })
        .await
    }
}

list_route! {
    /// List the articles about an event.
    ///
    /// The same filters and options as `GET /api/v1/articles`, narrowed to this event.
    list_event_articles: Articles, ArticleListParams => Article,
    get "/events/{id_or_slug}/articles", tag "events", "A page of article summaries",
    within EventRow, "/articles", "Numeric id or slug of the event", "amcc7",
    missing "No such event", gone "The event was deleted",
    |filter, id, _ctx| {
        filter.event = Some(Key::Id(id));
    }
}

list_route! {
    /// List the articles about a person.
    ///
    /// The same filters and options as `GET /api/v1/articles`, narrowed to this person.
    list_person_articles: Articles, ArticleListParams => Article,
    get "/people/{id_or_slug}/articles", tag "people", "A page of article summaries",
    within PersonRow, "/articles", "Numeric id or slug of the person", "to-lam",
    missing "No such person", gone "The person was deleted",
    |filter, id, _ctx| {
        filter.person = Some(Key::Id(id));
    }
}

/// Fields a body may carry only with their stored value.
const READ_ONLY: &[&str] = &[
    "id",
    "version",
    "created_at",
    "updated_at",
    "cover",
    "body_html",
    "body_text",
    "view_count",
];

/// A checked article, its references resolved.
pub struct CheckedArticle {
    changes: ArticleChanges,
    slug_given: bool,
    tags: Vec<(String, String)>,
    events: Vec<i64>,
    people: Vec<i64>,
    organizations: Vec<i64>,
    /// `(kind, id)` as the search index numbers kinds.
    mention_exclusions: Vec<(i16, i64)>,
    /// The media items the body names.
    media: Vec<i64>,
    /// Further sections, without the primary one.
    sections: Vec<i64>,
    authors: Vec<i64>,
    /// Articles pinned as related.
    pinned: Vec<i64>,
}

impl Checked for CheckedArticle {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

/// Validate the values (`domain`), resolve the references (`db`), derive the stored columns
/// (`domain::derive`); every problem of the first two steps is reported at once.
/// Checks an article's body; `stored` is the article being edited, whose images stay usable
/// even once purged (they render as their caption; decision 0015).
fn check(
    conn: &mut DbConnection,
    input: NewArticle,
    stored: Option<i64>,
    ctx: Ctx,
) -> Result<CheckedArticle, ApiError> {
    let mut checks = Checks::default();
    let mut article = input;
    let values = article.validate(&mut checks);
    let source = match &article.source {
        Some(reference) => refer::<OrganizationRow>(conn, reference, "/source", &mut checks)?,
        None => None,
    };
    if source
        .as_ref()
        .is_some_and(|s| s.kind != OrganizationKind::NewsAgency)
    {
        checks.add("/source", "must be an organization of kind news_agency");
    }
    let section = match &article.section {
        Some(reference) => refer::<SectionRow>(conn, reference, "/section", &mut checks)?,
        None => None,
    };
    let sections = if checks.items(article.sections.len(), "/sections", MAX_SECTIONS) {
        refer_all::<SectionRow>(conn, &article.sections, "sections", &mut checks)?
            .into_iter()
            .filter(|id| section.as_ref().is_none_or(|s| s.id != *id))
            .collect()
    } else {
        Vec::new()
    };
    let pinned = if checks.items(article.related.len(), "/related", MAX_PINNED) {
        refer_all::<ArticleRow>(conn, &article.related, "related", &mut checks)?
    } else {
        Vec::new()
    };
    let authors = if checks.items(article.authors.len(), "/authors", MAX_AUTHORS) {
        refer_all::<AuthorRow>(conn, &article.authors, "authors", &mut checks)?
    } else {
        Vec::new()
    };
    let events = refer_all::<EventRow>(conn, &article.events, "events", &mut checks)?;
    let people = refer_all::<PersonRow>(conn, &article.people, "people", &mut checks)?;
    let organizations =
        refer_all::<OrganizationRow>(conn, &article.organizations, "organizations", &mut checks)?;
    let mention_exclusions = excluded(conn, &article.mention_exclusions, &mut checks)?;
    let media = crate::domain::body::media_items(&article.body);
    let ids: Vec<i64> = media.iter().map(|(_, id)| *id).collect();
    let mut usable = crate::db::media::usable_locked(conn, &ids)?;
    if let Some(article) = stored {
        usable.extend(crate::db::media::purged_of_article(conn, article, &ids)?);
    }
    for (i, id) in &media {
        if !usable.contains(id) {
            checks.add(
                format!("/body/{i}/media"),
                format!("no media item {id} in the library (missing or deleted; a purged image stays only in the articles that embedded it)"),
            );
        }
    }
    checks.into_result()?;
    let keys = derive::article_keys(&article.title, article.lead.as_deref(), &article.body);
    Ok(CheckedArticle {
        slug_given: article.slug.is_some(),
        changes: ArticleChanges {
            slug: derive::slug_for(article.slug.clone(), None, &article.title, ArticleRow::NOUN),
            search_key: keys.search_key,
            sort_key: keys.sort_key,
            published_at: article.published_at(values.status, ctx.now),
            body: serde_json::to_string(&article.body)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            source_id: source.map(|s| s.id),
            title: article.title,
            lead: article.lead,
            byline: article.byline,
            language: article.language.unwrap_or_default(),
            status: values.status,
            updated_at: ctx.now,
            section_id: section.map(|s| s.id),
        },
        sections,
        authors,
        pinned,
        tags: values.tags,
        events,
        people,
        organizations,
        mention_exclusions,
        media: ids,
    })
}

/// The exclusions of a body resolved to `(kind, id)`; problems at `/mention_exclusions/i`.
fn excluded(
    conn: &mut DbConnection,
    references: &[crate::domain::articles::MentionReference],
    checks: &mut Checks,
) -> Result<Vec<(i16, i64)>, ApiError> {
    use crate::db::search::Kind;
    use crate::domain::key::Reference;
    let mut found = Vec::new();
    for (i, reference) in references.iter().enumerate() {
        let at = format!("/mention_exclusions/{i}");
        let key = match (&reference.id, &reference.slug) {
            (Some(id), _) => Reference::Id(*id),
            (None, Some(slug)) => Reference::Slug(slug.clone()),
            (None, None) => {
                checks.add(&at, "needs an `id` or a `slug`");
                continue;
            }
        };
        let id = match Kind::parse(&reference.kind) {
            Some(Kind::Person) => refer::<PersonRow>(conn, &key, &at, checks)?.map(|r| r.id),
            Some(Kind::Event) => refer::<EventRow>(conn, &key, &at, checks)?.map(|r| r.id),
            Some(Kind::Organization) => {
                refer::<OrganizationRow>(conn, &key, &at, checks)?.map(|r| r.id)
            }
            _ => {
                checks.add(
                    format!("{at}/type"),
                    "must be person, organization or event",
                );
                None
            }
        };
        if let (Some(id), Some(kind)) = (id, Kind::parse(&reference.kind)) {
            found.push((kind as i16, id));
        }
    }
    Ok(found)
}

/// Writes an article's links (a new article's, or changed ones of an edited article).
fn link_all(
    conn: &mut DbConnection,
    id: i64,
    checked: &CheckedArticle,
    ctx: Ctx,
) -> Result<(), ApiError> {
    let mut tag_ids = Vec::new();
    for (i, (slug, name)) in checked.tags.iter().enumerate() {
        match crate::db::tags::ensure(conn, slug, name, ctx.now)? {
            Some(id) => tag_ids.push(id),
            None => {
                return Err(ApiError::Validation(vec![FieldError::pointer(
                    format!("/tags/{i}"),
                    format!("the tag `{slug}` was deleted"),
                )]))
            }
        }
    }
    db::relink(conn, Relation::Tags, id, &tag_ids)?;
    db::relink(conn, Relation::Events, id, &checked.events)?;
    db::relink(conn, Relation::People, id, &checked.people)?;
    db::relink(conn, Relation::Organizations, id, &checked.organizations)?;
    crate::db::media::set_article_media(conn, id, &checked.media)?;
    crate::db::sections::set_article_sections(conn, id, &checked.sections)?;
    crate::db::authors::set_article_authors(conn, id, &checked.authors)?;
    let pinned: Vec<i64> = checked
        .pinned
        .iter()
        .copied()
        .filter(|p| *p != id)
        .collect();
    db::set_pinned(conn, id, &pinned)?;
    Ok(())
}

/// Articles an editor may pin as related.
const MAX_PINNED: usize = 10;

/// Authors an article may name.
const MAX_AUTHORS: usize = 20;

/// Further sections an article may have.
const MAX_SECTIONS: usize = 10;

/// Stores the editor's exclusions and finds the article's mentions, in the write's transaction.
fn mention(conn: &mut DbConnection, id: i64, checked: &CheckedArticle) -> Result<(), ApiError> {
    crate::db::mentions::set_excluded(conn, id, &checked.mention_exclusions)?;
    let matcher = crate::db::mentions::matcher(conn)?;
    crate::db::mentions::relink(conn, &matcher, id)?;
    Ok(())
}

impl Editable for Articles {
    type Row = ArticleRow;
    const READ_ONLY: &'static [&'static str] = READ_ONLY;
    type Input = NewArticle;
    type Checked = CheckedArticle;

    /// Publishing, scheduling, unpublishing, and editing or deleting an article that is out
    /// (published or archived, due or scheduled) need `content:publish`; drafts need only
    /// `content:write`.
    fn extra_scope(stored: Option<&ArticleRow>, written: Option<&CheckedArticle>) -> Option<Scope> {
        let out_before = stored.is_some_and(|row| row.status.is_out());
        let out_after = written.is_some_and(|checked| checked.changes.status.is_out());
        (out_before || out_after).then_some(Scope::ContentPublish)
    }

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = written::<ArticleRow>(conn, id)?;
        let options = ArticleOptions::editorial();
        let article = single(load(conn, vec![row], &options, ctx)?, ArticleRow::NOUN)?;
        Ok((article.version, to_value(&article)?))
    }

    fn check(
        conn: &mut DbConnection,
        input: NewArticle,
        ctx: Ctx,
    ) -> Result<CheckedArticle, ApiError> {
        check(conn, input, None, ctx)
    }

    fn check_edit(
        conn: &mut DbConnection,
        input: NewArticle,
        stored: &ArticleRow,
        ctx: Ctx,
    ) -> Result<CheckedArticle, ApiError> {
        check(conn, input, Some(stored.id), ctx)
    }

    fn insert(
        conn: &mut DbConnection,
        checked: &CheckedArticle,
        ctx: Ctx,
    ) -> Result<i64, ApiError> {
        let id = Self::Row::insert(conn, &checked.changes)?;
        link_all(conn, id, checked, ctx)?;
        mention(conn, id, checked)?;
        Ok(id)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedArticle,
        ctx: Ctx,
    ) -> Result<bool, ApiError> {
        if !Self::Row::update(conn, id, expected, &checked.changes)? {
            return Ok(false);
        }
        link_all(conn, id, checked, ctx)?;
        mention(conn, id, checked)?;
        Ok(true)
    }

    /// Every change keeps a revision: the article as it now stands, and who changed it.
    fn after_write(
        conn: &mut DbConnection,
        id: i64,
        (version, json): &(i32, Value),
        editor: &Editor,
        ctx: Ctx,
    ) -> Result<(), ApiError> {
        db::add_revision(conn, id, *version, &editor.name, ctx.now, &json.to_string())?;
        Ok(())
    }
}

write_routes! {
    editable: Articles,
    input: NewArticle,
    output: Article,
    tag: "articles",
    collection: "/articles",
    item: "/articles/{id_or_slug}",
    example: "amcc7",
    create: (create_article, "Create an article.\n\nAnswers `201` with `Location`, the article in the editorial representation and its ETag. Publishing with a future `published_at` schedules it."),
    replace: (replace_article, "Replace an article.\n\nSend the whole article with `If-Match: \"<version>\"`; read-only fields may be sent back as they were."),
    update: (update_article, "Change an article (JSON merge patch).\n\n`application/merge-patch+json` (or `application/json`) with `If-Match: \"<version>\"`."),
    delete: (delete_article, "Delete an article (soft).\n\nIt answers 410 afterwards, leaves every list, and its slug stays taken."),
}

/// Paging of an article's revisions (newest first): like every list, by page.
/// Revisions have one order, newest first.
const REVISIONS: ListSpec<()> = ListSpec {
    sorts: &[("version", ())],
    cursor_sorts: &[],
    default_sort: "-version",
    fields: &[],
    includes: &[],
};

/// List an article's revisions (content:preview), newest first, by page.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = ["content:preview"])),
    params(("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "amcc7"), super::query::PagingParams),
    responses(
        (status = 200, description = "One page of revisions", body = ListResponse<Revision>),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A bad or unknown query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks content:preview", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id_or_slug}/revisions")]
pub async fn list_article_revisions(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    params: QueryParams<super::query::PagingParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentPreview)?;
    let key = path_key(&path.into_inner(), ArticleRow::NOUN)?;
    let params = params.0;
    let mut problems = Problems::default();
    let common = super::query::CommonParams::paging(
        params.page.as_deref(),
        params.per_page.as_deref(),
        params.count.as_deref(),
    );
    let opts = super::query::parse_list(common, &REVISIONS, &state.cursor_key, &mut problems);
    problems.into_result()?;
    let ctx = state.ctx();
    let viewer = viewer(&caller, ctx);
    let moved = Moved::new(&req, "/revisions");
    let (offset, per_page, with_total) = (opts.offset(), opts.per_page, opts.with_total);
    let (rows, total) = database::run(&state.editorial_pool, move |conn| {
        let row = lookup::<ArticleRow>(conn, &key, viewer, &moved)?;
        let rows = db::revisions(conn, row.id, offset, per_page + 1)?;
        let total = match with_total {
            true => Some(db::count_revisions(conn, row.id)?),
            false => None,
        };
        Ok::<_, ApiError>((rows, total))
    })
    .await?;
    let mut page = super::query::PageOf::new(rows, per_page, total);
    let items = std::mem::take(&mut page.items)
        .into_iter()
        .map(|r| revision(r, ctx).and_then(|r| to_value(&r)))
        .collect::<Result<Vec<_>, _>>()?;
    let page = page.with_items(items);
    let response = super::query::list_response(&req, &opts, page);
    Ok(editorial(response, None))
}

/// The parameters of `related`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    /// How many, 1 to 20 (default 5).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 20, example = 5)]
    pub limit: Option<String>,
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
    params(("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"), RelatedParams),
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
    let ctx = state.ctx();
    let viewer = viewer(&caller, ctx);
    let moved = Moved::new(&req, "/related");
    let pool = if viewer.previews {
        state.editorial_pool.clone()
    } else {
        state.pool.clone()
    };
    let related = database::run(&pool, move |conn| {
        let row = lookup::<ArticleRow>(conn, &key, viewer, &moved)?;
        let shared = db::sharing(conn, &row, ctx.now, RELATED_ITEMS, RELATED_PER_ITEM)?;
        let mut weights: std::collections::HashMap<i64, f64> = std::collections::HashMap::new();
        for (signal, id) in shared {
            *weights.entry(id).or_default() += crate::domain::articles::relation_weight(signal);
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
    })
    .await?;
    let response = HttpResponse::Ok().json(ItemResponse { data: related });
    Ok(if viewer.previews {
        editorial(response, None)
    } else {
        response
    })
}
