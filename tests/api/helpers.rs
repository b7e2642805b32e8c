//! A fresh database and app for each test, on SQLite always and on PostgreSQL when
//! `TEST_DATABASE_URL` is set (each PostgreSQL test gets its own schema).

use actix_service::boxed::{self, RcService};
use actix_service::{Service, ServiceExt};
use actix_web::body::{to_bytes, BoxBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use newsroom::api::caching::{CacheSettings, ResponseCache};
use newsroom::api::AppState;
use newsroom::db::{self, seed, DbConnection, DbPool};
use newsroom::domain::time::{Clock, PortalTz};
use newsroom::startup::{app, AppSettings, StateSettings};
use newsroom::visits::{Recorder, VisitSettings};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The moment tests start at: well after the seed article (2022-10-21 08:24 +07:00).
pub fn test_start() -> DateTime<Utc> {
    "2026-11-25T03:00:00Z".parse().expect("valid time")
}

/// Runs a test body on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_rt::test]
            async fn sqlite() {
                let $app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await;
                $body
            }

            #[actix_rt::test]
            async fn postgres() {
                let Some($app) = $crate::helpers::TestApp::spawn_postgres().await else {
                    return;
                };
                $body
            }
        }
    };
}

/// Whether `TEST_DATABASE_URL` names a PostgreSQL to test on; a skip is said loudly, and with
/// `NEWSROOM_REQUIRE_POSTGRES=1` (CI) a missing database fails the test instead.
pub fn postgres_available() -> bool {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        return true;
    }
    if std::env::var("NEWSROOM_REQUIRE_POSTGRES").is_ok() {
        panic!("NEWSROOM_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not");
    }
    // Straight to the stderr handle: the harness captures `eprintln!` of passing tests, and a
    // skip must be seen.
    use std::io::Write;
    let test = std::thread::current().name().unwrap_or("?").to_owned();
    let _ = writeln!(
        std::io::stderr(),
        "!!! SKIPPED on PostgreSQL (TEST_DATABASE_URL is not set): {test}"
    );
    false
}

/// Where a test's database lives; dropped with the test.
enum TestDb {
    /// Another app's database: the other app cleans it up.
    Borrowed,
    Sqlite(std::path::PathBuf),
    Postgres {
        admin_url: String,
        schema: String,
    },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Borrowed => {}
            TestDb::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { admin_url, schema } => {
                if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                    let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
        }
    }
}

/// An empty database with every migration applied, dropped with the value.
pub struct Scratch {
    pub url: String,
    _db: TestDb,
}

impl Scratch {
    /// A database with nothing in it, not even the migrations.
    pub fn unmigrated(backend: Backend) -> Scratch {
        let (url, db) = fresh_database(backend, "scratch");
        Scratch { url, _db: db }
    }

    pub fn new(backend: Backend) -> Scratch {
        let (url, db) = fresh_database(backend, "scratch");
        drop(db::build_pool(&url, 1).expect("migrations"));
        Scratch { url, _db: db }
    }

    pub fn conn(&self) -> DbConnection {
        db::establish(&self.url).expect("connection")
    }
}

/// A new empty database (an SQLite file in a fresh directory, or a fresh PostgreSQL schema) and
/// what drops it.
fn fresh_database(backend: Backend, name: &str) -> (String, TestDb) {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("newsroom-{}", unique_name()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let url = dir.join(format!("{name}.db")).display().to_string();
            (url, TestDb::Sqlite(dir))
        }
        Backend::Postgres => {
            let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
            let schema = unique_name();
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot connect to TEST_DATABASE_URL: {e}"));
            conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                .expect("create schema");
            let separator = if admin_url.contains('?') { '&' } else { '?' };
            let url = format!("{admin_url}{separator}options=-csearch_path%3D{schema}");
            (url, TestDb::Postgres { admin_url, schema })
        }
    }
}

pub struct TestApp {
    service: RcService<actix_http::Request, ServiceResponse<BoxBody>, actix_web::Error>,
    pub pool: DbPool,
    pub clock: Clock,
    pub cache: Arc<ResponseCache>,
    pub visits: Arc<Recorder>,
    pub url: String,
    /// Whether search answers yet (`db::search::start_fill`).
    pub search_fill: Arc<newsroom::db::search::FillState>,
    /// The media library (a fresh directory, or a fresh prefix of `TEST_S3_BUCKET`).
    pub media: Arc<newsroom::media::Media>,
    /// The webhook dispatcher (no worker runs: tests call `deliver_due`).
    pub webhooks: Arc<newsroom::webhooks::Dispatcher>,
    /// The whole state, for what takes it (`api::follow::follow_changes`).
    pub state: AppState,
    _db: TestDb,
}

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as text, for assertion messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json error with this status and type, and returns the problem.
    #[track_caller]
    pub fn problem(&self, status: u16, kind: &str) -> serde_json::Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let problem = self.json();
        assert_eq!(problem["type"], format!("/problems/{kind}"));
        assert_eq!(problem["status"], status);
        assert!(problem["title"].is_string() && problem["detail"].is_string());
        problem
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    format!(
        "t{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// Where a test app keeps media: a fresh prefix of the S3 bucket `TEST_S3_BUCKET` names (CI
/// runs the media tests against a local S3-compatible server too), or a fresh directory.
fn media_store() -> String {
    match std::env::var("TEST_S3_BUCKET") {
        Ok(bucket) if !bucket.is_empty() => format!("s3://{bucket}/{}", unique_name()),
        _ => std::env::temp_dir()
            .join(format!("newsroom-media-{}", unique_name()))
            .display()
            .to_string(),
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        let (url, db) = fresh_database(backend, "test");
        Self::start(&url, db).await
    }

    /// A second instance on the same database (as behind a load balancer), with its own clock
    /// and its own in-memory queue.
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(CacheSettings::default()).await
    }

    /// `another_instance` with its own cache settings.
    pub async fn another_instance_with(&self, cache: CacheSettings) -> TestApp {
        let other = Self::start_with(
            &self.url,
            TestDb::Borrowed,
            cache,
            Default::default(),
            Default::default(),
        )
        .await;
        other.clock.set(self.clock.now().and_utc());
        other
    }

    /// `another_instance` with its own limits.
    pub async fn another_instance_limited(
        &self,
        limits: newsroom::api::limits::LimitSettings,
    ) -> TestApp {
        let other = Self::start_with(
            &self.url,
            TestDb::Borrowed,
            Default::default(),
            limits,
            Default::default(),
        )
        .await;
        other.clock.set(self.clock.now().and_utc());
        other
    }

    /// An app on a database made elsewhere (an import), its clock at `now`.
    pub async fn open(url: &str, now: NaiveDateTime) -> TestApp {
        let app = Self::start_with(
            url,
            TestDb::Borrowed,
            Default::default(),
            Default::default(),
            Default::default(),
        )
        .await;
        app.clock.set(now.and_utc());
        app
    }

    /// An app with its own read and announcement settings (`db::replica`).
    pub async fn spawn_with_reads(
        backend: Backend,
        reads: newsroom::db::replica::ReadSettings,
    ) -> TestApp {
        let (url, db) = fresh_database(backend, "test");
        Self::start_with(&url, db, Default::default(), Default::default(), reads).await
    }

    /// An app on a PostgreSQL primary with a streaming replica (`TEST_REPLICA_PRIMARY_URL`,
    /// `TEST_REPLICA_URL`: `deploy/cluster`'s two servers), in a fresh schema the replica
    /// receives by streaming; `None` (said loudly) without them, a failure with
    /// `NEWSROOM_REQUIRE_REPLICA=1` (CI).
    pub async fn spawn_with_replica(max_lag: std::time::Duration) -> Option<TestApp> {
        let (Ok(primary), Ok(replica)) = (
            std::env::var("TEST_REPLICA_PRIMARY_URL"),
            std::env::var("TEST_REPLICA_URL"),
        ) else {
            if std::env::var("NEWSROOM_REQUIRE_REPLICA").is_ok() {
                panic!("NEWSROOM_REQUIRE_REPLICA is set but TEST_REPLICA_PRIMARY_URL or TEST_REPLICA_URL is not");
            }
            use std::io::Write;
            let test = std::thread::current().name().unwrap_or("?").to_owned();
            let _ = writeln!(
                std::io::stderr(),
                "!!! SKIPPED with a replica (TEST_REPLICA_PRIMARY_URL, TEST_REPLICA_URL unset): {test}"
            );
            return None;
        };
        let schema = unique_name();
        let mut conn = diesel::PgConnection::establish(&primary)
            .unwrap_or_else(|e| panic!("cannot connect to TEST_REPLICA_PRIMARY_URL: {e}"));
        conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create schema");
        let in_schema = |url: &str| {
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}options=-csearch_path%3D{schema}")
        };
        let reads = newsroom::db::replica::ReadSettings {
            replica_url: Some(in_schema(&replica)),
            replica_pool_size: 2,
            max_lag,
            announce_delay: std::time::Duration::ZERO,
        };
        let db = TestDb::Postgres {
            admin_url: primary.clone(),
            schema: schema.clone(),
        };
        Some(
            Self::start_with(
                &in_schema(&primary),
                db,
                Default::default(),
                Default::default(),
                reads,
            )
            .await,
        )
    }

    /// The PostgreSQL variant, or `None` (said loudly) when `TEST_DATABASE_URL` is unset.
    /// With `NEWSROOM_REQUIRE_POSTGRES=1` (CI) a missing database fails the test instead.
    pub async fn spawn_postgres() -> Option<TestApp> {
        if !postgres_available() {
            return None;
        }
        Some(Self::spawn(Backend::Postgres).await)
    }

    async fn start(url: &str, db: TestDb) -> TestApp {
        Self::start_with(
            url,
            db,
            CacheSettings::default(),
            Default::default(),
            Default::default(),
        )
        .await
    }

    async fn start_with(
        url: &str,
        db: TestDb,
        cache: CacheSettings,
        limits: newsroom::api::limits::LimitSettings,
        reads: newsroom::db::replica::ReadSettings,
    ) -> TestApp {
        let clock = Clock::manual(test_start());
        let seeded = clock.now();
        let state = AppState::build(
            StateSettings {
                database_url: url.to_owned(),
                pool_size: 4,
                editorial_pool_size: 2,
                search_fill_inline: u64::MAX,
                tz: PortalTz::default(),
                languages: portal_languages(),
                visits: VisitSettings {
                    trusted_proxies: vec!["10.0.0.1".parse().expect("ip")],
                    baseline: 1000,
                    ..VisitSettings::default()
                },
                cache,
                media_store: media_store(),
                media_public_url: None,
                media: newsroom::media::MediaSettings::default(),
                limits,
                webhooks: newsroom::webhooks::WebhookSettings {
                    allow_private: true,
                    timeout: std::time::Duration::from_secs(5),
                    api_base: "https://api.example.vn".into(),
                    proxy: None,
                },
                reads,
            },
            clock.clone(),
            |conn| {
                seed::load(conn, seed::DEMO, seeded)?;
                // The migration marked scheduled publications as looked at up to the wall
                // clock; the tests' clock runs a day behind it, so the look starts from the
                // beginning.
                conn.batch_execute("UPDATE change_log_head SET published_through = NULL")?;
                Ok(())
            },
        )
        .expect("application state");
        let settings = AppSettings {
            cors_origins: vec!["https://bientap.example.vn".into()],
            visit_origins: Vec::new(),
            body: newsroom::api::write::BodyRules::default(),
            metrics_elsewhere: false,
            site: newsroom::api::feeds::SiteSettings {
                url: Some("https://portal.example.vn".into()),
                article_path: "{lang_prefix}/tin/{slug}-{id}.html".into(),
                name: "Cổng thông tin thử".into(),
            },
        };
        let parts = state.clone();
        let service = actix_web::test::init_service(app(state, &settings)).await;
        let service = boxed::rc_service(service.map(|res| res.map_into_boxed_body()));
        TestApp {
            service,
            pool: parts.pool.clone(),
            clock,
            cache: parts.cache.clone(),
            visits: parts.visits.clone(),
            url: url.to_owned(),
            search_fill: parts.search_fill.clone(),
            media: parts.media.clone(),
            webhooks: parts.webhooks.clone(),
            state: parts.clone(),
            _db: db,
        }
    }

    pub async fn request(&self, req: TestRequest) -> Resp {
        let res = match self.service.call(req.to_request()).await {
            Ok(res) => res.into_parts().1,
            Err(err) => err.error_response(),
        };
        let status = res.status();
        let headers = res.headers().clone();
        let body = to_bytes(res.into_body())
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.request(TestRequest::get().uri(uri)).await
    }

    /// GET that must succeed; returns the JSON body.
    pub async fn get_ok(&self, uri: &str) -> serde_json::Value {
        let res = self.get(uri).await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "{uri}: {}",
            String::from_utf8_lossy(&res.body)
        );
        res.json()
    }

    pub fn conn(&self) -> diesel::r2d2::PooledConnection<newsroom::db::Manager> {
        self.pool.get().expect("connection")
    }

    /// A fresh token with these scopes (`content:preview`, `content:write`, `admin`).
    pub fn token(&self, name: &str, scopes: &[&str]) -> String {
        let scopes: Vec<_> = scopes
            .iter()
            .map(|s| newsroom::domain::token::Scope::parse(s).expect("scope"))
            .collect();
        let (_, token) =
            newsroom::api::tokens::issue(&mut self.conn(), name, &scopes, Some(30), self.now())
                .expect("token");
        token
    }

    /// A request with a bearer token.
    pub async fn with_token(&self, token: &str, req: TestRequest) -> Resp {
        self.request(req.insert_header(("Authorization", format!("Bearer {token}"))))
            .await
    }

    /// Reads the change log as the poller would; true when it cleared the cache.
    /// What the relink task does each second: the pending relink, if any (and the cache
    /// dropped when mentions changed).
    pub fn relink(&self) -> Option<(usize, usize)> {
        let done =
            newsroom::db::mentions::relink_pending(&mut self.conn(), self.now()).expect("relink");
        if done.is_some_and(|(_, changed)| changed > 0) {
            self.cache.invalidate();
        }
        done
    }

    pub fn poll_changes(&self) -> bool {
        self.cache.poll(&mut self.conn()).expect("poll")
    }

    /// Counts what the beacons queued, as the timer would.
    pub fn flush(&self) -> newsroom::visits::Flushed {
        self.visits.flush(&mut self.conn()).expect("flush")
    }

    pub fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }
}

/// The slugs of a list response's items.
pub fn slugs(body: &serde_json::Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|item| item["slug"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Request builders every test file shares.
pub mod kit {
    use actix_web::test::TestRequest;
    use serde_json::Value;

    pub fn post(uri: &str, body: &Value) -> TestRequest {
        TestRequest::post().uri(uri).set_json(body)
    }

    /// `PUT` with `If-Match`.
    pub fn put(uri: &str, version: &str, body: &Value) -> TestRequest {
        TestRequest::put()
            .uri(uri)
            .insert_header(("If-Match", version))
            .set_json(body)
    }

    /// A JSON merge patch with `If-Match`.
    pub fn patch(uri: &str, version: &str, body: &Value) -> TestRequest {
        TestRequest::patch()
            .uri(uri)
            .insert_header(("If-Match", version))
            .insert_header(("Content-Type", "application/merge-patch+json"))
            .set_payload(body.to_string())
    }

    /// `DELETE` with `If-Match`.
    pub fn delete(uri: &str, version: &str) -> TestRequest {
        TestRequest::delete()
            .uri(uri)
            .insert_header(("If-Match", version))
    }
}

/// Builders of the data a test asserts on, so that it does not lean on the demo content.
pub mod fixtures {
    use serde_json::{json, Value};

    /// An article body: a draft with a paragraph, an image, the TTXVN source and a tag, about
    /// AMCC7 and Tô Lâm. Change it with `with`.
    pub fn article(title: &str) -> Value {
        json!({
            "title": title,
            "lead": "Đoàn đại biểu Việt Nam tham dự Hội nghị.",
            "body": [
                {"type": "paragraph", "text": "Đoạn thứ nhất."},
                {"type": "image", "caption": "Quang cảnh hội nghị.", "credit": "TTXVN"}
            ],
            "source": "ttxvn",
            "tags": ["An ninh mạng"],
            "events": ["amcc7"],
            "people": ["to-lam"],
            "organizations": ["asean"]
        })
    }

    /// `base` with the fields of `changes` set (a shallow merge).
    pub fn with(mut base: Value, changes: Value) -> Value {
        if let (Some(base), Some(changes)) = (base.as_object_mut(), changes.as_object()) {
            for (k, v) in changes {
                base.insert(k.clone(), v.clone());
            }
        }
        base
    }
}

impl Resp {
    /// The `ETag` header, which must be there.
    #[track_caller]
    pub fn etag(&self) -> String {
        self.header("etag").expect("ETag").to_owned()
    }

    /// The `Location` header, which must be there.
    #[track_caller]
    pub fn location(&self) -> String {
        self.header("location").expect("Location").to_owned()
    }
}

impl TestApp {
    /// `POST` to a collection with a token.
    pub async fn create(&self, token: &str, collection: &str, body: &serde_json::Value) -> Resp {
        self.with_token(token, kit::post(collection, body)).await
    }

    /// `POST /api/v1/articles` with a token.
    pub async fn create_article(&self, token: &str, body: &serde_json::Value) -> Resp {
        self.create(token, "/api/v1/articles", body).await
    }

    /// Creates an article that is out now, and returns its location.
    pub async fn published_article(&self, token: &str, body: serde_json::Value) -> String {
        let body = fixtures::with(body, serde_json::json!({"status": "published"}));
        let res = self.create_article(token, &body).await;
        assert_eq!(
            res.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&res.body)
        );
        res.location()
    }

    /// A token that may write and publish content (an editor who decides what goes out).
    pub fn writer(&self) -> String {
        self.token("Ban biên tập", &["content:write", "content:publish"])
    }

    /// A token that may write drafts only (a reporter).
    pub fn drafter(&self) -> String {
        self.token("Phóng viên", &["content:write"])
    }
}

/// The portal's languages as `newsroom serve` has them by default.
pub fn portal_languages() -> &'static newsroom::domain::languages::Languages {
    static LANGUAGES: std::sync::OnceLock<&'static newsroom::domain::languages::Languages> =
        std::sync::OnceLock::new();
    LANGUAGES.get_or_init(|| {
        let others = ["en", "fr", "es", "zh"].map(String::from);
        newsroom::domain::languages::Languages::new("vi", &others).expect("languages")
    })
}
