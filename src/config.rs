//! Settings, each an environment variable and a flag (`newsroom --help` lists them with defaults):
//!
//! - `DATABASE_URL` / `--database-url`: an SQLite path or `sqlite://` URL, or a `postgres://` URL
//!   (default `data/newsroom.db`).
//! - `NEWSROOM_BIND` / `--bind`: address to listen on (default `127.0.0.1:8080`).
//! - `NEWSROOM_TIME_ZONE` / `--time-zone`: the portal's IANA time zone (default `Asia/Ho_Chi_Minh`).
//! - `NEWSROOM_DEFAULT_LANGUAGE` / `--default-language`: the language of items' own names and
//!   of answers that ask for none (default `vi`); `NEWSROOM_LANGUAGES` / `--languages`: comma
//!   list of the other languages names may be written and asked in (default `en,fr,es,zh`).
//!   Decision 0028.
//! - `NEWSROOM_CORS_ORIGINS` / `--cors-origins`: comma list of origins allowed beyond public GETs.
//! - `NEWSROOM_BODY_LIMIT` / `--body-limit`: the largest write body in bytes (default 262144);
//!   `NEWSROOM_BODY_MIN_BYTES` / `--body-min-bytes` and `NEWSROOM_BODY_WINDOW` /
//!   `--body-window`: a body must arrive at 1024 bytes per 10 seconds at least (408 otherwise).
//! - `NEWSROOM_CONNECTIONS_PER_CLIENT` (64), `NEWSROOM_AUTH_FAILURES_PER_MINUTE` (20, per
//!   address), `NEWSROOM_WRITES_PER_MINUTE` (600, per token): past each, 429 with `Retry-After`;
//!   0 turns one off.
//! - `NEWSROOM_WORKERS` / `--workers`: HTTP worker threads (default: one per core).
//! - `NEWSROOM_POOL_SIZE` / `--pool-size`: database connections for public reads (default 8);
//!   `NEWSROOM_EDITORIAL_POOL_SIZE` / `--editorial-pool-size`: more, kept for token holders
//!   (default 2).
//! - `NEWSROOM_READ_DATABASE_URL` / `--read-database-url`: a streaming replica of the PostgreSQL
//!   primary for anonymous reads (default none); `NEWSROOM_READ_POOL_SIZE` (8) connections to it;
//!   `NEWSROOM_READ_MAX_LAG` / `--read-max-lag`: seconds behind past which reads go back to the
//!   primary (default 5). Decision 0027.
//! - `NEWSROOM_CHANGE_POLL_MS` / `--change-poll-ms`: how often the change log is read for other
//!   nodes' changes (default 250); `NEWSROOM_ANNOUNCE_DELAY_MS` / `--announce-delay-ms`: how long
//!   after this node saw a change the change feed and webhooks announce it (default: twice the
//!   poll with a read replica, 0 without; set it on nodes that share a database without one).
//! - `NEWSROOM_SEED_DEMO` / `--seed-demo`: load the demo content into an empty database at start:
//!   `auto` (embedded SQLite only, the default), `always`, `never`.
//! - `NEWSROOM_TRUSTED_PROXIES` / `--trusted-proxies`: comma list of proxy IPs whose
//!   `X-Forwarded-For` is believed for visit counting (default none).
//! - `NEWSROOM_VISIT_ORIGINS` / `--visit-origins`: origins allowed to POST beacons (default any).
//! - `NEWSROOM_VISIT_WINDOW` / `--visit-window`: minutes within which a reload does not count again
//!   (default 30); `NEWSROOM_VISIT_BUDGET` / `--visit-budget`: counted views per IP and minute
//!   (default 60); `NEWSROOM_VISIT_FLUSH_MS` / `--visit-flush-ms`: flush interval (default 1000);
//!   `NEWSROOM_VISIT_BASELINE` / `--visit-baseline`: added to the total (default 0).
//! - `NEWSROOM_CACHE_BYTES` / `--cache-bytes`: bytes of public responses kept in memory (default
//!   64 MiB; 0 turns the cache off); `NEWSROOM_CACHE_TTL` / `--cache-ttl`: their longest life in
//!   seconds (default 10); `NEWSROOM_MAX_AGE`, `NEWSROOM_S_MAXAGE`,
//!   `NEWSROOM_STALE_WHILE_REVALIDATE`: `Cache-Control` of public reads (10, 60, 30 seconds).
//! - `NEWSROOM_API_URL`: the API's public base URL in webhook messages;
//!   `NEWSROOM_WEBHOOK_ALLOW_PRIVATE`: let deliveries reach private addresses (tests);
//!   `NEWSROOM_WEBHOOK_TIMEOUT`: seconds one attempt may take (default 10).
//! - `NEWSROOM_SITE_URL`, `NEWSROOM_ARTICLE_PATH` (default `/{slug}`; `{id}`, `{slug}` and
//!   `{lang_prefix}`, `/en` for an English article and nothing in the default language, are
//!   replaced), `NEWSROOM_SITE_NAME`: the portal's links and name in feeds and sitemaps.
//! - `NEWSROOM_METRICS_BIND`: serve `/metrics` on its own address (and not on the main one).
//! - `NEWSROOM_LOG` / `--log`: log filter (default `info`); `NEWSROOM_LOG_FORMAT` / `--log-format`:
//!   `text` or `json`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "newsroom",
    version,
    about = "A headless content API for a Vietnamese news portal"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo content (or `--file`) into an empty database.
    Seed {
        /// A seed file in the format of `seed/demo.json`.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Find every article's mentions again (the service does it by itself after a name
    /// changes; this does it now, for everything).
    Relink,
    /// Rebuild the search index from the stored content (after rows were written behind the
    /// API's back; writes through the API keep it by themselves).
    Reindex,
    /// Print the OpenAPI document (or write it to `--output`).
    Openapi {
        /// The file to write (replaced when it exists); standard output without it.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Write everything as NDJSON (content, relations, revisions, media metadata, visit
    /// totals, the change log; never tokens or webhooks) to `--output` or standard output.
    Export {
        /// The file to write (replaced when it exists); standard output without it.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Load an export into an empty database (either backend), keeping ids, versions and
    /// times; the search index is rebuilt after. Refused while a server has the database open.
    Import {
        /// A file `newsroom export` wrote.
        file: PathBuf,
    },
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Copy a consistent snapshot of the embedded SQLite database to `--output` while the
    /// service runs and writes go on (PostgreSQL: use pg_dump, docs/operations.md).
    Backup {
        /// The file to write; it must not exist.
        #[arg(long)]
        output: PathBuf,
    },
    /// Replace the embedded SQLite database with a backup. Refused while a server has the
    /// database open (stop it first; a running one would keep writing to the replaced file).
    Restore {
        /// A file `newsroom backup` wrote.
        #[arg(long)]
        input: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once (only a hash is stored).
    Create {
        /// Who or what uses it.
        #[arg(long)]
        name: String,
        /// `content:preview`, `content:write`, `content:publish` or `admin`; repeat for several.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Days until it expires (default: until revoked).
        #[arg(long)]
        expires_in: Option<i64>,
    },
    /// List tokens: id, name, scopes, created, last used, expiry, revoked.
    List,
    /// Revoke a token by id; it stops working on the next request, and so do the preview
    /// links it made.
    Revoke {
        /// The token's id, from `newsroom token list`.
        id: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeedDemo {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// SQLite path or `sqlite://` URL, or `postgres://` URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "data/newsroom.db",
        global = true
    )]
    pub database_url: String,
    /// Address to listen on.
    #[arg(
        long,
        env = "NEWSROOM_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// The portal's IANA time zone; times are rendered with its offset.
    #[arg(
        long,
        env = "NEWSROOM_TIME_ZONE",
        default_value = "Asia/Ho_Chi_Minh",
        global = true
    )]
    pub time_zone: String,
    /// The language of items' own names and of answers that ask for none (a BCP 47 tag).
    #[arg(
        long,
        env = "NEWSROOM_DEFAULT_LANGUAGE",
        default_value = "vi",
        global = true
    )]
    pub default_language: String,
    /// Comma list of the other languages names may be written in and requests may ask for.
    #[arg(
        long,
        env = "NEWSROOM_LANGUAGES",
        default_value = "en,fr,es,zh",
        value_delimiter = ',',
        global = true
    )]
    pub languages: Vec<String>,
    /// Comma list of origins allowed for every method (public GETs are open to any origin).
    #[arg(
        long,
        env = "NEWSROOM_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_origins: Vec<String>,
    /// Proxy IPs whose X-Forwarded-For is believed (comma list).
    #[arg(
        long,
        env = "NEWSROOM_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Origins allowed to send visit beacons (comma list; default any).
    #[arg(
        long,
        env = "NEWSROOM_VISIT_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub visit_origins: Vec<String>,
    /// Minutes within which a reload of the same page does not count again.
    #[arg(
        long,
        env = "NEWSROOM_VISIT_WINDOW",
        default_value_t = 30,
        global = true
    )]
    pub visit_window: i64,
    /// Counted views per IP and minute; beyond it nothing counts.
    #[arg(
        long,
        env = "NEWSROOM_VISIT_BUDGET",
        default_value_t = 60,
        global = true
    )]
    pub visit_budget: u32,
    /// Milliseconds between flushes of the visit counts.
    #[arg(
        long,
        env = "NEWSROOM_VISIT_FLUSH_MS",
        default_value_t = 1000,
        global = true
    )]
    pub visit_flush_ms: u64,
    /// Added to the visit total, to carry an old counter over.
    #[arg(
        long,
        env = "NEWSROOM_VISIT_BASELINE",
        default_value_t = 0,
        global = true
    )]
    pub visit_baseline: i64,
    /// Bytes of public responses kept in memory; 0 turns the cache off.
    #[arg(long, env = "NEWSROOM_CACHE_BYTES", default_value_t = 64 * 1024 * 1024, global = true)]
    pub cache_bytes: u64,
    /// Seconds a cached response lives at most (how far visit counts in it may lag).
    #[arg(long, env = "NEWSROOM_CACHE_TTL", default_value_t = 10, global = true)]
    pub cache_ttl: u64,
    /// `max-age` of public reads, in seconds: how long a browser keeps them (cut to the next
    /// scheduled publication or portal-local midnight).
    #[arg(long, env = "NEWSROOM_MAX_AGE", default_value_t = 10, global = true)]
    pub max_age: u64,
    /// `s-maxage` of public reads, in seconds: how long a shared cache or CDN keeps them (cut
    /// as `--max-age` is).
    #[arg(long, env = "NEWSROOM_S_MAXAGE", default_value_t = 60, global = true)]
    pub s_maxage: u64,
    /// `stale-while-revalidate` of public reads, in seconds: how long a cache may answer with
    /// an expired copy while it fetches a fresh one.
    #[arg(
        long,
        env = "NEWSROOM_STALE_WHILE_REVALIDATE",
        default_value_t = 30,
        global = true
    )]
    pub stale_while_revalidate: u64,
    /// The largest JSON request body, in bytes (413 past it; uploads have `--media-max-bytes`).
    #[arg(long, env = "NEWSROOM_BODY_LIMIT", default_value_t = 256 * 1024, global = true)]
    pub body_limit: usize,
    /// A body must arrive at this many bytes per `--body-window` at least (408 otherwise).
    #[arg(
        long,
        env = "NEWSROOM_BODY_MIN_BYTES",
        default_value_t = 1024,
        global = true
    )]
    pub body_min_bytes: usize,
    /// Seconds of the window the body's minimum rate is measured over.
    #[arg(
        long,
        env = "NEWSROOM_BODY_WINDOW",
        default_value_t = 10,
        global = true
    )]
    pub body_window: u64,
    /// Open connections from one address (not a trusted proxy); past it 429. 0: no limit.
    #[arg(
        long,
        env = "NEWSROOM_CONNECTIONS_PER_CLIENT",
        default_value_t = 64,
        global = true
    )]
    pub connections_per_client: u32,
    /// Requests with a bad token from one address per minute; past it 429. 0: no limit.
    #[arg(
        long,
        env = "NEWSROOM_AUTH_FAILURES_PER_MINUTE",
        default_value_t = 20,
        global = true
    )]
    pub auth_failures_per_minute: u32,
    /// Writes with one token per minute; past it 429. 0: no limit.
    #[arg(
        long,
        env = "NEWSROOM_WRITES_PER_MINUTE",
        default_value_t = 600,
        global = true
    )]
    pub writes_per_minute: u32,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "NEWSROOM_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Database connections in the pool.
    #[arg(long, env = "NEWSROOM_POOL_SIZE", default_value_t = 8, global = true)]
    pub pool_size: u32,

    /// Database connections kept for token holders (authentication, writes).
    #[arg(
        long,
        env = "NEWSROOM_EDITORIAL_POOL_SIZE",
        default_value_t = 2,
        global = true
    )]
    pub editorial_pool_size: u32,
    /// A streaming replica of the primary for anonymous reads (PostgreSQL only).
    #[arg(long, env = "NEWSROOM_READ_DATABASE_URL", global = true)]
    pub read_database_url: Option<String>,
    /// Database connections to the read replica.
    #[arg(
        long,
        env = "NEWSROOM_READ_POOL_SIZE",
        default_value_t = 8,
        global = true
    )]
    pub read_pool_size: u32,
    /// Seconds the replica may be behind before reads go back to the primary.
    #[arg(
        long,
        env = "NEWSROOM_READ_MAX_LAG",
        default_value_t = 5.0,
        global = true
    )]
    pub read_max_lag: f64,
    /// Milliseconds between two looks at the change log (other nodes' changes).
    #[arg(
        long,
        env = "NEWSROOM_CHANGE_POLL_MS",
        default_value_t = 250,
        global = true
    )]
    pub change_poll_ms: u64,
    /// Milliseconds after this node saw a change before the change feed and webhooks announce
    /// it (default: twice the poll with a read replica, 0 without).
    #[arg(long, env = "NEWSROOM_ANNOUNCE_DELAY_MS", global = true)]
    pub announce_delay_ms: Option<u64>,
    /// When the search index must be filled for existing content (after an upgrade), start-up
    /// does it before serving if there are at most this many items, otherwise it runs in the
    /// background and search answers `503 search-filling` until it is done.
    #[arg(
        long,
        env = "NEWSROOM_SEARCH_FILL_INLINE",
        default_value_t = 20_000,
        global = true
    )]
    pub search_fill_inline: u64,
    /// How many of the newest public articles get their stored representations rendered ahead
    /// of reads, in the background (decision 0020); older ones are rendered on first read. 0
    /// turns the fill off.
    #[arg(
        long,
        env = "NEWSROOM_RENDITIONS_AHEAD",
        default_value_t = 10_000,
        global = true
    )]
    pub renditions_ahead: u64,
    /// Where media files are kept: a directory, or `s3://bucket/prefix` (credentials, region
    /// and endpoint from the usual `AWS_*` variables: `AWS_ENDPOINT` and `AWS_ALLOW_HTTP=true`
    /// for a local S3-compatible server).
    #[arg(
        long,
        env = "NEWSROOM_MEDIA_STORE",
        default_value = "data/media",
        global = true
    )]
    pub media_store: String,
    /// Serve media URLs under this base (a CDN or a public bucket) instead of `/media/`.
    #[arg(long, env = "NEWSROOM_MEDIA_PUBLIC_URL", global = true)]
    pub media_public_url: Option<String>,
    /// The largest upload, in bytes (413 past it, found while the body streams).
    #[arg(
        long,
        env = "NEWSROOM_MEDIA_MAX_BYTES",
        default_value_t = 20 * 1024 * 1024,
        global = true
    )]
    pub media_max_bytes: usize,
    /// The most pixels an upload may have (422 past it, said before decoding).
    #[arg(
        long,
        env = "NEWSROOM_MEDIA_MAX_PIXELS",
        default_value_t = 50_000_000,
        global = true
    )]
    pub media_max_pixels: u64,
    /// The most memory one decoded image may take, in bytes: pixels × channels × bytes per
    /// channel (a 16-bit RGBA pixel is 8). 422 past it, said before decoding; it is also what
    /// every decode in the process may hold at once (the others wait their turn).
    #[arg(long, env = "NEWSROOM_MEDIA_MAX_DECODE_BYTES", default_value_t = 256 * 1024 * 1024, global = true)]
    pub media_max_decode_bytes: u64,
    /// The API's public base URL, for the `url` of webhook messages (default: `http://` and
    /// the bind address).
    #[arg(long, env = "NEWSROOM_API_URL", global = true)]
    pub api_url: Option<String>,
    /// Let webhook deliveries reach loopback, private and link-local addresses (refused by
    /// default, checked after the name is resolved).
    #[arg(long, env = "NEWSROOM_WEBHOOK_ALLOW_PRIVATE", global = true)]
    pub webhook_allow_private: bool,
    /// Send webhook deliveries through this proxy (`http://host:port`); none without it, even
    /// when `HTTP_PROXY` or `HTTPS_PROXY` is set. The target is still checked to be public.
    #[arg(long, env = "NEWSROOM_WEBHOOK_PROXY", global = true)]
    pub webhook_proxy: Option<String>,
    /// The longest one webhook attempt may take, in seconds.
    #[arg(
        long,
        env = "NEWSROOM_WEBHOOK_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub webhook_timeout: u64,
    /// The portal's public site, for links in feeds and sitemaps (default: the API's own base
    /// URL, from the request).
    #[arg(long, env = "NEWSROOM_SITE_URL", global = true)]
    pub site_url: Option<String>,
    /// Where an article lives on the portal's site: `{slug}` and `{id}` are replaced.
    #[arg(
        long,
        env = "NEWSROOM_ARTICLE_PATH",
        default_value = "/{slug}",
        global = true
    )]
    pub article_path: String,
    /// The portal's name in feeds and the news sitemap (`news:publication`).
    #[arg(
        long,
        env = "NEWSROOM_SITE_NAME",
        default_value = "newsroom",
        global = true
    )]
    pub site_name: String,
    /// Serve `/metrics` on this address only (a port kept off the public network); without it
    /// `/metrics` is on the main address.
    #[arg(long, env = "NEWSROOM_METRICS_BIND", global = true)]
    pub metrics_bind: Option<String>,
    /// Load the demo content into an empty database at start.
    #[arg(long, env = "NEWSROOM_SEED_DEMO", value_enum, default_value_t = SeedDemo::Auto, global = true)]
    pub seed_demo: SeedDemo,
    /// Log filter, e.g. `info` or `newsroom=debug`.
    #[arg(long, env = "NEWSROOM_LOG", default_value = "info", global = true)]
    pub log: String,
    /// Log format.
    #[arg(long, env = "NEWSROOM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}
