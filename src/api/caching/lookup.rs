//! How a public read is looked up in the cache and answered from an entry: the request
//! headers it depends on, its key, and the response (as `public_reads` sends it, or dressed
//! by the edge).

use super::*;

/// The request headers a public read depends on, found in one pass over the headers (a lookup
/// by name for each cost more than the pass). The first of a repeated header counts, as
/// `HeaderMap::get` has it (a first value that is not text counts as none).
#[derive(Default)]
pub(super) struct Asked<'a> {
    pub(super) host: Option<&'a str>,
    pub(super) accept_encoding: Option<&'a str>,
    pub(super) if_none_match: Option<&'a str>,
    pub(super) accept_language: Option<&'a str>,
    /// Which of the four were seen.
    pub(super) seen: [bool; 4],
    pub(super) authorization: bool,
    pub(super) origin: bool,
    /// A proxy header `ConnectionInfo` reads the scheme or host from.
    pub(super) proxied: bool,
}

impl<'a> Asked<'a> {
    pub(super) fn of(req: &'a ServiceRequest) -> Asked<'a> {
        let mut asked = Asked::default();
        for (name, value) in req.headers().iter() {
            let mut first = |index: usize, slot: &mut Option<&'a str>| {
                if !std::mem::replace(&mut asked.seen[index], true) {
                    *slot = value.to_str().ok();
                }
            };
            if *name == header::HOST {
                first(0, &mut asked.host);
            } else if *name == header::ACCEPT_ENCODING {
                first(1, &mut asked.accept_encoding);
            } else if *name == header::IF_NONE_MATCH {
                first(2, &mut asked.if_none_match);
            } else if *name == header::ACCEPT_LANGUAGE {
                first(3, &mut asked.accept_language);
            } else if *name == header::AUTHORIZATION {
                asked.authorization = true;
            } else if *name == header::ORIGIN {
                asked.origin = true;
            } else if *name == header::FORWARDED
                || name.as_str() == "x-forwarded-proto"
                || name.as_str() == "x-forwarded-host"
            {
                asked.proxied = true;
            }
        }
        asked
    }
}

/// Whether the request is a public read this middleware serves.
pub(super) fn is_public_get(req: &ServiceRequest, asked: &Asked<'_>) -> bool {
    req.method() == Method::GET
        && !asked.authorization
        && match req.path() {
            "/livez" | "/readyz" | "/metrics" | "/api/v1/export" => false,
            // A long poll waits for the next change: never answered from here.
            "/api/v1/changes" => {
                !form_urlencoded::parse(req.query_string().as_bytes()).any(|(k, _)| k == "wait")
            }
            _ => true,
        }
}

/// What the edge adds to a hit it answers itself, in place of the layers it skips: the whole
/// `Vary` value (with `Accept-Language` or without) and headers of its own.
pub struct Dressing {
    pub vary: HeaderValue,
    pub vary_language: HeaderValue,
    pub also: Vec<(HeaderName, HeaderValue)>,
}

/// The response for `entry` as `lookup` asks for it: `304` when `If-None-Match` names that
/// form, else its bytes. Undressed, it is for `public_reads`, whose outer layers add the rest
/// (and it names its route for the metrics there).
pub(super) fn respond(
    entry: &Entry,
    lookup: &Lookup,
    cache: &ResponseCache,
    dressing: Option<&Dressing>,
) -> HttpResponse {
    let (variant, coding) = entry.variant(lookup.coding);
    let not_modified = lookup
        .if_none_match
        .as_deref()
        .is_some_and(|given| none_match_names(given, variant.etag()));
    let mut res = match not_modified {
        true => HttpResponse::new(StatusCode::NOT_MODIFIED),
        false => {
            HttpResponse::with_body(StatusCode::OK, variant.body.clone()).map_into_boxed_body()
        }
    };
    let headers = res.headers_mut();
    for (name, value) in &entry.headers {
        if !not_modified || name == header::LINK {
            headers.append(name.clone(), value.clone());
        }
    }
    if let Some(coding) = coding.filter(|_| !not_modified) {
        headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(coding.token()),
        );
    }
    headers.insert(header::ETAG, variant.etag.clone());
    let control = match entry.no_store {
        true => HeaderValue::from_static("no-store"),
        false => cache.control((entry.expires - lookup.now).num_seconds().max(0) as u64),
    };
    headers.insert(header::CACHE_CONTROL, control);
    // An answer in a language `Accept-Language` chose varies by it (decision 0028).
    let by_language = entry.localized && lookup.by_accept_language;
    match dressing {
        Some(dressing) => {
            let vary = match by_language {
                true => &dressing.vary_language,
                false => &dressing.vary,
            };
            headers.insert(header::VARY, vary.clone());
            for (name, value) in &dressing.also {
                headers.insert(name.clone(), value.clone());
            }
        }
        None => {
            let vary = match by_language {
                true => "Accept-Encoding, Accept-Language",
                false => "Accept-Encoding",
            };
            headers.insert(header::VARY, HeaderValue::from_static(vary));
            if let Some(route) = &entry.route {
                res.extensions_mut().insert(route.clone());
            }
        }
    }
    res
}

/// How a public read is looked up and answered: its key, its time, and what the caller accepts.
pub(super) struct Lookup {
    pub(super) key: String,
    pub(super) now: NaiveDateTime,
    pub(super) coding: Option<Coding>,
    pub(super) if_none_match: Option<String>,
    /// The query has no `lang`: `Accept-Language` chose the language.
    pub(super) by_accept_language: bool,
}

impl Lookup {
    pub(super) fn of(state: &AppState, req: &ServiceRequest, asked: &Asked<'_>) -> Lookup {
        // The scheme and host are part of the key: feeds and sitemaps carry this API's base URL
        // as the caller reached it, and one caller's `Host` must not reach another's answer.
        let mut key = String::with_capacity(64 + req.path().len() + req.query_string().len());
        base_url(req, asked, &mut key);
        key.push_str(req.path());
        key.push('?');
        if !req.query_string().is_empty() {
            key.push_str(&normalized_query(req.query_string()));
        }
        // Without `lang`, `Accept-Language` chooses among the served languages: an answer in
        // another than the default is kept under a key of its own (a bounded few per URL).
        let by_accept_language = super::super::query::lang_parameter(req.query_string()).is_none();
        if by_accept_language {
            if let Some(accept) = asked.accept_language {
                let lang = state.languages.choose(None, Some(accept));
                if let Some(lang) = lang.ok().filter(|lang| !lang.is_default()) {
                    key.push('#');
                    key.push_str(lang.code);
                }
            }
        }
        Lookup {
            key,
            now: state.clock.now(),
            coding: negotiate(asked.accept_encoding),
            if_none_match: asked.if_none_match.map(str::to_owned),
            by_accept_language,
        }
    }
}

/// `scheme://host` as actix-web's `ConnectionInfo` resolves them (the handlers write URLs with
/// it), without building one when no proxy header is there to read: that took a quarter of a
/// hit's own time (it formats the peer's address too).
pub(super) fn base_url(req: &ServiceRequest, asked: &Asked<'_>, out: &mut String) {
    if asked.proxied {
        let info = req.connection_info();
        out.push_str(info.scheme());
        out.push_str("://");
        out.push_str(info.host());
        return;
    }
    let uri = req.uri();
    let config = req.app_config();
    let scheme = uri
        .scheme_str()
        .unwrap_or(if config.secure() { "https" } else { "http" });
    let host = asked
        .host
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or_else(|| config.host());
    out.push_str(scheme);
    out.push_str("://");
    out.push_str(host);
}
