//! `/livez` and `/readyz`, for orchestrators and load balancers.

use actix_web::{get, HttpResponse};
use diesel::prelude::*;
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

use super::State;
use crate::db;
use crate::error::{ApiError, Problem};

/// How long `/readyz` waits for the database before answering 503.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// A readiness answer: the primary answers; where anonymous reads go.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ok")]
    pub status: String,
    #[serde(flatten)]
    pub reads: db::replica::ReadsReport,
}

/// Liveness: the process answers. No database work, a fixed small body.
#[utoipa::path(
    tag = "service",
    responses((status = 200, description = "The process is alive", body = Health, example = json!({"status": "ok"})))
)]
#[get("/livez")]
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

/// Readiness: the primary database answers a query within two seconds. With a read replica
/// (`NEWSROOM_READ_DATABASE_URL`), says where anonymous reads go and, when the replica is down or
/// too far behind, why they went back to the primary: still 200, as the node serves everything.
#[utoipa::path(
    tag = "service",
    responses(
        (status = 200, description = "The primary database is reachable; `reads_from` says where anonymous reads go", body = Readiness,
            examples(
                ("replica" = (summary = "Reading from the replica", value = json!({"status": "ok", "reads_from": "replica", "replica_lag_ms": 12}))),
                ("fallback" = (summary = "The replica is behind: reads went back to the primary", value = json!({"status": "ok", "reads_from": "primary", "replica_problem": "the replica is 7.2 s behind (at most 5.0 s)", "replica_lag_ms": 7200}))),
            )),
        (status = 503, description = "The primary database is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: State) -> Result<HttpResponse, ApiError> {
    let check = db::run(&state.pool, |conn| {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
            .get_result::<i32>(conn)
            .map_err(|e| {
                tracing::warn!(error = %e, "readiness query failed");
                ApiError::Unavailable
            })
    });
    match actix_web::rt::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(_)) => Ok(HttpResponse::Ok().json(Readiness {
            status: "ok".into(),
            reads: state.reads.report(),
        })),
        Ok(Err(_)) | Err(_) => Err(ApiError::Unavailable),
    }
}

/// This OpenAPI 3.1 document.
#[utoipa::path(
    tag = "service",
    params(("If-None-Match" = Option<String>, Header, description = "ETags the caller holds: `304` when one is current")),
    responses(
        (status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object, headers(("ETag" = String, description = "Strong ETag of the bytes sent"), ("Cache-Control" = String, description = "`public, max-age, s-maxage, stale-while-revalidate` for anonymous callers (never past the next scheduled publish or midnight); `private, no-store` with a token"))),
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag", headers(("ETag" = String, description = "The current ETag"))),
    )
)]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(crate::openapi::SERVED)
}

/// Whether this app answers `/metrics` (false on the main address when the metrics have an
/// address of their own, `NEWSROOM_METRICS_BIND`).
#[derive(Debug, Clone, Copy)]
pub struct MetricsHere(pub bool);

/// Prometheus metrics in the text exposition format: requests by route template (or
/// `unmatched`), method (or `other` for a method HTTP does not register) and status, latency
/// histograms, database pool connections and waits, response cache hits, misses and bytes, the visit queue and flush time, the webhook outbox and failed attempts,
/// build info. With `NEWSROOM_METRICS_BIND` set it is served there and not here (404).
#[utoipa::path(
    tag = "service",
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String,
            example = "# HELP newsroom_http_requests_total HTTP requests answered, by route template, method and status\n# TYPE newsroom_http_requests_total counter\nnewsroom_http_requests_total{method=\"GET\",route=\"/api/v1/articles\",status=\"200\"} 42\n"),
        (status = 404, description = "The metrics are served on their own address", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    state: State,
    here: Option<actix_web::web::Data<MetricsHere>>,
) -> Result<HttpResponse, ApiError> {
    if here.is_some_and(|h| !h.0) {
        return Err(ApiError::NotFound("no resource at /metrics".into()));
    }
    let metrics = &crate::metrics::METRICS;
    let (depth, backend) = db::run(&state.editorial_pool, |conn| {
        Ok((db::webhooks::pending(conn)?, conn.backend()))
    })
    .await?;
    metrics.outbox_depth.set(depth);
    for (name, pool) in [
        ("public", &state.pool),
        ("editorial", &state.editorial_pool),
    ] {
        let pool_state = pool.state();
        let idle = i64::from(pool_state.idle_connections);
        let open = i64::from(pool_state.connections);
        metrics
            .pool_connections
            .with_label_values(&[name, "in_use"])
            .set(open - idle);
        metrics
            .pool_connections
            .with_label_values(&[name, "idle"])
            .set(idle);
    }
    metrics.cache_bytes.set(state.cache.weighted_size() as i64);
    metrics.visit_queue.set(state.visits.pending() as i64);
    let backend = match backend {
        db::Backend::Postgres => "postgres",
        db::Backend::Sqlite => "sqlite",
    };
    metrics
        .build_info
        .with_label_values(&[env!("CARGO_PKG_VERSION"), backend])
        .set(1);
    let text = metrics
        .render()
        .map_err(|e| ApiError::Internal(format!("cannot render the metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(text))
}
