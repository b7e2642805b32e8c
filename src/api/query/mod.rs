//! What every list shares: query-string parsing with precise errors, page/sort/fields/include
//! options, the `{data, meta, links}` envelope and its `Link` header.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::{ready, Ready};
use utoipa::ToSchema;

use crate::db::{After, KeyValue};
use crate::domain::key::{is_key, Key};
use crate::error::{ApiError, FieldError};
use crate::views::envelope::{ItemResponse, ListLinks, ListMeta, ListResponse};
use crate::views::IncludeTree;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

mod envelope;
pub use envelope::*;

mod cursor;
pub use cursor::*;

pub const MAX_PER_PAGE: i64 = 100;
pub const DEFAULT_PER_PAGE: i64 = 20;

/// Query parameters parsed into `T` (all fields strings, checked by the resource), where an
/// unknown or repeated parameter is a `400` naming it.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            serde_urlencoded::from_str::<T>(req.query_string())
                .map(QueryParams)
                .map_err(|e| query_error(&e.to_string())),
        )
    }
}

/// serde's messages name the parameter in backticks: "unknown field `foo`, expected ...".
fn query_error(message: &str) -> ApiError {
    let name = message.split('`').nth(1).unwrap_or("query").to_owned();
    let reason = if message.starts_with("unknown field") {
        "is not a parameter of this endpoint".to_owned()
    } else if message.starts_with("duplicate field") {
        "is given more than once".to_owned()
    } else {
        message.to_owned()
    };
    ApiError::invalid_parameter(name, reason)
}

/// The `lang` parameter of a query string, decoded (`ctx_for` and the response cache's key
/// read it; the route's parameters declare it). Cheap when it is absent: most queries.
pub fn lang_parameter(query: &str) -> Option<String> {
    if !query.contains("lang=") {
        return None;
    }
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "lang")
        .map(|(_, value)| value.into_owned())
}

/// The `lang` parameter of every GET that shows names, documented once.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LangParams {
    /// The language of names (BCP 47, e.g. `en`): served languages only, a tag with no match
    /// falls back to the default (`NEWSROOM_DEFAULT_LANGUAGE`). Without it, `Accept-Language`
    /// chooses. A malformed tag is a 400.
    #[param(
        max_length = 35,
        pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
        example = "en"
    )]
    pub lang: Option<String>,
}

/// For endpoints without query parameters: any parameter is a 400 naming it.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoParams {}

/// Collects parameter errors so that one response names every bad parameter.
#[derive(Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, parameter: &str, message: impl Into<String>) {
        self.0.push(FieldError::parameter(parameter, message));
    }

    /// The parsed value, or `None` with the error recorded.
    pub fn check<T>(&mut self, parameter: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(parameter, message);
                None
            }
        }
    }

    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::InvalidParameters(self.0))
        }
    }
}

/// What a resource allows in `sort`, `fields` and `include`: the one source of each allowlist
/// (the spec's patterns are compared with these lists by a test).
pub struct ListSpec<S: 'static> {
    /// Sortable names and the key each stands for.
    pub sorts: &'static [(&'static str, S)],
    /// Sort keys that support `cursor` (stable values, never null or live counts).
    pub cursor_sorts: &'static [&'static str],
    pub default_sort: &'static str,
    pub fields: &'static [&'static str],
    pub includes: &'static [&'static str],
}

#[derive(Clone)]
pub struct ListOptions<S> {
    pub page: i64,
    pub per_page: i64,
    pub with_total: bool,
    pub sort: Vec<(S, bool)>,
    pub fields: Fields,
    pub include: IncludeTree,
    /// The single sort key, when cursors work for it: what `next_cursor` records.
    pub cursor_key: Option<(String, bool)>,
    /// Where this page starts when the request gave a `cursor`.
    pub after: Option<After>,
    /// What the next page's cursor is signed with.
    pub key: CursorKey,
    /// The page's items are the stored public summaries (decided before its rows are read,
    /// `read::from_stored`): the rows need only what pages them and finds the summaries.
    pub stored: bool,
}

impl<S> ListOptions<S> {
    pub fn offset(&self) -> i64 {
        if self.after.is_some() {
            0
        } else {
            (self.page - 1) * self.per_page
        }
    }
}

impl<S: Copy> ListOptions<S> {
    /// The cursor of the page after this one, from its last row's sort value and id.
    pub fn next_cursor<R>(
        &self,
        page: &PageOf<R>,
        value: impl Fn(&R, S) -> (KeyValue, i64),
    ) -> Option<String> {
        let (name, desc) = self.cursor_key.as_ref()?;
        let (key, _) = self.sort.first()?;
        let last = page.items.last().filter(|_| page.has_next)?;
        let (value, id) = value(last, *key);
        Some(encode_cursor(&self.key, name, *desc, &value, id))
    }
}

/// Raw values of the parameters every list takes.
pub struct CommonParams<'a> {
    pub page: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub per_page: Option<&'a str>,
    pub count: Option<&'a str>,
    pub sort: Option<&'a str>,
    pub fields: Option<&'a str>,
    pub include: Option<&'a str>,
}

impl<'a> CommonParams<'a> {
    /// Only paging: for lists with one fixed order and nothing to project (revisions, search).
    pub fn paging(
        page: Option<&'a str>,
        per_page: Option<&'a str>,
        count: Option<&'a str>,
    ) -> Self {
        CommonParams {
            page,
            cursor: None,
            per_page,
            count,
            sort: None,
            fields: None,
            include: None,
        }
    }
}

fn parse_positive(value: &str, max: i64) -> Result<i64, String> {
    match value.parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ if max == i64::MAX => Err("must be a whole number from 1".to_owned()),
        _ => Err(format!("must be a whole number between 1 and {max}")),
    }
}

impl<S: Copy> ListSpec<S> {
    /// The sort key an allowlisted name stands for.
    fn sort_key(&self, name: &str) -> Option<S> {
        self.sorts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, key)| *key)
    }

    /// The sortable names.
    pub fn sort_names(&self) -> Vec<&'static str> {
        self.sorts.iter().map(|(name, _)| *name).collect()
    }
}

/// Parses the shared list parameters against the resource's allowlists.
pub fn parse_list<S: Copy>(
    raw: CommonParams<'_>,
    spec: &ListSpec<S>,
    key: &CursorKey,
    problems: &mut Problems,
) -> ListOptions<S> {
    let page = raw
        .page
        .and_then(|v| problems.check("page", parse_positive(v, 1_000_000)))
        .unwrap_or(1);
    let per_page = raw
        .per_page
        .and_then(|v| problems.check("per_page", parse_positive(v, MAX_PER_PAGE)))
        .unwrap_or(DEFAULT_PER_PAGE);
    let with_total = match raw.count {
        None | Some("exact") => true,
        Some("none") => false,
        Some(_) => {
            problems.add("count", "must be `exact` or `none`");
            true
        }
    };
    let sort = parse_sort(raw.sort.unwrap_or(spec.default_sort), spec, problems);
    let fields = parse_fields(raw.fields, spec.fields, problems);
    let include = parse_include(raw.include, spec.includes, problems);
    let sort_list = raw.sort.unwrap_or(spec.default_sort);
    let cursor_key = match sort_list.split(',').collect::<Vec<_>>().as_slice() {
        [single] => {
            let (name, desc) = match single.strip_prefix('-') {
                Some(name) => (name, true),
                None => (*single, false),
            };
            spec.cursor_sorts
                .contains(&name)
                .then(|| (name.to_owned(), desc))
        }
        _ => None,
    };
    let after = match (raw.cursor, &cursor_key) {
        (None, _) => None,
        (Some(_), _) if raw.page.is_some() => {
            problems.add("cursor", "give `cursor` or `page`, not both");
            None
        }
        (Some(_), None) => {
            problems.add(
                "cursor",
                format!(
                    "cursors need a single sort key among: {}",
                    spec.cursor_sorts.join(", ")
                ),
            );
            None
        }
        (Some(raw_cursor), Some((name, desc))) => {
            problems.check("cursor", decode_cursor(key, raw_cursor, name, *desc))
        }
    };
    ListOptions {
        page,
        per_page,
        with_total,
        sort,
        fields,
        include,
        cursor_key,
        after,
        key: key.clone(),
        stored: false,
    }
}

/// At most this many sort keys: a longer `ORDER BY` buys nothing (the id always breaks ties) and
/// diesel's boxed multi-backend queries slow down sharply with each extra term.
pub const MAX_SORT_KEYS: usize = 3;

fn parse_sort<S: Copy>(list: &str, spec: &ListSpec<S>, problems: &mut Problems) -> Vec<(S, bool)> {
    let mut keys = Vec::new();
    let mut seen = Vec::new();
    for item in list.split(',') {
        let (name, desc) = match item.strip_prefix('-') {
            Some(name) => (name, true),
            None => (item, false),
        };
        match spec.sort_key(name) {
            // A repeated key changes nothing: the first one decides.
            Some(_) if seen.contains(&name) => {}
            Some(key) => {
                seen.push(name);
                keys.push((key, desc));
            }
            None => problems.add(
                "sort",
                format!(
                    "`{name}` is not sortable; use {} (prefix `-` for descending)",
                    spec.sort_names().join(", ")
                ),
            ),
        }
    }
    if list.split(',').count() > MAX_SORT_KEYS {
        problems.add("sort", format!("at most {MAX_SORT_KEYS} sort keys"));
    }
    keys
}

/// The longest `q`, in characters: a search is a few words, and a longer one only costs.
pub const MAX_QUERY: usize = 200;

/// A `q` parameter as a search query (`domain::search`): at most `MAX_QUERY` characters, with
/// a word. Lists match it as `/search` does.
pub fn search(problems: &mut Problems, q: Option<&str>) -> Option<crate::domain::search::Query> {
    parse_q(q, problems)
}

/// `q`: at most `MAX_QUERY` characters, with at least one word.
pub fn parse_q(q: Option<&str>, problems: &mut Problems) -> Option<crate::domain::search::Query> {
    let q = q?;
    if q.chars().nth(MAX_QUERY).is_some() {
        problems.add("q", format!("must be at most {MAX_QUERY} characters"));
        return None;
    }
    let query = crate::domain::search::Query::parse(q);
    if query.is_none() {
        problems.add("q", "must have a word: letters or digits");
    }
    query
}

/// Parses a `fields` list against its allowlist.
pub fn parse_fields(raw: Option<&str>, allowed: &[&str], problems: &mut Problems) -> Fields {
    let Some(list) = raw else {
        return Fields::All;
    };
    let mut chosen = Vec::new();
    for field in list.split(',') {
        if allowed.contains(&field) {
            chosen.push(field.to_owned());
        } else {
            problems.add(
                "fields",
                format!("`{field}` is not one of: {}", allowed.join(", ")),
            );
        }
    }
    Fields::Only(chosen)
}

/// Parses an `include` list against its allowlist.
pub fn parse_include(raw: Option<&str>, allowed: &[&str], problems: &mut Problems) -> IncludeTree {
    let mut include = IncludeTree::default();
    for path in raw.into_iter().flat_map(|list| list.split(',')) {
        if allowed.contains(&path) {
            include.insert_path(path);
        } else if allowed.is_empty() {
            problems.add("include", "this endpoint has nothing to include");
        } else {
            problems.add(
                "include",
                format!("`{path}` is not one of: {}", allowed.join(", ")),
            );
        }
    }
    include
}

/// A sparse fieldset: which top-level fields a caller asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Fields {
    All,
    Only(Vec<String>),
}

impl Fields {
    pub fn wants(&self, field: &str) -> bool {
        match self {
            Fields::All => true,
            Fields::Only(list) => list.iter().any(|f| f == field),
        }
    }

    /// Keeps `id` and the chosen fields of a serialized item; `always` (such as `body_html`,
    /// asked for through `formats`) stay too.
    pub fn project(&self, item: serde_json::Value, always: &[&str]) -> serde_json::Value {
        match (self, item) {
            (Fields::Only(list), serde_json::Value::Object(map)) => serde_json::Value::Object(
                map.into_iter()
                    .filter(|(k, _)| k == "id" || list.contains(k) || always.contains(&k.as_str()))
                    .collect(),
            ),
            (_, other) => other,
        }
    }
}

/// One page fetched from the database: `per_page + 1` rows are asked for so that the next page is
/// known to exist even without a total.
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub total: Option<i64>,
    pub next_cursor: Option<String>,
}

impl<T> PageOf<T> {
    pub fn new(mut items: Vec<T>, per_page: i64, total: Option<i64>) -> Self {
        let has_next = items.len() as i64 > per_page;
        items.truncate(per_page.max(0) as usize);
        PageOf {
            items,
            has_next,
            total,
            next_cursor: None,
        }
    }

    /// The same page with other items (rows turned into JSON).
    pub fn with_items<U>(&self, items: Vec<U>) -> PageOf<U> {
        PageOf {
            items,
            has_next: self.has_next,
            total: self.total,
            next_cursor: self.next_cursor.clone(),
        }
    }
}

#[cfg(test)]
mod tests;

/// Declares a list endpoint's query parameters: the shared ones (documented once, here) plus the
/// resource's filters. It exists because serde cannot combine `#[serde(flatten)]` with
/// `deny_unknown_fields` (an unknown parameter must be a 400 naming it), so the shared fields are
/// written into each struct instead of flattened in. Every field is a string checked by the
/// resource so that errors name it. The patterns spell out the allowlists, so the spec tells
/// integrators (and schemathesis) exactly what is accepted; a test compares them with the lists.
macro_rules! list_params {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            sort: ($sort_doc:literal, $sort_example:literal, $sort_pattern:literal),
            fields: ($fields_doc:literal, $fields_example:literal, $fields_pattern:literal),
            $(@include ($include_doc:literal, $include_example:literal, $include_pattern:literal),)?
            $(@names_in $lang:ident,)?
            $($(#[$fmeta:meta])* $field:ident,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// Page number, from 1.
            #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000, example = 1)]
            pub page: Option<String>,
            /// Keyset position from `meta.next_cursor` (instead of `page`), for lists sorted by
            /// one stable key: deep pages cost as much as the first.
            #[param(pattern = "^[A-Za-z0-9_-]{1,512}$", example = "eyJzIjoicHVibGlzaGVkX2F0IiwiZCI6dHJ1ZSwidiI6IjIwMjItMTAtMjFUMDE6MjQ6MDAiLCJpIjoxfQ")]
            pub cursor: Option<String>,
            /// Items per page, 1 to 100 (default 20).
            #[param(value_type = Option<i64>, minimum = 1, maximum = 100, example = 20)]
            pub per_page: Option<String>,
            /// `exact` (default) counts the total; `none` skips it, for scripts that page through
            /// everything.
            #[param(value_type = Option<$crate::api::query::CountMode>, example = "exact")]
            pub count: Option<String>,
            #[doc = $sort_doc]
            #[param(example = $sort_example, pattern = $sort_pattern)]
            pub sort: Option<String>,
            #[doc = $fields_doc]
            #[param(example = $fields_example, pattern = $fields_pattern)]
            pub fields: Option<String>,
            $(
            #[doc = $include_doc]
            #[param(example = $include_example, pattern = $include_pattern)]
            pub include: Option<String>,
            )?
            $(
            /// The language of names (BCP 47, e.g. `en`): served languages only, a tag with no
            /// match falls back to the default (`NEWSROOM_DEFAULT_LANGUAGE`). Without it,
            /// `Accept-Language` chooses. A malformed tag is a 400.
            #[param(max_length = 35, pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", example = "en")]
            pub $lang: Option<String>,
            )?
            $($(#[$fmeta])* pub $field: Option<String>,)*
        }

        impl $crate::api::query::ListParams for $name {
            fn common(&self) -> $crate::api::query::CommonParams<'_> {
                $crate::api::query::CommonParams {
                    page: self.page.as_deref(),
                    cursor: self.cursor.as_deref(),
                    per_page: self.per_page.as_deref(),
                    count: self.count.as_deref(),
                    sort: self.sort.as_deref(),
                    fields: self.fields.as_deref(),
                    include: $crate::api::query::list_params!(@include self $(, $include_doc)?),
                }
            }
        }
    };
    (@include $self:ident, $doc:literal) => { $self.include.as_deref() };
    (@include $self:ident) => { None };
}
pub(crate) use list_params;

/// The query parameters of a list endpoint (declared with `list_params!`).
pub trait ListParams: DeserializeOwned + Send + 'static {
    /// The parameters every list shares.
    fn common(&self) -> CommonParams<'_>;
}

/// Whether a list counts its total.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CountMode {
    Exact,
    None,
}

/// The `{id_or_slug}` of a path; one that cannot name anything is a 404 without a query.
pub fn path_key(raw: &str, what: &str) -> Result<Key, ApiError> {
    if is_key(raw) {
        Ok(Key::parse(raw))
    } else {
        Err(ApiError::NotFound(format!(
            "no {what} with that id or slug"
        )))
    }
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
/// The parameters of a list with one fixed order: only paging.
pub struct PagingParams {
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000, example = 1)]
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<String>,
    /// `exact` (default) counts the total; `none` skips it.
    #[param(value_type = Option<CountMode>, example = "exact")]
    pub count: Option<String>,
}
