//! Responses of lists and items: normalized queries, the list envelope with its `Link` header, editorial headers, moved URLs.

use super::*;

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

pub(super) fn encoded(pairs: &[(String, String)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    query.finish()
}

/// The normalized query string (see `normalized_pairs`).
pub fn normalized_query(raw: &str) -> String {
    if already_normalized(raw) {
        return raw.to_owned();
    }
    encoded(&normalized_pairs(raw))
}

/// Whether `raw` is its own normal form, found without decoding it (the response cache keys
/// every public read on it): `k=v` pairs of characters the encoding leaves alone
/// (`A-Z a-z 0-9 * - . _`), in order.
fn already_normalized(raw: &str) -> bool {
    let plain = |part: &str| {
        part.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"*-._".contains(&b))
    };
    let mut previous: Option<(&str, &str)> = None;
    for pair in raw.split('&') {
        let Some((key, value)) = pair.split_once('=') else {
            return false;
        };
        if key.is_empty() || !plain(key) || !plain(value) || previous > Some((key, value)) {
            return false;
        }
        previous = Some((key, value));
    }
    true
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

/// An entry of a page as it goes on the wire.
pub trait ListEntry {
    /// Appends the entry's JSON to `out`.
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;
}

impl ListEntry for serde_json::Value {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        serde_json::to_writer(out, self)
    }
}

/// An entry built for this response, or a stored representation's JSON (`db::renditions`).
#[derive(Debug)]
pub enum Listed {
    Built(serde_json::Value),
    Stored(String),
}

impl ListEntry for Listed {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        match self {
            Listed::Built(value) => value.write_json(out),
            Listed::Stored(json) => {
                out.extend_from_slice(json.as_bytes());
                Ok(())
            }
        }
    }
}

/// The list envelope with its `Link` header.
pub fn list_response<S: Copy, T: ListEntry>(
    req: &HttpRequest,
    opts: &ListOptions<S>,
    page: PageOf<T>,
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
    let envelope = ListResponse::<()> {
        data: Vec::new(),
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
    match envelope_with(&envelope, &page.items) {
        Ok(body) => response.content_type("application/json").body(body),
        Err(e) => actix_web::ResponseError::error_response(&ApiError::Internal(format!(
            "serialization: {e}"
        ))),
    }
}

/// The envelope's JSON with the entries in its `data` (the first member, written empty).
fn envelope_with<T: ListEntry>(
    envelope: &ListResponse<()>,
    items: &[T],
) -> serde_json::Result<Vec<u8>> {
    const EMPTY: &[u8] = b"{\"data\":[]";
    let rest = serde_json::to_vec(envelope)?;
    let Some(tail) = rest.strip_prefix(EMPTY) else {
        return Err(serde::ser::Error::custom(
            "the envelope does not begin with `data`",
        ));
    };
    let mut out = Vec::with_capacity(rest.len() + items.len() * 1024);
    out.extend_from_slice(b"{\"data\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item.write_json(&mut out)?;
    }
    out.push(b']');
    out.extend_from_slice(tail);
    Ok(out)
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
mod tests {
    use super::*;

    #[test]
    fn a_query_already_normal_is_kept_as_it_is_and_only_then() {
        for raw in [
            "",
            "per_page=100",
            "a=1&b=2",
            "b=2&a=1",
            "a=2&a=1",
            "a=1&a=1",
            "a",
            "a=",
            "=1",
            "a=1&&b=2",
            "q=%C4%91%E1%BA%A1i",
            "q=dai+tuong",
            "q=a b",
            "fields=title,slug",
            "a=1=2",
            "include=events&per_page=5&sort=-published_at",
        ] {
            let slow = encoded(&normalized_pairs(raw));
            assert_eq!(normalized_query(raw), slow, "{raw}");
            if already_normalized(raw) {
                assert_eq!(raw, slow, "{raw}");
            }
        }
        assert!(already_normalized("a=1&b=2"));
        assert!(!already_normalized("b=2&a=1"));
    }
}
