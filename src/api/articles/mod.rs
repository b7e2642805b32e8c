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
use crate::domain::resources::{self, Resource};
use crate::domain::time::{parse_bound, Bound};
use crate::domain::token::Scope;
use crate::error::{ApiError, FieldError, Problem};
use crate::views::articles::{
    load, revision, Article, ArticleOptions, Audience, Formats, Revision,
};
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::{single, to_value, Ctx};

mod related;
mod revisions;
mod writes;
pub use related::*;
pub use revisions::*;
pub use writes::*;

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
            "translation_of",
            "translations",
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
            language: params.language.as_deref().and_then(|tag| {
                problems.check("language", crate::domain::languages::language_filter(tag))
            }),
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
        memo: super::read::Memo<'_>,
    ) -> diesel::QueryResult<Vec<ArticleRow>> {
        let read = |conn: &mut DbConnection, columns| {
            db::list(
                conn,
                filter,
                viewer,
                &list.sort,
                list.after.as_ref(),
                list.offset(),
                limit,
                columns,
            )
        };
        if !list.stored {
            return read(conn, db::Columns::All);
        }
        // Read beside the rows in the default language; in another, looked up after them.
        if !memo.ctx.lang.is_default() {
            return read(conn, db::Columns::Heads);
        }
        // The page and its stored summaries in one statement.
        let mut found = std::collections::HashMap::new();
        let rows = read(
            conn,
            db::Columns::HeadsAndStored {
                form: crate::db::renditions::Form::Summary,
                now: viewer.now,
                found: &mut found,
            },
        )?;
        *memo.found.borrow_mut() = Some(found);
        Ok(rows)
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

    fn search_mut(
        filter: &mut Self::Filter,
    ) -> Option<(&mut crate::domain::search::Query, Option<String>)> {
        let language = filter.language.clone();
        filter.search.as_mut().map(|query| (query, language))
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

    const RENDERED: Option<&'static Resource> = Some(&resources::ARTICLE);
    const STORED_AT_KEY: Option<crate::db::renditions::FindAtKey> =
        Some(crate::db::renditions::find_article_at_key);
    const NOUN: &'static str = "article";

    fn plain(options: &ArticleOptions) -> bool {
        options.include.0.is_empty()
            && !options.formats.html
            && !options.formats.text
            && !options.with_body
    }

    fn id_of(row: &ArticleRow) -> i64 {
        row.id
    }

    fn view_count(row: &ArticleRow) -> Option<i64> {
        Some(row.view_count)
    }

    fn set_view_count(row: &mut ArticleRow, count: i64) {
        row.view_count = count;
    }

    fn rows_by_ids(conn: &mut DbConnection, ids: &[i64]) -> diesel::QueryResult<Vec<ArticleRow>> {
        db::by_ids(conn, ids)
    }
}

/// One step of the background fill of stored representations (decision 0020): the page of
/// public articles at `offset` (newest first), the representations they lack rendered and
/// stored. Returns the articles on the page and how many representations were rendered.
pub fn fill_renditions(
    conn: &mut DbConnection,
    offset: i64,
    batch: i64,
    ctx: Ctx,
) -> Result<(usize, usize), ApiError> {
    use crate::db::renditions::{self, Form};
    let viewer = Viewer::public(ctx.now);
    let newest = [(ArticleSort::PublishedAt, true)];
    let rows = db::list(
        conn,
        &ArticleFilter::default(),
        viewer,
        &newest,
        None,
        offset,
        batch,
        db::Columns::Heads,
    )?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut rendered = 0;
    for form in [Form::Item, Form::Summary] {
        let language = renditions::language_of(ctx.lang);
        let have = renditions::find(conn, &resources::ARTICLE, form, &ids, language, ctx.now)?;
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !have.contains_key(id))
            .collect();
        let options = ArticleOptions {
            with_body: form == Form::Item,
            ..ArticleOptions::default()
        };
        rendered += super::read::rendered::render::<Articles>(
            conn,
            &resources::ARTICLE,
            form,
            &missing,
            &options,
            viewer,
            ctx,
        )?
        .len();
    }
    Ok((rows.len(), rendered))
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
            "^(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|related|translation_of|translations|authors|section|sections|events|people|organizations|mentions|mention_exclusions|view_count|version|created_at|updated_at)(,(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|related|translation_of|translations|authors|section|sections|events|people|organizations|mentions|mention_exclusions|view_count|version|created_at|updated_at))*$"),
        @include ("Embed related items whole: `source`, `source.parent`, `events`, `events.parent`, `events.organizers`, `events.participants`, `people`, `people.positions`, `organizations`, `organizations.parent`.", "events,people",
            "^(source|source\\.parent|events|events\\.parent|events\\.organizers|events\\.participants|people|people\\.positions|organizations|organizations\\.parent)(,(source|source\\.parent|events|events\\.parent|events\\.organizers|events\\.participants|people|people\\.positions|organizations|organizations\\.parent))*$"),
        @names_in lang,
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
        /// Only articles written in this language (a BCP 47 tag: `vi`, `en`): one edition
        /// of a portal. Without it, every language is listed.
        #[param(max_length = 35, pattern = "^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$", example = "en")]
        language,
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
        pattern = "^(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|related|translation_of|translations|authors|section|sections|events|people|organizations|mentions|mention_exclusions|view_count|version|created_at|updated_at)(,(slug|title|lead|body|cover|source|byline|language|status|published_at|tags|related|translation_of|translations|authors|section|sections|events|people|organizations|mentions|mention_exclusions|view_count|version|created_at|updated_at))*$"
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
    /// The language of names (BCP 47, e.g. `en`): see `lang` of the article list.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
        example = "en"
    )]
    pub lang: Option<String>,
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
        // The public representation as stored (decision 0020).
        if !caller.previews()
            && query.fields.is_none()
            && query.include.is_none()
            && query.formats.is_none()
        {
            let options = ArticleOptions::with_body();
            return super::read::rendered::get_rendered::<Articles>(state, &req, key, options).await;
        }
        let mut problems = Problems::default();
        let include = parse_include(query.include.as_deref(), Articles::SPEC.includes, &mut problems);
        let formats = parse_formats(query.formats.as_deref(), &mut problems);
        let fields = parse_fields(query.fields.as_deref(), Articles::SPEC.fields, &mut problems);
        problems.into_result()?;
        let options = ArticleOptions {
            include,
            formats,
            with_body: true,
            audience: Audience::of(viewer(&caller, state.ctx())),
        };
        get_item::<ArticleRow, _>(state, &req, &caller, key, true, move |conn, row, ctx| {
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
