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
