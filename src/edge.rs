//! The edge every request passes first (decision 0021): it gives the request its id, answers a
//! public read the response cache holds without going further in, and on the way out adds the
//! security headers, counts the answer in the metrics and writes the access line. A cache hit
//! costs one lookup and one response, not eight middleware layers (a third of a hit's time went
//! to them).

use actix_cors::Cors;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{header, Method};
use actix_web::web;
use futures_util::future::{Either, LocalBoxFuture};
use std::rc::Rc;
use std::time::Instant;

use crate::api::AppState;

/// The edge as a middleware: `App::wrap(Edge::new(state))`, outermost.
pub struct Edge {
    state: web::Data<AppState>,
}

impl Edge {
    pub fn new(state: web::Data<AppState>) -> Edge {
        Edge { state }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Edge
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = actix_web::Error;
    type Transform = EdgeService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<EdgeService<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(EdgeService {
            service: Rc::new(service),
            state: self.state.clone(),
        }))
    }
}

pub struct EdgeService<S> {
    service: Rc<S>,
    state: web::Data<AppState>,
}

impl<S, B> Service<ServiceRequest> for EdgeService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = actix_web::Error;
    /// A hit is ready at once, with nothing to allocate; the rest goes further in.
    type Future = Either<
        std::future::Ready<Result<Self::Response, Self::Error>>,
        LocalBoxFuture<'static, Result<Self::Response, Self::Error>>,
    >;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        use tracing::Instrument;
        let started = Instant::now();
        // Logged as sent; routed as GET: HEAD is answered wherever GET is, and the HTTP layer
        // sends the headers without the body.
        let method = req.method().clone();
        if method == Method::HEAD {
            req.head_mut().method = Method::GET;
        }
        let id = request_id(req.headers().get(REQUEST_ID));
        // Requests over the connection limit are refused further in; every public read the
        // cache holds is answered here (but those with `Origin`: CORS has its say).
        let hit = (!crate::api::limits::over_connection_limit(&req))
            .then(|| crate::api::caching::from_cache(&self.state, &req, &HIT_DRESSING))
            .flatten();
        if let Some((mut res, entry)) = hit {
            let headers = res.headers_mut();
            headers.insert(header::HeaderName::from_static(REQUEST_ID), id.header());
            if is_docs(req.path()) {
                secure(headers, req.path());
            }
            let status = res.status();
            let elapsed = started.elapsed();
            entry.served(&method, status).record(elapsed.as_secs_f64());
            log(&id, &method, req.path(), status.as_u16(), elapsed);
            return Either::Left(std::future::ready(Ok(req
                .into_response(res)
                .map_into_right_body())));
        }
        let span = tracing::info_span!("request", request_id = %id);
        let uri = req.uri().clone();
        let answer = self.service.call(req);
        Either::Right(Box::pin(async move {
            let res = answer.instrument(span).await;
            let elapsed = started.elapsed();
            match res {
                Ok(mut res) => {
                    finish(res.headers_mut(), uri.path(), &id);
                    let route = crate::metrics::route_of(&res);
                    let status = res.status().as_u16();
                    crate::metrics::METRICS.request(
                        route.as_ref().map(|r| &*r.0),
                        &method,
                        status,
                        elapsed.as_secs_f64(),
                    );
                    log(&id, &method, uri.path(), status, elapsed);
                    Ok(res.map_into_left_body())
                }
                // Rendered by actix from the error itself: counted and logged, no headers to add.
                Err(error) => {
                    let status = error.as_response_error().status_code().as_u16();
                    crate::metrics::METRICS.request(None, &method, status, elapsed.as_secs_f64());
                    log(&id, &method, uri.path(), status, elapsed);
                    Err(error)
                }
            }
        }))
    }
}

/// The access line: method, path, status, time, and the request's id. Query strings and headers
/// are not logged (they may carry tokens).
fn log(id: &RequestId, method: &Method, path: &str, status: u16, elapsed: std::time::Duration) {
    crate::telemetry::access(crate::telemetry::AccessLine {
        request_id: id.as_str(),
        method: method.as_str(),
        path,
        status,
        micros: elapsed.as_micros() as u64,
    });
}

/// What every response carries on its way out: its request id and the security headers.
fn finish(headers: &mut header::HeaderMap, path: &str, id: &RequestId) {
    headers.insert(header::HeaderName::from_static(REQUEST_ID), id.header());
    secure(headers, path);
}

/// Headers every response carries: no content sniffing, no referrer sent on from our pages; and
/// on `/docs`, the only HTML served, a content security policy and no framing.
fn secure(headers: &mut header::HeaderMap, path: &str) {
    for (name, value) in SECURITY {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    if is_docs(path) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(DOCS_POLICY),
        );
        headers.insert(
            header::X_FRAME_OPTIONS,
            header::HeaderValue::from_static("DENY"),
        );
    }
}

/// The security headers of every response.
const SECURITY: [(header::HeaderName, &str); 2] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
];

fn is_docs(path: &str) -> bool {
    path == "/docs" || path.starts_with("/docs/")
}

/// The documentation page's policy: its own scripts and styles (Swagger UI sets some styles
/// inline), images also from `data:` URLs, requests to this origin only, and never in a frame.
const DOCS_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
frame-ancestors 'none'";

/// Every request carries its id, and every log line written while it runs carries it too: the
/// caller's own when it sent a usable one (a proxy's or a front end's), a fresh one otherwise.
const REQUEST_ID: &str = "x-request-id";

/// A request's id: the caller's own, or 32 hex digits made here.
enum RequestId {
    Given(header::HeaderValue),
    Made([u8; 32]),
}

impl RequestId {
    fn as_str(&self) -> &str {
        match self {
            RequestId::Given(value) => value.to_str().unwrap_or_default(),
            RequestId::Made(hex) => std::str::from_utf8(hex).unwrap_or_default(),
        }
    }

    fn header(&self) -> header::HeaderValue {
        match self {
            RequestId::Given(value) => value.clone(),
            RequestId::Made(hex) => header::HeaderValue::from_bytes(hex)
                .unwrap_or_else(|_| header::HeaderValue::from_static("-")),
        }
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The caller's request id when it is 1 to 128 of `A-Z a-z 0-9 . _ : -`; otherwise a fresh one.
fn request_id(given: Option<&header::HeaderValue>) -> RequestId {
    let usable = given.filter(|v| {
        (1..=128).contains(&v.len())
            && v.as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(b))
    });
    match usable {
        Some(id) => RequestId::Given(id.clone()),
        None => RequestId::Made(fresh_request_id()),
    }
}

/// 128 bits in hex from a per-thread generator seeded once from the system's randomness: ids
/// tell requests apart across processes and restarts without a system call per request (one was
/// a visible part of a cached read). They are labels, not secrets.
fn fresh_request_id() -> [u8; 32] {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(seed());
    }
    fn seed() -> u64 {
        let mut bytes = [0u8; 8];
        if getrandom::fill(&mut bytes).is_ok() {
            return u64::from_le_bytes(bytes);
        }
        // No randomness: the time and the thread still tell processes and threads apart.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        let thread = std::hash::BuildHasher::hash_one(
            &std::collections::hash_map::RandomState::new(),
            std::thread::current().id(),
        );
        nanos ^ thread
    }
    // wyrand: a 64-bit state stepped by a constant, mixed by a 128-bit multiply.
    let next = || {
        STATE.with(|state| {
            let s = state.get().wrapping_add(0xa076_1d64_78bd_642f);
            state.set(s);
            let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
            ((t >> 64) as u64) ^ (t as u64)
        })
    };
    let mut hex = [0u8; 32];
    let bits = (u128::from(next()) << 64) | u128::from(next());
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, digit) in hex.iter_mut().enumerate() {
        *digit = DIGITS[((bits >> (124 - 4 * i)) & 0xf) as usize];
    }
    hex
}

/// The headers a browser may read from a cross-origin answer.
const EXPOSED: [&str; 5] = ["link", "etag", "location", "retry-after", REQUEST_ID];

/// What a hit answered here carries beyond its entry, for the layers it skips: CORS's exposed
/// headers and its `Vary` (naming what CORS answers vary by, so that a shared cache never hands
/// a same-origin answer to a cross-origin request), as actix-cors adds them to an answer to a
/// request without `Origin`, and the security headers every response carries.
/// `caching::a_hit_at_the_edge_carries_every_header_a_built_answer_has` keeps them the same.
static HIT_DRESSING: std::sync::LazyLock<crate::api::caching::Dressing> =
    std::sync::LazyLock::new(|| {
        let value = |text: &str| {
            header::HeaderValue::from_str(text)
                .unwrap_or_else(|_| header::HeaderValue::from_static(""))
        };
        crate::api::caching::Dressing {
            vary: value(
                "Accept-Encoding, Origin, Access-Control-Request-Method, \
Access-Control-Request-Headers",
            ),
            vary_language: value(
                "Accept-Encoding, Accept-Language, Origin, Access-Control-Request-Method, \
Access-Control-Request-Headers",
            ),
            also: SECURITY
                .map(|(name, text)| (name, header::HeaderValue::from_static(text)))
                .into_iter()
                .chain([(
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    value(&EXPOSED.join(", ")),
                )])
                .collect(),
        }
    });

/// The CORS policy (actix-cors): public reads and beacons from anywhere unless configured,
/// everything else from `NEWSROOM_CORS_ORIGINS`.
pub fn cors(cors_origins: &[String], visit_origins: &[String]) -> Cors {
    let allowlist = cors_origins.to_vec();
    let beacon_origins = visit_origins.to_vec();
    Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let origin = origin.to_str().unwrap_or("");
            if allowlist.iter().any(|o| o == origin || o == "*") {
                return true;
            }
            // Beacons from the portal's front ends: any origin unless configured.
            if head.uri.path() == "/api/v1/visits" {
                return beacon_origins.is_empty()
                    || beacon_origins.iter().any(|o| o == origin || o == "*");
            }
            // Public reads from anywhere, preflights for them included.
            let method = if head.method == Method::OPTIONS {
                head.headers
                    .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                    .and_then(|m| m.to_str().ok())
                    .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
                    .unwrap_or(Method::OPTIONS)
            } else {
                head.method.clone()
            };
            method == Method::GET || method == Method::HEAD
        })
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers(EXPOSED.map(header::HeaderName::from_static))
        .max_age(3600)
}
