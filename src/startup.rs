//! Builds the app once for `main` and for the tests: routes, middleware, the 404/405 fallback.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpRequest, HttpResponse};
use std::sync::Arc;
use std::time::Instant;
use utoipa_actix_web::AppExt;

use crate::api::health::SpecJson;
use crate::api::{routes, AppState};
use crate::error::{problem_middleware, ApiError};

/// Settings the app needs beyond its state.
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    /// Origins allowed for everything; public GETs are allowed from any origin.
    pub cors_origins: Vec<String>,
    /// Origins allowed to send visit beacons; empty means any.
    pub visit_origins: Vec<String>,
    /// The largest write body.
    pub body: crate::api::write::BodyRules,
    /// `/metrics` has an address of its own (`NEWSROOM_METRICS_BIND`): not served here.
    pub metrics_elsewhere: bool,
    /// The portal's site, for feeds and sitemaps.
    pub site: crate::api::feeds::SiteSettings,
}

/// What the application state is built from: the database and every part's settings.
pub struct StateSettings {
    pub database_url: String,
    /// Connections for public reads.
    pub pool_size: u32,
    /// Connections for token holders and writes.
    pub editorial_pool_size: u32,
    /// Items the search fill indexes before serving; more fill in the background.
    pub search_fill_inline: u64,
    pub tz: crate::domain::time::PortalTz,
    pub visits: crate::visits::VisitSettings,
    pub cache: crate::api::caching::CacheSettings,
    /// Where media lives (a directory or `s3://bucket/prefix`) and its public base URL.
    pub media_store: String,
    pub media_public_url: Option<String>,
    pub media: crate::media::MediaSettings,
    pub limits: crate::api::limits::LimitSettings,
    pub webhooks: crate::webhooks::WebhookSettings,
}

/// Why the state could not be built.
pub type BuildError = Box<dyn std::error::Error + Send + Sync>;

impl AppState {
    /// The one way the application state is built, for `serve` and the tests alike
    /// (zero2prod's `Application::build`): the pools (migrations first), the search fill, then
    /// `prepare` (the demo seed, a test's fixtures) before anything reads the database, then the
    /// response cache following the change log, the cursor key, the media store, the limits and
    /// the webhook dispatcher. Background tasks are started by the caller.
    pub fn build(
        settings: StateSettings,
        clock: crate::domain::time::Clock,
        prepare: impl FnOnce(&mut crate::db::DbConnection) -> Result<(), BuildError>,
    ) -> Result<AppState, BuildError> {
        use crate::db;
        let pool = db::build_pool(&settings.database_url, settings.pool_size)?;
        // Instances started together take turns to fill and seed: the others find it done.
        let setup = db::locks::setup(&settings.database_url)?;
        let search_fill = db::search::start_fill(&pool, settings.search_fill_inline)?;
        prepare(&mut *pool.get()?)?;
        drop(setup);
        let visits = Arc::new(crate::visits::Recorder::new(
            pool.clone(),
            clock.clone(),
            settings.tz,
            settings.visits,
        ));
        let cache = Arc::new(crate::api::caching::ResponseCache::new(settings.cache));
        cache.poll(&mut *pool.get()?)?;
        let cursor_key = crate::api::query::CursorKey::load(&mut *pool.get()?, clock.now())?;
        let media = crate::media::Media::open(
            &mut *pool.get()?,
            &settings.media_store,
            settings.media_public_url,
            settings.media,
            clock.now(),
        )?;
        let webhooks = Arc::new(crate::webhooks::Dispatcher::new(
            pool.clone(),
            clock.clone(),
            settings.tz,
            settings.webhooks,
        )?);
        Ok(AppState {
            editorial_pool: db::connect_pool(
                &settings.database_url,
                settings.editorial_pool_size.max(1),
            )?,
            pool,
            clock,
            tz: settings.tz,
            visits,
            cache,
            cursor_key,
            limits: Arc::new(crate::api::limits::Limits::new(settings.limits)),
            media,
            search_fill,
            webhooks,
        })
    }
}

/// The known paths and their methods, from the spec: a known path with another method is 405.
pub struct RouteTable(Vec<(ResourceDef, String)>);

impl RouteTable {
    pub fn from_spec(spec: &str) -> RouteTable {
        let doc: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let mut routes = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) {
            for (path, item) in paths {
                let mut methods: Vec<String> = item
                    .as_object()
                    .map(|ops| ops.keys().map(|m| m.to_ascii_uppercase()).collect())
                    .unwrap_or_default();
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                routes.push((ResourceDef::new(path.as_str()), methods.join(", ")));
            }
        }
        RouteTable(routes)
    }

    fn allowed(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, allow)| allow.as_str())
    }
}

async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed {
            allow: allow.to_owned(),
        },
        None => ApiError::NotFound(format!("no resource at {}", req.path())),
    })
}

/// `/docs` without the slash: the page loads its scripts relative to `/docs/`.
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// HEAD is answered wherever GET is: the request is routed as GET, and the HTTP layer sends the
/// headers without the body.
async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// One log line a request: method, path, status, time, and the request's id. Query strings and
/// headers are not logged (they may carry tokens). Every response carries `X-Request-Id`: the
/// caller's own when it sent a usable one (a proxy's or a front end's), a fresh one otherwise;
/// every log line written while the request runs carries it too.
async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use tracing::Instrument;
    let started = Instant::now();
    // Taken now: `head_as_get` makes a HEAD a GET further in.
    let method = req.method().clone();
    let id = request_id(req.headers().get(REQUEST_ID));
    let span = tracing::info_span!("request", request_id = %id);
    let mut res = next.call(req).instrument(span.clone()).await?;
    res.headers_mut()
        .insert(header::HeaderName::from_static(REQUEST_ID), id.header());
    let route = crate::metrics::route_of(&res);
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    crate::metrics::METRICS.request(
        route.as_ref().map(|r| &*r.0),
        &method,
        status,
        elapsed.as_secs_f64(),
    );
    let path = res.request().path();
    span.in_scope(|| {
        tracing::info!(
            %method,
            %path,
            status,
            micros = elapsed.as_micros() as u64,
            "request"
        )
    });
    Ok(res)
}

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

fn cors(settings: &AppSettings) -> Cors {
    let allowlist = settings.cors_origins.clone();
    let beacon_origins = settings.visit_origins.clone();
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
        .expose_headers([
            header::LINK,
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static(REQUEST_ID),
        ])
        .max_age(3600)
}

/// The whole application, as served and as tested.
pub fn app(
    state: AppState,
    settings: &AppSettings,
    spec: Arc<String>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let table = RouteTable::from_spec(&spec);
    App::new()
        .into_utoipa_app()
        .configure(routes)
        .into_app()
        .app_data(web::Data::new(state))
        .app_data(web::Data::new(SpecJson(spec)))
        .app_data(web::Data::new(table))
        .app_data(web::Data::new(settings.body))
        .app_data(web::Data::new(settings.site.clone()))
        .app_data(web::Data::new(crate::api::health::MetricsHere(
            !settings.metrics_elsewhere,
        )))
        .route("/docs", web::get().to(docs_redirect))
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/openapi.json")),
        )
        .default_service(web::to(fallback))
        .wrap(from_fn(crate::api::auth::authenticate))
        .wrap(from_fn(crate::api::caching::public_reads))
        .wrap(cors(settings))
        .wrap(from_fn(crate::api::limits::refuse_excess_connections))
        .wrap(from_fn(head_as_get))
        .wrap(from_fn(problem_middleware))
        .wrap(from_fn(security_headers))
        .wrap(from_fn(access_log))
}

/// The app of the metrics address (`NEWSROOM_METRICS_BIND`): `/metrics` alone.
pub fn metrics_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::Data::new(crate::api::health::MetricsHere(true)))
        .service(crate::api::health::metrics)
        .wrap(from_fn(problem_middleware))
}

/// The documentation page's policy: its own scripts and styles (Swagger UI sets some styles
/// inline), images also from `data:` URLs, requests to this origin only, and never in a frame.
const DOCS_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
frame-ancestors 'none'";

/// Headers every response carries: no content sniffing, no referrer sent on from our pages; and
/// on `/docs`, the only HTML served, a content security policy and no framing.
async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    if docs {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(DOCS_POLICY),
        );
        headers.insert(
            header::X_FRAME_OPTIONS,
            header::HeaderValue::from_static("DENY"),
        );
    }
    Ok(res)
}
