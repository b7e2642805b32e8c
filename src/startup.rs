//! Builds the app once for `main` and for the tests: routes, middleware, the 404/405 fallback.

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpRequest, HttpResponse};
use std::sync::Arc;

use crate::api::{serve, AppState};
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
    pub languages: &'static crate::domain::languages::Languages,
    pub visits: crate::visits::VisitSettings,
    pub cache: crate::api::caching::CacheSettings,
    /// Where media lives (a directory or `s3://bucket/prefix`) and its public base URL.
    pub media_store: String,
    pub media_public_url: Option<String>,
    pub media: crate::media::MediaSettings,
    pub limits: crate::api::limits::LimitSettings,
    pub webhooks: crate::webhooks::WebhookSettings,
    /// The read replica and the announcement delay (`db::replica`).
    pub reads: crate::db::replica::ReadSettings,
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
        let head = db::changes::head(&mut *pool.get()?)?;
        let reads = Arc::new(db::replica::Reads::new(settings.reads, head)?);
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
            reads.clone(),
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
            languages: settings.languages,
            visits,
            cache,
            cursor_key,
            limits: Arc::new(crate::api::limits::Limits::new(settings.limits)),
            media,
            search_fill,
            webhooks,
            reads,
        })
    }
}

/// The known paths and their methods, from the spec: a known path with another method is 405.
pub struct RouteTable(Vec<(ResourceDef, String)>);

/// The served spec's table, read once per process.
static ROUTES: std::sync::LazyLock<RouteTable> =
    std::sync::LazyLock::new(|| RouteTable::from_spec(crate::openapi::SERVED));

impl RouteTable {
    pub fn from_spec(spec: &str) -> RouteTable {
        // The paths and their methods' names only: a whole `Value` of the megabyte document
        // was megabytes of memory at start-up.
        #[derive(serde::Deserialize, Default)]
        struct Doc {
            paths: indexmap::IndexMap<String, indexmap::IndexMap<String, serde::de::IgnoredAny>>,
        }
        let doc: Doc = serde_json::from_str(spec).unwrap_or_default();
        let mut routes = Vec::new();
        for (path, item) in doc.paths {
            let mut methods: Vec<String> = item.keys().map(|m| m.to_ascii_uppercase()).collect();
            if methods.iter().any(|m| m == "GET") {
                methods.push("HEAD".into());
            }
            routes.push((ResourceDef::new(path.as_str()), methods.join(", ")));
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

async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(match ROUTES.allowed(req.path()) {
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

/// The whole application, as served and as tested.
pub fn app(
    state: AppState,
    settings: &AppSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let state = web::Data::new(state);
    App::new()
        .configure(serve)
        .app_data(state.clone())
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
        .wrap(crate::edge::cors(
            &settings.cors_origins,
            &settings.visit_origins,
        ))
        .wrap(from_fn(crate::api::limits::refuse_excess_connections))
        .wrap(from_fn(problem_middleware))
        .wrap(crate::edge::Edge::new(state))
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
