//! Prometheus metrics (`/metrics`, decision 0016): counters and histograms updated where things
//! happen, gauges read when scraped. One registry per process: every app in it adds to the same
//! series, as the service runs one app.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::sync::LazyLock;

pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub pool_connections: IntGaugeVec,
    pub pool_waits: IntCounter,
    pub pool_wait_seconds: Histogram,
    pub cache_hits: IntCounter,
    pub cache_misses: IntCounter,
    pub cache_bytes: IntGauge,
    pub visit_queue: IntGauge,
    pub visit_flush_seconds: Histogram,
    pub outbox_depth: IntGauge,
    pub webhook_failures: IntCounter,
    pub webhook_deliveries: IntCounter,
    pub build_info: IntGaugeVec,
    pub database_reads: IntCounterVec,
    pub replica_lag_seconds: prometheus::Gauge,
}

/// Latency buckets, seconds: from a cache hit to a slow search.
const LATENCY: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

fn build() -> Result<Metrics, prometheus::Error> {
    let registry = Registry::new();
    let requests = IntCounterVec::new(
        Opts::new(
            "newsroom_http_requests_total",
            "HTTP requests answered, by route template, method and status",
        ),
        &["route", "method", "status"],
    )?;
    let latency = HistogramVec::new(
        HistogramOpts::new(
            "newsroom_http_request_duration_seconds",
            "Time to answer, by route template and method",
        )
        .buckets(LATENCY.to_vec()),
        &["route", "method"],
    )?;
    let pool_connections = IntGaugeVec::new(
        Opts::new(
            "newsroom_db_pool_connections",
            "Database connections, by pool (public, editorial) and state (in_use, idle)",
        ),
        &["pool", "state"],
    )?;
    let pool_waits = IntCounter::new(
        "newsroom_db_pool_waits_total",
        "Database work that had to wait for a free connection",
    )?;
    let pool_wait_seconds = Histogram::with_opts(
        HistogramOpts::new(
            "newsroom_db_pool_wait_seconds",
            "Time waited for a connection",
        )
        .buckets(LATENCY.to_vec()),
    )?;
    let cache_hits = IntCounter::new(
        "newsroom_cache_hits_total",
        "Public reads answered from the response cache",
    )?;
    let cache_misses = IntCounter::new(
        "newsroom_cache_misses_total",
        "Public reads built by their handler",
    )?;
    let cache_bytes = IntGauge::new("newsroom_cache_bytes", "Bytes the response cache holds")?;
    let visit_queue = IntGauge::new(
        "newsroom_visit_queue_depth",
        "Visit beacons accepted and not yet counted",
    )?;
    let visit_flush_seconds = Histogram::with_opts(
        HistogramOpts::new(
            "newsroom_visit_flush_seconds",
            "Time to count the queued beacons",
        )
        .buckets(LATENCY.to_vec()),
    )?;
    let outbox_depth = IntGauge::new(
        "newsroom_webhook_outbox_depth",
        "Webhook deliveries waiting to be sent",
    )?;
    let webhook_failures = IntCounter::new(
        "newsroom_webhook_failed_attempts_total",
        "Webhook attempts that did not get a 2xx",
    )?;
    let webhook_deliveries = IntCounter::new(
        "newsroom_webhook_delivered_total",
        "Webhook deliveries that got a 2xx",
    )?;
    let build_info = IntGaugeVec::new(
        Opts::new("newsroom_build_info", "The running build: always 1"),
        &["version", "backend"],
    )?;
    let database_reads = IntCounterVec::new(
        Opts::new(
            "newsroom_database_reads_total",
            "Anonymous reads that went to the database, by database (primary, replica)",
        ),
        &["database"],
    )?;
    let replica_lag_seconds = prometheus::Gauge::new(
        "newsroom_replica_lag_seconds",
        "How far the read replica was behind at its last look",
    )?;
    registry.register(Box::new(database_reads.clone()))?;
    registry.register(Box::new(replica_lag_seconds.clone()))?;
    registry.register(Box::new(requests.clone()))?;
    registry.register(Box::new(latency.clone()))?;
    registry.register(Box::new(pool_connections.clone()))?;
    registry.register(Box::new(pool_waits.clone()))?;
    registry.register(Box::new(pool_wait_seconds.clone()))?;
    registry.register(Box::new(cache_hits.clone()))?;
    registry.register(Box::new(cache_misses.clone()))?;
    registry.register(Box::new(cache_bytes.clone()))?;
    registry.register(Box::new(visit_queue.clone()))?;
    registry.register(Box::new(visit_flush_seconds.clone()))?;
    registry.register(Box::new(outbox_depth.clone()))?;
    registry.register(Box::new(webhook_failures.clone()))?;
    registry.register(Box::new(webhook_deliveries.clone()))?;
    registry.register(Box::new(build_info.clone()))?;
    Ok(Metrics {
        registry,
        requests,
        latency,
        pool_connections,
        pool_waits,
        pool_wait_seconds,
        cache_hits,
        cache_misses,
        cache_bytes,
        visit_queue,
        visit_flush_seconds,
        outbox_depth,
        webhook_failures,
        webhook_deliveries,
        build_info,
        database_reads,
        replica_lag_seconds,
    })
}

/// A method as a label: HTTP's registered methods by name, anything a caller invents as `other`.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(known, _)| known == method)
        .map_or("other", |(_, label)| label)
}

/// The route template a response answered (`/api/v1/articles/{id_or_slug}`), kept in the
/// response's extensions by whoever knew it first.
#[derive(Debug, Clone)]
pub struct RouteLabel(pub std::sync::Arc<str>);

/// The route label of a response: the template a layer already found and put in the
/// response's extensions (`RouteLabel`: a cache hit carries its entry's), else the one the
/// router matched (found again by walking the routes: a regex per template).
pub fn route_of(
    res: &actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
) -> Option<RouteLabel> {
    if let Some(known) = res.response().extensions().get::<RouteLabel>() {
        return Some(known.clone());
    }
    res.request()
        .match_pattern()
        .map(|route| RouteLabel(route.into()))
}

/// The process's metrics. Building them only fails on a programming error (a bad name or a
/// name registered twice), which every test run would show.
pub static METRICS: LazyLock<Metrics> =
    LazyLock::new(|| build().unwrap_or_else(|e| panic!("the metric definitions are wrong: {e}")));

impl Metrics {
    /// One answered request. Every label comes from a closed set, so an anonymous caller cannot
    /// grow the registry: `route` is the matched template (`/api/v1/articles/{id_or_slug}`) or
    /// `unmatched`, never the raw path; the method is one of HTTP's registered ones or `other`;
    /// the status is a number HTTP allows (100-999).
    pub fn request(
        &self,
        route: Option<&str>,
        method: &actix_web::http::Method,
        status: u16,
        seconds: f64,
    ) {
        self.served(route, method, status).record(seconds);
    }

    /// The series one kind of answer counts in, looked up once: a cached entry keeps its own
    /// so that a hit costs two atomic adds, not a label lookup.
    pub fn served(
        &self,
        route: Option<&str>,
        method: &actix_web::http::Method,
        status: u16,
    ) -> Served {
        let route = route.unwrap_or("unmatched");
        let method = method_label(method);
        Served {
            requests: self
                .requests
                .with_label_values(&[route, method, &status.to_string()]),
            latency: self.latency.with_label_values(&[route, method]),
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// The request counter and latency histogram of one route, method and status.
#[derive(Clone)]
pub struct Served {
    requests: IntCounter,
    latency: Histogram,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Served")
    }
}

impl Served {
    /// One answer that took `seconds`.
    pub fn record(&self, seconds: f64) {
        self.requests.inc();
        self.latency.observe(seconds);
    }
}
