//! The read side, written once, as `editing` is for writes: one lookup that answers 301, 404 or
//! 410 for every resource, and the list flow (parse, page, count, cursor, load, project,
//! envelope) behind every list endpoint, sub-collections included. Resources say only what
//! differs, through `db::Record` (how an item is found and seen) and `Listable` (how a list is
//! queried).

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::auth::Caller;
use super::caching::ResponseCache;
use super::query::{
    editorial, item_response, list_response, moved_to, parse_list, Fields, ListOptions, ListParams,
    ListSpec, Listed, PageOf, Problems,
};
use super::State;

pub mod rendered;
mod routes;
use crate::db::renditions::Form;
use crate::db::{locate, DbConnection, Key, KeyValue, Located, Record, Seen, Viewer};
use crate::domain::resources::Resource;
use crate::error::ApiError;
use crate::views::{keys, to_value, Ctx};
pub(crate) use routes::{item_route, list_route};

/// The viewer of a request.
pub fn viewer(caller: &Caller, ctx: Ctx) -> Viewer {
    Viewer {
        previews: caller.previews(),
        now: ctx.now,
    }
}

/// Where a request's path goes when the item's slug changed: the same path suffix and query
/// under the current slug.
#[derive(Debug, Clone)]
pub struct Moved {
    query: String,
    suffix: &'static str,
}

impl Moved {
    pub fn new(req: &HttpRequest, suffix: &'static str) -> Moved {
        Moved {
            query: req.query_string().to_owned(),
            suffix,
        }
    }
}

/// The item `key` names as `viewer` may see it: 301 for a renamed slug, 404 for what they may not
/// see, 410 for what was deleted.
pub fn lookup<R: Record>(
    conn: &mut DbConnection,
    key: &Key,
    viewer: Viewer,
    moved: &Moved,
) -> Result<R, ApiError> {
    match locate::<R>(conn, key)? {
        Located::Current(row) => match row.seen(viewer) {
            Seen::Visible => Ok(row),
            Seen::Gone => Err(ApiError::gone(R::NOUN, key)),
            Seen::Hidden => Err(ApiError::not_found(R::NOUN, key)),
        },
        Located::Renamed(row) if row.redirects(viewer) => Err(ApiError::MovedPermanently(
            moved_to(&moved.query, R::COLLECTION, row.slug(), moved.suffix),
        )),
        Located::Renamed(_) | Located::Missing => Err(ApiError::not_found(R::NOUN, key)),
    }
}

/// `GET /api/v1/<resource>/{id_or_slug}`: the lookup, then `represent` turns the row into JSON
/// inside the same database work. Token holders get the editorial headers and version ETag.
/// A `localized` item shows names in the language the request chose (decision 0028).
pub async fn get_item<R, F>(
    state: State,
    req: &HttpRequest,
    caller: &Caller,
    key: Key,
    localized: bool,
    represent: F,
) -> Result<HttpResponse, ApiError>
where
    R: Record,
    F: FnOnce(&mut DbConnection, R, Ctx) -> Result<(i32, serde_json::Value), ApiError>
        + Clone
        + Send
        + 'static,
{
    let ctx = match localized {
        true => state.ctx_for(req, caller)?,
        false => state.ctx(),
    };
    let viewer = viewer(caller, ctx);
    let moved = Moved::new(req, "");
    let (found, shown) = state
        .read(caller, move |conn| {
            let (found, shown) = keys::collecting(|| {
                let row = lookup::<R>(conn, &key, viewer, &moved)?;
                represent(conn, row, ctx)
            });
            Ok((found?, shown))
        })
        .await?;
    let (version, json) = found;
    let response = item_response(json);
    let response = match localized {
        true => in_language(response, ctx),
        false => response,
    };
    Ok(if viewer.previews {
        editorial(response, Some(version))
    } else {
        surrogate_keys(response, None, shown)
    })
}

/// The item GET of a resource whose only option is `include`: the item as its list shows it,
/// whole, with what `include` names embedded.
pub async fn get_included<L>(
    state: State,
    req: &HttpRequest,
    caller: &Caller,
    key: Key,
    include: Option<&str>,
) -> Result<HttpResponse, ApiError>
where
    L: Listable<Options = crate::views::IncludeTree>,
    L::Row: Record,
{
    let mut problems = Problems::default();
    let include = super::query::parse_include(include, L::SPEC.includes, &mut problems);
    problems.into_result()?;
    let previews = caller.previews();
    get_item::<L::Row, _>(state, req, caller, key, true, move |conn, row, ctx| {
        let version = row.version();
        let viewer = Viewer {
            previews,
            now: ctx.now,
        };
        let item = crate::views::single(
            L::load(conn, vec![row], &include, viewer, ctx)?,
            <L::Row as Record>::NOUN,
        )?;
        Ok((version, to_value(&item)?))
    })
    .await
}

/// A resource with a list endpoint.
pub trait Listable: 'static {
    type Params: ListParams;
    /// Its `Debug` form keys the remembered totals: it must name every narrowing.
    type Filter: Clone + Send + std::fmt::Debug + 'static;
    type Sort: Copy + Send + 'static;
    type Row: Send + 'static;
    /// How the items are represented (includes, renderings).
    type Options: Clone + Send + 'static;
    type Item: Serialize;
    /// The collection's name (`Surrogate-Key` of its lists).
    const COLLECTION: &'static str;
    const SPEC: ListSpec<Self::Sort>;
    /// The resource's own parameters; errors go to `problems`.
    fn parse(
        params: &Self::Params,
        list: &ListOptions<Self::Sort>,
        ctx: Ctx,
        problems: &mut Problems,
    ) -> (Self::Filter, Self::Options);
    /// `memo` keeps what public lists derive from all the content (see `ResponseCache::remembered`).
    fn list(
        conn: &mut DbConnection,
        filter: &Self::Filter,
        viewer: Viewer,
        list: &ListOptions<Self::Sort>,
        limit: i64,
        memo: Memo<'_>,
    ) -> diesel::QueryResult<Vec<Self::Row>>;
    fn count(
        conn: &mut DbConnection,
        filter: &Self::Filter,
        viewer: Viewer,
    ) -> diesel::QueryResult<i64>;
    /// The sort value and id a cursor records for the row.
    fn cursor_of(row: &Self::Row, key: Self::Sort) -> (KeyValue, i64);
    fn load(
        conn: &mut DbConnection,
        rows: Vec<Self::Row>,
        options: &Self::Options,
        viewer: Viewer,
        ctx: Ctx,
    ) -> Result<Vec<Self::Item>, ApiError>;
    /// Fields that survive a `fields` projection (renderings asked for by `formats`).
    fn keep(_options: &Self::Options) -> &'static [&'static str] {
        &[]
    }
    /// What `/search` calls the items, when `q` and `sort=relevance` apply to the list.
    const SEARCH: Option<crate::db::search::Kind> = None;
    /// The filter's `q`.
    fn search(_filter: &Self::Filter) -> Option<&crate::domain::search::Query> {
        None
    }
    /// The filter's `q` to widen by stems (`db::search::stem_forms`), and the language whose
    /// stemmer applies (`None`: English, French and Spanish).
    fn search_mut(
        _filter: &mut Self::Filter,
    ) -> Option<(&mut crate::domain::search::Query, Option<String>)> {
        None
    }
    /// Narrows the filter to these items.
    fn only(_filter: &mut Self::Filter, _ids: Vec<i64>) {}
    /// The resource whose public representations are stored (decision 0020), if any. Such a
    /// resource also gives `plain`, `id_of`, `view_count`, `set_view_count` and `rows_by_ids`.
    const RENDERED: Option<&'static Resource> = None;
    /// How its stored representation is found by an item's key in one statement (decision
    /// 0022), if it can be: `get_rendered` then needs nothing else when one is stored.
    const STORED_AT_KEY: Option<crate::db::renditions::FindAtKey> = None;
    /// Whether the options are those of the public representation (no includes, no extra
    /// renderings, summaries without a body): the ones stored.
    fn plain(_options: &Self::Options) -> bool {
        false
    }
    /// The item's noun in messages.
    const NOUN: &'static str = "item";
    /// Its items show names, in the language the request chooses (`lang`, `Accept-Language`;
    /// decision 0028): the list's parameters declare `lang`.
    const LOCALIZED: bool = true;
    fn id_of(_row: &Self::Row) -> i64 {
        0
    }
    /// The count added to the stored representation when read.
    fn view_count(_row: &Self::Row) -> Option<i64> {
        None
    }
    fn set_view_count(_row: &mut Self::Row, _count: i64) {}
    /// The rows of these items, deleted or not.
    fn rows_by_ids(_conn: &mut DbConnection, _ids: &[i64]) -> diesel::QueryResult<Vec<Self::Row>> {
        Ok(Vec::new())
    }
}

/// What a list may remember across requests (`ResponseCache::remembered`), as of this request,
/// and where it leaves the stored representations it read with its rows (`ListOptions::stored`).
#[derive(Clone, Copy)]
pub struct Memo<'a> {
    pub cache: &'a ResponseCache,
    pub ctx: Ctx,
    /// `Some` when the list read its items' stored representations with its rows (an item
    /// missing from it has none stored).
    pub found: &'a std::cell::RefCell<Option<Found>>,
}

/// Stored representations by item id.
pub type Found = std::collections::HashMap<i64, crate::db::renditions::Rendition>;

/// Narrows a list inside the database work: a sub-collection finds its parent and filters by it.
/// Shared, not boxed: an anonymous read may run twice (the replica failed it, decision 0027).
pub type Scope<F> =
    std::sync::Arc<dyn Fn(&mut DbConnection, &mut F, Ctx) -> Result<(), ApiError> + Send + Sync>;

/// Every list: `GET /api/v1/<resource>` and the sub-collections that list the same items.
pub async fn list<L: Listable>(
    state: State,
    req: &HttpRequest,
    caller: &Caller,
    params: L::Params,
    scope: Option<Scope<L::Filter>>,
) -> Result<HttpResponse, ApiError> {
    let ctx = match L::LOCALIZED {
        true => state.ctx_for(req, caller)?,
        false => state.ctx(),
    };
    let viewer = viewer(caller, ctx);
    let mut problems = Problems::default();
    let mut common = params.common();
    // `sort=relevance` ranks as `/search` does; the rest of the list flow is the same.
    let relevance = common.sort == Some("relevance") && L::SEARCH.is_some();
    if relevance {
        common.sort = None;
        if common.cursor.is_some() {
            problems.add("cursor", "a list sorted by relevance is paged by `page`");
        }
    }
    let opts = parse_list(common, &L::SPEC, &state.cursor_key, &mut problems);
    let (filter, options) = L::parse(&params, &opts, ctx, &mut problems);
    if relevance && L::search(&filter).is_none() {
        problems.add("sort", "`relevance` ranks the matches of `q`: give `q`");
    }
    problems.into_result()?;
    if L::search(&filter).is_some() {
        state.search_fill.check()?;
    }
    let cache = state.cache.clone();
    let (page, opts, shown) = state
        .read(caller, move |conn| {
            let (page, shown) = keys::collecting(|| match relevance {
                true => {
                    relevance_page::<L>(conn, &cache, scope, filter, options, opts, viewer, ctx)
                }
                false => list_page::<L>(conn, &cache, scope, filter, options, opts, viewer, ctx),
            });
            let (page, opts) = page?;
            Ok((page, opts, shown))
        })
        .await?;
    let response = list_response(req, &opts, page);
    let response = match L::LOCALIZED {
        true => in_language(response, ctx),
        false => response,
    };
    Ok(if viewer.previews {
        editorial(response, None)
    } else {
        surrogate_keys(response, Some(L::COLLECTION), shown)
    })
}

/// A list sorted by relevance: the matches `/search` ranks (at most its window), narrowed by
/// the list's other filters, then paged, counted, loaded and projected as every list is.
#[allow(clippy::too_many_arguments)]
fn relevance_page<L: Listable>(
    conn: &mut DbConnection,
    cache: &ResponseCache,
    scope: Option<Scope<L::Filter>>,
    mut filter: L::Filter,
    options: L::Options,
    mut opts: ListOptions<L::Sort>,
    viewer: Viewer,
    ctx: Ctx,
) -> Result<(PageOf<Listed>, ListOptions<L::Sort>), ApiError> {
    if let Some(scope) = scope {
        scope(conn, &mut filter, ctx)?;
    }
    stemmed::<L>(conn, &mut filter)?;
    let (Some(kind), Some(query)) = (L::SEARCH, L::search(&filter).cloned()) else {
        return Err(ApiError::Internal("relevance without a search".into()));
    };
    let completions = crate::db::search::completions(conn, &query)?;
    let ranked =
        crate::db::search::rank(conn, &query, completions.as_deref(), &[kind], viewer, None)?;
    let order: std::collections::HashMap<i64, usize> =
        ranked.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let total = match opts.with_total {
        true => Some(total::<L>(conn, cache, &filter, viewer, ctx)?),
        false => None,
    };
    L::only(&mut filter, ranked.iter().map(|r| r.id).collect());
    let page = opts.page;
    opts.page = 1;
    let found = std::cell::RefCell::default();
    let memo = Memo {
        cache,
        ctx,
        found: &found,
    };
    let limit = crate::db::search::WINDOW + 1;
    let mut rows = L::list(conn, &filter, viewer, &opts, limit, memo)?;
    opts.page = page;
    let key = L::SPEC.sorts.first().map(|(_, key)| *key);
    let id_of = |row: &L::Row| key.map(|key| L::cursor_of(row, key).1).unwrap_or_default();
    rows.sort_by_key(|row| order.get(&id_of(row)).copied().unwrap_or(usize::MAX));
    let rows: Vec<L::Row> = rows
        .into_iter()
        .skip(opts.offset().max(0) as usize)
        .take(opts.per_page as usize + 1)
        .collect();
    let page = PageOf::new(rows, opts.per_page, total);
    // Up to a window of rows was read whole, their summaries not with them: the page's are
    // looked up now.
    opts.stored = from_stored::<L>(&opts, &options, viewer);
    let page = loaded::<L>(conn, page, found.into_inner(), &options, &opts, viewer, ctx)?;
    Ok((page, opts))
}

/// Whether a list's items are its resource's stored public summaries: an anonymous caller's
/// plain list (no `fields`, no includes, no renderings) of a resource that stores them, in the
/// language the request chose (each language's are stored apart).
fn from_stored<L: Listable>(
    opts: &ListOptions<L::Sort>,
    options: &L::Options,
    viewer: Viewer,
) -> bool {
    !viewer.previews
        && matches!(opts.fields, Fields::All)
        && L::plain(options)
        && L::RENDERED.is_some()
}

/// A page of rows loaded into items and projected by `fields`. The public summaries of a
/// resource with stored representations come from them (`rendered`).
#[allow(clippy::too_many_arguments)]
fn loaded<L: Listable>(
    conn: &mut DbConnection,
    mut page: PageOf<L::Row>,
    found: Option<Found>,
    options: &L::Options,
    opts: &ListOptions<L::Sort>,
    viewer: Viewer,
    ctx: Ctx,
) -> Result<PageOf<Listed>, ApiError> {
    let rows = std::mem::take(&mut page.items);
    if let (true, Some(resource)) = (opts.stored, L::RENDERED) {
        let stored = rendered::rendered::<L>(
            conn,
            resource,
            Form::Summary,
            (rows, found),
            options,
            viewer,
            ctx,
        )?;
        return Ok(page.with_items(stored.into_iter().map(Listed::Stored).collect()));
    }
    let keep = L::keep(options);
    let values = L::load(conn, rows, options, viewer, ctx)?
        .iter()
        .map(|item| to_value(item).map(|v| Listed::Built(opts.fields.project(v, keep))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.with_items(values))
}

/// The database work of a list: narrow, page, count, load, project.
#[allow(clippy::too_many_arguments)]
fn list_page<L: Listable>(
    conn: &mut DbConnection,
    cache: &ResponseCache,
    scope: Option<Scope<L::Filter>>,
    mut filter: L::Filter,
    options: L::Options,
    mut opts: ListOptions<L::Sort>,
    viewer: Viewer,
    ctx: Ctx,
) -> Result<(PageOf<Listed>, ListOptions<L::Sort>), ApiError> {
    opts.stored = from_stored::<L>(&opts, &options, viewer);
    {
        if let Some(scope) = scope {
            scope(conn, &mut filter, ctx)?;
        }
        stemmed::<L>(conn, &mut filter)?;
        let found = std::cell::RefCell::default();
        let memo = Memo {
            cache,
            ctx,
            found: &found,
        };
        let rows = L::list(conn, &filter, viewer, &opts, opts.per_page + 1, memo)?;
        let total = match opts.with_total {
            true => Some(total::<L>(conn, cache, &filter, viewer, ctx)?),
            false => None,
        };
        let mut page = PageOf::new(rows, opts.per_page, total);
        page.next_cursor = opts.next_cursor(&page, L::cursor_of);
        let page = loaded::<L>(conn, page, found.into_inner(), &options, &opts, viewer, ctx)?;
        Ok((page, opts))
    }
}

/// Widens the list's `q` by stems, as `/search` does (decision 0028).
fn stemmed<L: Listable>(conn: &mut DbConnection, filter: &mut L::Filter) -> Result<(), ApiError> {
    if let Some((query, language)) = L::search_mut(filter) {
        crate::db::search::stem_forms(conn, query, language.as_deref())?;
    }
    Ok(())
}

/// A list's exact total. Public totals are remembered per filter until content changes (writes
/// and scheduled publications), so a million-row count runs once per change, not per request.
fn total<L: Listable>(
    conn: &mut DbConnection,
    cache: &ResponseCache,
    filter: &L::Filter,
    viewer: Viewer,
    ctx: Ctx,
) -> Result<i64, ApiError> {
    if viewer.previews {
        return Ok(L::count(conn, filter, viewer)?);
    }
    let key = format!("total:{}:{filter:?}", L::COLLECTION);
    let total = cache.remembered(conn, key, ctx, |conn| L::count(conn, filter, viewer))?;
    Ok(*total)
}

/// Says which language a response's names are in (`Content-Language`); the response cache
/// adds `Vary: Accept-Language` when the request did not name one with `lang`.
pub(crate) fn in_language(mut response: HttpResponse, ctx: Ctx) -> HttpResponse {
    if let Ok(value) = HeaderValue::from_str(ctx.lang.code) {
        response
            .headers_mut()
            .insert(actix_web::http::header::CONTENT_LANGUAGE, value);
    }
    response
}

/// At most this many keys in `Surrogate-Key`: a long list names its collection and its first
/// items (a purge of the collection covers the rest).
pub const MAX_SURROGATE_KEYS: usize = 64;

/// Names the items a public response shows, for CDN purges: `Surrogate-Key` (space-separated,
/// Fastly) and `Cache-Tag` (comma-separated, Cloudflare); a list names its collection first.
pub(crate) fn surrogate_keys(
    mut response: HttpResponse,
    collection: Option<&str>,
    shown: Vec<String>,
) -> HttpResponse {
    let keys: Vec<String> = collection
        .map(str::to_owned)
        .into_iter()
        .chain(shown)
        .take(MAX_SURROGATE_KEYS)
        .collect();
    if keys.is_empty() {
        return response;
    }
    let headers = response.headers_mut();
    for (name, separator) in [("surrogate-key", " "), ("cache-tag", ",")] {
        if let Ok(value) = HeaderValue::from_str(&keys.join(separator)) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    response
}

/// A sub-collection's scope: the live parent `key` names (301/404/410 as for the parent itself,
/// with `suffix` kept on a redirect), handed to `narrow` to filter the list by.
pub fn within<P, F>(
    req: &HttpRequest,
    caller: &Caller,
    key: Key,
    suffix: &'static str,
    narrow: impl Fn(&mut F, i64, Ctx) + Send + Sync + 'static,
) -> Option<Scope<F>>
where
    P: Record,
    F: 'static,
{
    let moved = Moved::new(req, suffix);
    let previews = caller.previews();
    Some(std::sync::Arc::new(move |conn, filter, ctx| {
        let viewer = Viewer {
            previews,
            now: ctx.now,
        };
        let parent = lookup::<P>(conn, &key, viewer, &moved)?;
        narrow(filter, parent.id(), ctx);
        Ok(())
    }))
}

/// The `list`, `count`, `cursor_of` and `load` of a `Listable` whose `db` module has
/// `list(conn, filter, sort, after, offset, limit)`, `count(conn, filter)` and `cursor_value`,
/// and whose view has `load(conn, rows, include, ctx)`: lists that look the same to every viewer.
macro_rules! listed_from {
    ($db:ident, $view:path) => {
        fn list(
            conn: &mut $crate::db::DbConnection,
            filter: &Self::Filter,
            _viewer: $crate::db::Viewer,
            list: &$crate::api::query::ListOptions<Self::Sort>,
            limit: i64,
            _memo: $crate::api::read::Memo<'_>,
        ) -> diesel::QueryResult<Vec<Self::Row>> {
            $db::list(
                conn,
                filter,
                &list.sort,
                list.after.as_ref(),
                list.offset(),
                limit,
            )
        }

        fn count(
            conn: &mut $crate::db::DbConnection,
            filter: &Self::Filter,
            _viewer: $crate::db::Viewer,
        ) -> diesel::QueryResult<i64> {
            $db::count(conn, filter)
        }

        fn cursor_of(row: &Self::Row, key: Self::Sort) -> ($crate::db::KeyValue, i64) {
            ($db::cursor_value(row, key), row.id)
        }

        fn load(
            conn: &mut $crate::db::DbConnection,
            rows: Vec<Self::Row>,
            include: &$crate::views::IncludeTree,
            _viewer: $crate::db::Viewer,
            ctx: $crate::views::Ctx,
        ) -> Result<Vec<Self::Item>, $crate::error::ApiError> {
            use $view as view;
            view::load(conn, rows, include, ctx)
        }
    };
}
pub(crate) use listed_from;
