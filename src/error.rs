//! One error type, rendered as `application/problem+json` (RFC 9457).
//!
//! Handlers return `ApiError`; extractor failures, unknown routes and wrong methods are mapped to
//! it too, and `problem_middleware` fills in `instance` from the request and turns any stray
//! non-problem error response into one, so that no error leaves the service in another shape.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem with one query parameter or body field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// The query parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "per_page")]
    pub parameter: Option<String>,
    /// A JSON Pointer (RFC 6901) to the body field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/events/0")]
    pub pointer: Option<String>,
    /// What is wrong with it.
    #[schema(example = "phải nằm trong khoảng 1 đến 100 (must be between 1 and 100)")]
    pub message: String,
}

impl FieldError {
    pub fn parameter(name: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            parameter: Some(name.into()),
            pointer: None,
            message: message.into(),
        }
    }

    pub fn pointer(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            parameter: None,
            pointer: Some(pointer.into()),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document: every error response has this shape.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/invalid-parameter",
    "title": "Invalid query parameter",
    "status": 400,
    "detail": "per_page: must be between 1 and 100",
    "instance": "/api/v1/articles",
    "errors": [{"parameter": "per_page", "message": "must be between 1 and 100"}]
}))]
pub struct Problem {
    /// One of a fixed list: `/problems/not-found`, `gone`, `invalid-parameter`, `invalid-body`,
    /// `validation`, `conflict`, `unauthorized`, `forbidden`, `precondition-failed`,
    /// `precondition-required`, `payload-too-large`, `unsupported-media-type`,
    /// `method-not-allowed`, `cors-rejected`, `request-timeout`, `rate-limited`, `unavailable`,
    /// `search-filling`, `range-not-satisfiable`, `internal`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/not-found")]
    pub kind: String,
    /// A short, fixed summary of the problem type.
    #[schema(example = "Not found")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What went wrong with this request, for a human.
    #[schema(example = "no article `hoi-nghi-amcc8`")]
    pub detail: String,
    /// The path of the request, never its query (which may carry a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/api/v1/articles/hoi-nghi-amcc8")]
    pub instance: Option<String>,
    /// The parameters or fields at fault, when there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Gone(String),
    #[error("invalid query parameters")]
    InvalidParameters(Vec<FieldError>),
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("the body is invalid")]
    InvalidBody(Vec<FieldError>),
    #[error("the body has invalid values")]
    Validation(Vec<FieldError>),
    #[error("{detail}")]
    Unauthorized { detail: String, invalid_token: bool },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PreconditionRequired(String),
    /// Not an error: a slug that changed answers 301 to the current URL.
    #[error("moved to {0}")]
    MovedPermanently(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A cross-origin request (or its preflight) from an origin or with a method not allowed.
    #[error("{0}")]
    CorsRejected(String),
    /// The body arrived too slowly (`api::write`).
    #[error("{0}")]
    RequestTimeout(String),
    /// Too many requests of a kind from one client or token; try again after `retry_after` s.
    #[error("{detail}")]
    RateLimited { detail: String, retry_after: u64 },
    #[error("the database is unavailable")]
    Unavailable,
    /// A `Range` outside the file.
    #[error("{0}")]
    RangeNotSatisfiable(String),
    /// The search index is still being filled for content written before it (`db::search`).
    #[error("the search index is being filled for existing content ({filled} of {total} items); search answers once it is complete")]
    SearchFilling { filled: u64, total: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid_parameter(name: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::InvalidParameters(vec![FieldError::parameter(name, message)])
    }

    pub fn not_found(what: &str, key: impl std::fmt::Display) -> Self {
        ApiError::NotFound(format!("no {what} `{key}`"))
    }

    pub fn gone(what: &str, key: impl std::fmt::Display) -> Self {
        ApiError::Gone(format!("the {what} `{key}` was deleted"))
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::Gone(_) => ("gone", "Gone"),
            ApiError::InvalidParameters(_) => ("invalid-parameter", "Invalid query parameter"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::BadRequest(_) | ApiError::InvalidBody(_) => {
                ("invalid-body", "Invalid request body")
            }
            ApiError::Validation(_) => ("validation", "Invalid values"),
            ApiError::Unauthorized { .. } => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            ApiError::PreconditionRequired(_) => ("precondition-required", "Precondition required"),
            ApiError::MovedPermanently(_) => ("moved", "Moved permanently"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::CorsRejected(_) => ("cors-rejected", "Cross-origin request refused"),
            ApiError::RequestTimeout(_) => ("request-timeout", "Request timeout"),
            ApiError::RateLimited { .. } => ("rate-limited", "Too many requests"),
            ApiError::Unavailable => ("unavailable", "Service unavailable"),
            ApiError::SearchFilling { .. } => ("search-filling", "Search not ready yet"),
            ApiError::RangeNotSatisfiable(_) => ("range-not-satisfiable", "Range not satisfiable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (kind, title) = self.kind();
        let detail = match self {
            ApiError::InvalidParameters(errors)
            | ApiError::InvalidBody(errors)
            | ApiError::Validation(errors) => errors
                .iter()
                .map(|e| match (&e.parameter, &e.pointer) {
                    (Some(p), _) => format!("{p}: {}", e.message),
                    (None, Some(p)) if p.is_empty() => format!("the body: {}", e.message),
                    (None, Some(p)) => format!("{p}: {}", e.message),
                    (None, None) => e.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            ApiError::MethodNotAllowed { allow } => {
                format!("this resource allows only {allow}")
            }
            // Never leak causes (SQL, paths) to the caller; they are logged.
            ApiError::Internal(_) => "the server failed to answer; the cause is logged".into(),
            ApiError::Unavailable => "the database is unavailable; try again shortly".into(),
            other => other.to_string(),
        };
        let errors = match self {
            ApiError::InvalidParameters(errors)
            | ApiError::InvalidBody(errors)
            | ApiError::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            kind: format!("/problems/{kind}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail,
            instance: None,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::InvalidParameters(_) | ApiError::BadRequest(_) | ApiError::InvalidBody(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::MovedPermanently(_) => StatusCode::MOVED_PERMANENTLY,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::CorsRejected(_) => StatusCode::FORBIDDEN,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::Unavailable | ApiError::SearchFilling { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(cause = %cause, "internal error");
        }
        if let ApiError::MovedPermanently(location) = self {
            return HttpResponse::MovedPermanently()
                .insert_header((header::LOCATION, location.as_str()))
                .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
                .finish();
        }
        let problem = self.problem();
        let mut response = problem_response(&problem);
        match self {
            ApiError::MethodNotAllowed { allow } => {
                if let Ok(value) = HeaderValue::from_str(allow) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
            }
            ApiError::Unavailable => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            ApiError::SearchFilling { .. } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            }
            ApiError::RateLimited { retry_after, .. } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            // The client did not keep its side of the exchange: don't reuse the connection.
            ApiError::RequestTimeout(_) => {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            ApiError::Unauthorized { invalid_token, .. } => {
                let challenge = if *invalid_token {
                    "Bearer realm=\"newsroom\", error=\"invalid_token\""
                } else {
                    "Bearer realm=\"newsroom\""
                };
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
                );
            }
            _ => {}
        }
        response
    }
}

fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .body(body);
    response.extensions_mut().insert(problem.clone());
    response
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => ApiError::NotFound("not found".into()),
            // Content writes run one at a time (`db::content_transaction`), so a free slug or
            // name checked by reading stays free; should any unique key still collide, it is
            // the caller's conflict, never a 500.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                info,
            ) => {
                // The constraint's name is the schema's business, not the caller's: it is
                // logged, and the detail says what kind of value collided.
                tracing::debug!(
                    constraint = info.constraint_name().unwrap_or(""),
                    message = info.message(),
                    "unique violation"
                );
                ApiError::Conflict(format!(
                    "another item already has this {}; fetch it again and retry",
                    collided(info.constraint_name().unwrap_or(info.message()))
                ))
            }
            // A full disk (SQLite's SQLITE_FULL, PostgreSQL's disk_full) or a failing one: the
            // write is rolled back whole, and it is the service that cannot take it now, not a
            // fault in the request. Reads go on.
            diesel::result::Error::DatabaseError(_, info) if is_out_of_space(info.message()) => {
                tracing::warn!(
                    error = info.message(),
                    "the database cannot write: out of space"
                );
                ApiError::Unavailable
            }
            // The server closed the connection (a restart): the service is what cannot answer
            // now; the pool checks the connection before its next use (`db::pool`).
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                info,
            ) => {
                tracing::warn!(error = info.message(), "lost the database connection");
                ApiError::Unavailable
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

fn is_out_of_space(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "database or disk is full",
        "disk i/o error",
        "no space left on device",
        "could not extend file",
    ]
    .iter()
    .any(|sign| message.contains(sign))
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(%error, "no database connection");
        ApiError::Unavailable
    }
}

/// Fills `instance` into problem bodies, and turns any error response that is not a problem
/// (actix's own 404s, payload errors from extractors we did not configure) into one.
pub async fn problem_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The path only: a query may carry a secret (a token pasted as `?access_token=`), and a
    // problem must never echo it back.
    // The URI's parts are shared bytes: cloning it copies no path (a clone of the request itself
    // would keep the router from writing the match into it).
    let uri = req.uri().clone();
    let instance = || uri.path();
    let res = match next.call(req).await {
        Ok(res) => res,
        Err(error) => {
            // An error that escaped as `Err`: render it through its own response, then fix it up.
            let response = match refused_cors(&error) {
                Some(refused) => refused.error_response(),
                None => error.error_response(),
            };
            return Err(actix_web::error::InternalError::from_response(
                "error",
                fix_problem(response, instance()),
            )
            .into());
        }
    };
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, response) = res.into_parts();
    let refused = response.error().and_then(refused_cors);
    let response = match refused {
        Some(refused) => {
            let mut fixed = refused.error_response().map_into_boxed_body();
            for (name, value) in response.headers() {
                if name.as_str().starts_with("access-control-") || name == header::VARY {
                    fixed.headers_mut().insert(name.clone(), value.clone());
                }
            }
            fix_problem(fixed, instance())
        }
        None => fix_problem(response.map_into_boxed_body(), instance()),
    };
    Ok(ServiceResponse::new(req, response))
}

/// actix-cors answers a refused origin, method or header with a bare 400; it is a 403 of its
/// own type here, which says what was refused.
fn refused_cors(error: &actix_web::Error) -> Option<ApiError> {
    let cors = error.as_error::<actix_cors::CorsError>()?;
    Some(ApiError::CorsRejected(format!(
        "{cors}; public reads are open to every origin, other requests only to the configured ones (NEWSROOM_CORS_ORIGINS)"
    )))
}

fn fix_problem(response: HttpResponse<BoxBody>, instance: &str) -> HttpResponse<BoxBody> {
    let status = response.status();
    let mut problem = match response.extensions().get::<Problem>() {
        Some(problem) => problem.clone(),
        None => generic_problem(status),
    };
    problem.instance = Some(instance.to_owned());
    let mut fixed = problem_response(&problem);
    *fixed.status_mut() = status;
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fixed.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fixed
}

fn generic_problem(status: StatusCode) -> Problem {
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::NotFound("no such resource".into()),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge("the body is too large".into()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::UnsupportedMediaType("unsupported content type".into())
        }
        StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable,
        s if s.is_client_error() => ApiError::BadRequest(
            s.canonical_reason()
                .unwrap_or("the request is invalid")
                .to_owned(),
        ),
        _ => ApiError::Internal(format!("status {status}")),
    };
    let mut problem = error.problem();
    problem.status = status.as_u16();
    problem
}

/// What a unique violation was about, from PostgreSQL's constraint name (`tags_slug_key`) or
/// SQLite's message (`UNIQUE constraint failed: tags.slug`): a slug, a name, or a key.
fn collided(said: &str) -> &'static str {
    if said.contains("slug") {
        "slug"
    } else if said.contains("name") {
        "name"
    } else {
        "key"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unique_violation_is_a_conflict_never_a_500() {
        let error = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key value violates unique constraint".to_owned()),
        );
        match ApiError::from(error) {
            ApiError::Conflict(detail) => assert!(!detail.contains("constraint"), "{detail}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(collided("tags_slug_key"), "slug");
        assert_eq!(collided("UNIQUE constraint failed: tags.name"), "name");
        assert_eq!(collided("slot_items_pkey"), "key");
    }

    #[test]
    fn an_unreachable_database_is_503_with_retry_after() {
        let response = ApiError::Unavailable.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("5")
        );
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some(PROBLEM_JSON)
        );
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let problem = ApiError::Internal("SELECT * FROM secret at /srv/db".into()).problem();
        assert_eq!(problem.kind, "/problems/internal");
        assert!(!problem.detail.contains("SELECT") && !problem.detail.contains("/srv"));
    }
}
