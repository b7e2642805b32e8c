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

/// Readiness: the database answers a query within two seconds.
#[utoipa::path(
    tag = "service",
    responses(
        (status = 200, description = "The database is reachable", body = Health, example = json!({"status": "ok"})),
        (status = 503, description = "The database is unreachable", body = Problem, content_type = "application/problem+json"),
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
        Ok(Ok(_)) => Ok(HttpResponse::Ok().json(Health {
            status: "ok".into(),
        })),
        Ok(Err(_)) | Err(_) => Err(ApiError::Unavailable),
    }
}

/// The spec bytes, computed once at start-up (`openapi::spec_json`).
#[derive(Clone)]
pub struct SpecJson(pub std::sync::Arc<String>);

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
pub async fn openapi_json(spec: actix_web::web::Data<SpecJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(spec.0.as_str().to_owned())
}
