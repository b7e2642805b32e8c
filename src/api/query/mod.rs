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

/// The key cursors are signed with: kept in the database (`db::keys`, name `cursor`) so that
/// every instance accepts the others' cursors, and a crafted one is a 400.
#[derive(Clone)]
pub struct CursorKey(std::sync::Arc<[u8]>);

/// The bytes of a cursor's signature: a truncated HMAC-SHA256 (128 bits, as RFC 2104 allows).
const TAG_BYTES: usize = 16;

type CursorMac = hmac::Hmac<sha2::Sha256>;

impl CursorKey {
    /// The stored key, made by the first instance that needs one.
    pub fn load(
        conn: &mut crate::db::DbConnection,
        now: chrono::NaiveDateTime,
    ) -> Result<Self, ApiError> {
        let fresh = crate::domain::token::random_secret().map_err(ApiError::Internal)?;
        let secret = crate::db::keys::service_key(conn, "cursor", &fresh, now)?;
        Ok(CursorKey(secret.into_bytes().into()))
    }

    /// A key for another purpose, derived from this one (HMAC of the purpose's name): every
    /// instance has it, and it signs nothing a cursor could be mistaken for.
    pub fn derive(&self, purpose: &str) -> Vec<u8> {
        use hmac::Mac;
        self.mac(purpose.as_bytes())
            .finalize()
            .into_bytes()
            .to_vec()
    }

    fn mac(&self, data: &[u8]) -> CursorMac {
        use hmac::{KeyInit, Mac};
        // HMAC takes a key of any length.
        let mut mac = <CursorMac as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(data);
        mac
    }

    /// The data followed by its signature.
    fn sign(&self, mut data: Vec<u8>) -> Vec<u8> {
        use hmac::Mac;
        let tag = self.mac(&data).finalize().into_bytes();
        data.extend_from_slice(&tag[..TAG_BYTES]);
        data
    }

    /// The data of a signed message whose signature is right (compared in constant time).
    fn verify<'a>(&self, signed: &'a [u8]) -> Option<&'a [u8]> {
        use hmac::Mac;
        let split = signed.len().checked_sub(TAG_BYTES)?;
        let (data, tag) = signed.split_at(split);
        self.mac(data).verify_truncated_left(tag).ok()?;
        Some(data)
    }
}

/// The cursor's wire form: base64url of a small JSON object followed by its signature. Opaque
/// to clients; decoding checks the signature and that it belongs to the same sort.
#[derive(Serialize, serde::Deserialize)]
struct CursorData {
    s: String,
    d: bool,
    v: Option<String>,
    i: i64,
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f";

fn encode_cursor(key: &CursorKey, sort: &str, desc: bool, value: &KeyValue, id: i64) -> String {
    let v = match value {
        KeyValue::Text(t) => Some(t.clone()),
        KeyValue::Time(t) => Some(t.format(TIME_FORMAT).to_string()),
        KeyValue::Date(d) => Some(d.to_string()),
        KeyValue::Null | KeyValue::Id => None,
    };
    let json = serde_json::to_vec(&CursorData {
        s: sort.to_owned(),
        d: desc,
        v,
        i: id,
    })
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(key.sign(json))
}

/// Decodes a cursor made for this sort key and direction; the value's type follows the key.
fn decode_cursor(key: &CursorKey, raw: &str, sort: &str, desc: bool) -> Result<After, String> {
    let bad =
        || "is not a cursor of this list and sort (take `meta.next_cursor` as it is)".to_owned();
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let data = key.verify(&bytes).ok_or_else(bad)?;
    let data: CursorData = serde_json::from_slice(data).map_err(|_| bad())?;
    if data.s != sort || data.d != desc {
        return Err(bad());
    }
    let value = match (sort, data.v) {
        ("id" | "seq", _) => KeyValue::Id,
        ("published_at" | "updated_at", Some(v)) => KeyValue::Time(
            chrono::NaiveDateTime::parse_from_str(&v, TIME_FORMAT).map_err(|_| bad())?,
        ),
        ("starts_on", Some(v)) => KeyValue::Date(v.parse().map_err(|_| bad())?),
        ("starts_on", None) => KeyValue::Null,
        ("title" | "name", Some(v)) => KeyValue::Text(v),
        _ => return Err(bad()),
    };
    Ok(After { value, id: data.i })
}

/// A signed cursor standing for a position in the change log (`seq`).
pub fn seq_cursor(key: &CursorKey, seq: i64) -> String {
    encode_cursor(key, "seq", false, &KeyValue::Id, seq)
}

/// The change-log position a `seq_cursor` stands for.
pub fn parse_seq_cursor(key: &CursorKey, raw: &str) -> Result<i64, String> {
    decode_cursor(key, raw, "seq", false).map(|after| after.id)
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

/// The query's parameters decoded and sorted by name: the request as the cache keys it. Links a
/// response carries are built from these, so that two spellings of one request (parameter
/// order, percent-encoding) get the same bytes.
pub fn normalized_pairs(raw: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn encoded(pairs: &[(String, String)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    query.finish()
}

/// The normalized query string (see `normalized_pairs`).
pub fn normalized_query(raw: &str) -> String {
    encoded(&normalized_pairs(raw))
}

/// `path?query`, or the path alone for an empty query.
pub(crate) fn with_query(path: &str, query: &str) -> String {
    match query {
        "" => path.to_owned(),
        q => format!("{path}?{q}"),
    }
}

/// This API's base URL as the caller reached it (`scheme://host`; the response cache keys on
/// it too, so one caller's `Host` never reaches another's answer).
pub fn request_base(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// The URL of the same request at another position: `page=N` or `cursor=C`.
pub(crate) fn page_url(req: &HttpRequest, position: (&str, &str)) -> String {
    let mut pairs: Vec<(String, String)> = normalized_pairs(req.query_string())
        .into_iter()
        .filter(|(k, _)| k != "page" && k != "cursor")
        .collect();
    pairs.push((position.0.to_owned(), position.1.to_owned()));
    pairs.sort();
    with_query(req.path(), &encoded(&pairs))
}

/// The list envelope with its `Link` header.
pub fn list_response<S: Copy>(
    req: &HttpRequest,
    opts: &ListOptions<S>,
    page: PageOf<serde_json::Value>,
) -> HttpResponse {
    let total_pages = page.total.map(|t| {
        if t == 0 {
            0
        } else {
            (t + opts.per_page - 1) / opts.per_page
        }
    });
    let at_page = |n: i64| page_url(req, ("page", &n.to_string()));
    let by_cursor = opts.after.is_some();
    let links = ListLinks {
        self_: with_query(req.path(), &normalized_query(req.query_string())),
        first: at_page(1),
        prev: (!by_cursor && opts.page > 1).then(|| at_page(opts.page - 1)),
        next: match &page.next_cursor {
            Some(cursor) if by_cursor => Some(page_url(req, ("cursor", cursor))),
            _ => page.has_next.then(|| at_page(opts.page + 1)),
        },
        last: total_pages
            .filter(|_| !by_cursor)
            .map(|n| at_page(n.max(1))),
    };
    let mut link_header = Vec::new();
    for (rel, url) in [
        ("first", Some(&links.first)),
        ("prev", links.prev.as_ref()),
        ("next", links.next.as_ref()),
        ("last", links.last.as_ref()),
    ] {
        if let Some(url) = url {
            link_header.push(format!("<{url}>; rel=\"{rel}\""));
        }
    }
    let body = ListResponse {
        data: page.items,
        meta: ListMeta {
            page: (!by_cursor).then_some(opts.page),
            per_page: opts.per_page,
            total: page.total,
            total_pages,
            next_cursor: page.next_cursor,
        },
        links,
    };
    let mut response = HttpResponse::Ok();
    if !link_header.is_empty() {
        response.insert_header((header::LINK, link_header.join(", ")));
    }
    response.json(body)
}

/// The single-item envelope.
pub fn item_response(item: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().json(ItemResponse { data: item })
}

/// Marks a response as the editorial representation (any GET made with a token): never cached
/// by others, and with the `"<version>"` ETag that `If-Match` expects when there is one item.
pub fn editorial(mut response: HttpResponse, version: Option<i32>) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    if let Some(version) = version {
        if let Ok(value) = header::HeaderValue::from_str(&format!("\"{version}\"")) {
            headers.insert(header::ETAG, value);
        }
    }
    response
}

/// The URL of an item whose slug changed: its current slug, with the same query.
pub fn moved_to(query: &str, collection: &str, current_slug: &str, rest: &str) -> String {
    let path = format!("/api/v1/{collection}/{current_slug}{rest}");
    with_query(&path, &normalized_query(query))
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
