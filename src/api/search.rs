//! `GET /api/v1/search`: articles, events, people and organizations in one ranked list
//! (decision 0013). The index finds the newest matches of each type; `domain::search` ranks
//! them, the same on both databases.

use actix_web::{get, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::query::{list_response, parse_q, ListSpec, PageOf, Problems, QueryParams};
use super::read::viewer;
use super::State;
use crate::db::search::{self as index, rank, Kind, Ranked};
use crate::db::DbConnection;
use crate::domain::search::{snippet_of_first, Query};
use crate::error::{ApiError, Problem};
use crate::views::envelope::ListResponse;

/// The query parameters of `/search`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to find: words match whatever their case and diacritics; words in quotes match as
    /// written in order, and the last unquoted word also as the start of a word (`mayork`).
    #[param(
        required = true,
        min_length = 1,
        max_length = 200,
        example = "an ninh mạng"
    )]
    pub q: Option<String>,
    /// The types to search, comma-separated (default all).
    #[param(
        pattern = "^(article|event|person|organization)(,(article|event|person|organization))*$",
        example = "article,person"
    )]
    pub r#type: Option<String>,
    /// Page number, from 1 (pages reach the 500 best of each type).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000, example = 1)]
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<String>,
    /// `exact` (default) counts the matches; `none` skips it.
    #[param(value_type = Option<super::query::CountMode>, example = "exact")]
    pub count: Option<String>,
    /// Only articles written in this language (BCP 47: `vi`, `en`); events, people and
    /// organizations carry every language's names and are not narrowed.
    #[param(
        max_length = 35,
        pattern = "^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
        example = "en"
    )]
    pub language: Option<String>,
    /// The language of names in the results (BCP 47, e.g. `en`): served languages only, a tag
    /// with no match falls back to the default. Without it, `Accept-Language` chooses.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
        example = "en"
    )]
    pub lang: Option<String>,
}

/// One result: an item of any type, its score and a snippet.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// `article`, `event`, `person` or `organization`.
    #[serde(rename = "type")]
    #[schema(example = "article")]
    pub kind: &'static str,
    #[schema(example = 1)]
    pub id: i64,
    #[schema(
        example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"
    )]
    pub slug: String,
    /// An article's title; an event's, person's or organization's name.
    #[schema(
        example = "Đại tướng Tô Lâm dẫn đầu Đoàn đại biểu Việt Nam tham dự SICW 2022 và Hội nghị AMCC7"
    )]
    pub title: String,
    /// Higher is better: 4, 2 or 1 for each phrase found in the title, the lead or the body, 8
    /// more when found with the query's own diacritics, a tenth for each further occurrence.
    #[schema(example = 12.1)]
    pub score: f64,
    /// HTML: a piece of the text with the matched words in `<mark>`, everything else escaped.
    #[schema(
        example = "…hợp tác <mark>an</mark> <mark>ninh</mark> <mark>mạng</mark> trong ASEAN…"
    )]
    pub snippet: String,
}

/// Search articles, events, people and organizations.
///
/// Mixed results ranked by `score`, newer first among equals. Case and diacritics are ignored
/// (`dai tuong` finds `Đại tướng`), and words typed with their diacritics rank matches written
/// the same way first. The text between quotes is a phrase; unquoted words are one phrase too
/// (Vietnamese words are syllables), cut into the longest phrases the index knows when no text
/// holds it whole. Anonymous callers find what they may see.
#[utoipa::path(
    tag = "search",
    params(SearchParams, ("Accept-Language" = Option<String>, Header, description = "The languages the caller reads, with quality values: without `lang`, result names are shown in the first one served. A malformed value is ignored.")),
    responses(
        (status = 200, description = "One page of ranked results", body = ListResponse<SearchResult>,
            headers(("Content-Language" = String, description = "The language the results' names are shown in"), ("Vary" = String, description = "`Accept-Encoding`, and `Accept-Language` when the language was chosen without `lang`"))),
        (status = 400, description = "No `q`, a `q` without words or over 200 characters, or another bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A bad token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable (`unavailable`), or the search index is still being filled for content written before an upgrade (`search-filling`, with the progress in `detail`); both with `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/search")]
pub async fn search(
    state: State,
    caller: Caller,
    req: HttpRequest,
    params: QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.0;
    let mut problems = Problems::default();
    let query = parse_q(params.q.as_deref(), &mut problems);
    let kinds = parse_types(params.r#type.as_deref(), &mut problems);
    let language = params
        .language
        .as_deref()
        .and_then(|tag| problems.check("language", crate::domain::languages::language_filter(tag)));
    let common = super::query::CommonParams::paging(
        params.page.as_deref(),
        params.per_page.as_deref(),
        params.count.as_deref(),
    );
    let opts = super::query::parse_list(common, &RANKED, &state.cursor_key, &mut problems);
    problems.into_result()?;
    state.search_fill.check()?;
    let query = query.ok_or_else(|| ApiError::invalid_parameter("q", "is required"))?;
    let ctx = state.ctx_for(&req, &caller)?;
    let viewer = viewer(&caller, ctx);
    let (offset, per_page, with_total) = (opts.offset(), opts.per_page, opts.with_total);
    let page = state
        .read(&caller, move |conn| {
            let mut query = query;
            index::stem_forms(conn, &mut query, language.as_deref())?;
            let mut completions = index::completions(conn, &query)?;
            let mut ranked = rank(
                conn,
                &query,
                completions.as_deref(),
                &kinds,
                viewer,
                language.as_deref(),
            )?;
            if ranked.is_empty() {
                let mut cut = segmented(conn, &query)?;
                if cut != query {
                    index::stem_forms(conn, &mut cut, language.as_deref())?;
                    completions = index::completions(conn, &cut)?;
                    ranked = rank(
                        conn,
                        &cut,
                        completions.as_deref(),
                        &kinds,
                        viewer,
                        language.as_deref(),
                    )?;
                    query = cut;
                }
            }
            let total = match with_total {
                true => Some(
                    kinds
                        .iter()
                        .map(|kind| {
                            index::count(
                                conn,
                                *kind,
                                &query,
                                completions.as_deref(),
                                viewer,
                                language.as_deref(),
                            )
                        })
                        .sum::<Result<i64, _>>()?,
                ),
                false => None,
            };
            let chosen: Vec<&Ranked> = ranked
                .iter()
                .skip(offset.max(0) as usize)
                .take(per_page as usize + 1)
                .collect();
            let items = describe(conn, &chosen, &query, ctx)?
                .into_iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ApiError::Internal(format!("serialization: {e}")))?;
            Ok::<_, ApiError>(PageOf::new(items, per_page, total))
        })
        .await?;
    let response = super::read::in_language(list_response(&req, &opts, page), ctx);
    Ok(if viewer.previews {
        super::query::editorial(response, None)
    } else {
        response
    })
}

/// Results are ranked: there is nothing to sort by.
const RANKED: ListSpec<()> = ListSpec {
    sorts: &[("relevance", ())],
    cursor_sorts: &[],
    default_sort: "relevance",
    fields: &[],
    includes: &[],
};

fn parse_types(raw: Option<&str>, problems: &mut Problems) -> Vec<Kind> {
    let Some(raw) = raw else {
        return Kind::ALL.to_vec();
    };
    let mut kinds = Vec::new();
    for name in raw.split(',') {
        match Kind::parse(name) {
            Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => problems.add(
                "type",
                format!("`{name}` is not a type; use article, event, person, organization"),
            ),
        }
    }
    kinds
}

/// For a query nothing matched: each unquoted phrase cut, from its
/// start, into the longest runs of words the index holds as phrases (`tô lâm singapore` becomes
/// `"tô lâm" "singapore"` when no text has the three words in a row). A phrase that is found
/// anywhere is never cut, so `tham nhũng` never becomes `tham` and `nhũng` while some text holds
/// it.
fn segmented(conn: &mut DbConnection, query: &Query) -> Result<Query, ApiError> {
    let mut phrases = Vec::new();
    for phrase in query.phrases.iter().cloned() {
        if phrase.quoted || phrase.folded.len() < 2 || index::exists(conn, &single(&phrase))? {
            phrases.push(phrase);
            continue;
        }
        let mut start = 0;
        while start < phrase.folded.len() {
            let mut end = phrase.folded.len();
            while end > start + 1 {
                let part = slice(&phrase, start, end);
                if index::exists(conn, &single(&part))? {
                    break;
                }
                end -= 1;
            }
            phrases.push(slice(&phrase, start, end));
            start = end;
        }
    }
    Ok(Query { phrases })
}

fn single(phrase: &crate::domain::search::Phrase) -> Query {
    Query {
        phrases: vec![phrase.clone()],
    }
}

fn slice(
    phrase: &crate::domain::search::Phrase,
    start: usize,
    end: usize,
) -> crate::domain::search::Phrase {
    crate::domain::search::Phrase {
        folded: phrase.folded[start..end].to_vec(),
        exact: phrase.exact[start..end].to_vec(),
        prefix: phrase.prefix && end == phrase.folded.len(),
        quoted: false,
        also: Vec::new(),
    }
}

/// The results as shown, in their order: each one's slug and title, and a snippet of the first
/// of its lead, body and title that holds a match. The page's items are read a kind at a time.
fn describe(
    conn: &mut DbConnection,
    hits: &[&Ranked],
    query: &Query,
    ctx: crate::views::Ctx,
) -> Result<Vec<SearchResult>, ApiError> {
    let mut described = std::collections::HashMap::new();
    for kind in Kind::ALL {
        let ids: Vec<i64> = hits
            .iter()
            .filter(|h| h.kind == kind)
            .map(|h| h.id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        for (id, slug, title, document) in index::described(conn, kind, &ids, ctx.lang)? {
            described.insert((kind, id), (slug, title, document));
        }
    }
    Ok(hits
        .iter()
        .filter_map(|hit| {
            let (slug, title, document) = described.remove(&(hit.kind, hit.id))?;
            let snippet = snippet_of_first(
                &[&document.lead, &document.body, &document.title],
                &[&document.lead, &document.title],
                query,
            );
            Some(SearchResult {
                kind: hit.kind.as_str(),
                id: hit.id,
                slug,
                title,
                score: hit.score,
                snippet,
            })
        })
        .collect())
}
