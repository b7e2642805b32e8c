//! `/api/v1/tokens` (admin): create, list and revoke API tokens. `newsroom token ...` does the
//! same from the command line.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::query::{NoParams, QueryParams};
use super::write::{decode, read_json};
use super::State;
use crate::db::tokens::{self as db, NewTokenRow, TokenRow};
use crate::db::{self as database, DbConnection};
use crate::domain::time::PortalTz;
use crate::domain::token::{self, scopes_from_string, scopes_to_string, Scope};
use crate::error::{ApiError, FieldError, Problem};
use crate::views::envelope::ItemResponse;

/// A token as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "Ban biên tập trang chủ")]
    pub name: String,
    #[schema(example = json!(["content:write"]))]
    pub scopes: Vec<String>,
    pub created_at: DateTime<FixedOffset>,
    pub last_used_at: Option<DateTime<FixedOffset>>,
    pub expires_at: Option<DateTime<FixedOffset>>,
    pub revoked_at: Option<DateTime<FixedOffset>>,
    #[schema(example = false)]
    pub revoked: bool,
}

/// A new token: the only time its secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: Token,
    /// The bearer token. Store it now: only a hash is kept.
    #[schema(example = "nr_3f2a9c1d0b8e7a65_q8Vv0m2pJ0k3lT1n6bXw9rYzA4cD5eF6gH7iJ8kL9mN")]
    pub token: String,
}

/// What a new token is for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Who or what uses it.
    #[schema(max_length = 200, example = "Ban biên tập trang chủ")]
    pub name: String,
    /// `content:preview`, `content:write` (drafts; includes preview), `content:publish`
    /// (publishing and what is out; includes write), `admin` (everything).
    #[schema(max_items = 10, example = json!(["content:write"]))]
    pub scopes: Vec<String>,
    /// Days until it expires; without it the token lasts until revoked.
    #[schema(example = 90, minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
}

pub fn describe(row: &TokenRow, tz: PortalTz) -> Token {
    Token {
        id: row.id,
        name: row.name.clone(),
        scopes: scopes_from_string(&row.scopes)
            .into_iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        created_at: tz.render(row.created_at),
        last_used_at: row.last_used_at.map(|t| tz.render(t)),
        expires_at: row.expires_at.map(|t| tz.render(t)),
        revoked_at: row.revoked_at.map(|t| tz.render(t)),
        revoked: row.revoked_at.is_some(),
    }
}

/// Scopes in one request: there are three, so more is a mistake (or an attack).
const MAX_SCOPES: usize = 10;

/// Checks a request for a token: a name, known scopes, a sane lifetime.
pub fn validate(input: &NewToken) -> Result<(Vec<Scope>, Option<i64>), ApiError> {
    let mut errors = Vec::new();
    if input.name.trim().is_empty() || input.name.chars().count() > 200 {
        errors.push(FieldError::pointer("/name", "must be 1 to 200 characters"));
    } else if let Err(problem) = crate::domain::check::one_line(&input.name) {
        errors.push(FieldError::pointer("/name", problem));
    }
    let mut scopes = Vec::new();
    if input.scopes.len() > MAX_SCOPES {
        errors.push(FieldError::pointer(
            "/scopes",
            format!("must have at most {MAX_SCOPES} items"),
        ));
    }
    for (i, raw) in input.scopes.iter().enumerate().take(MAX_SCOPES) {
        match Scope::parse(raw) {
            Some(scope) if !scopes.contains(&scope) => scopes.push(scope),
            Some(_) => {}
            None => errors.push(FieldError::pointer(
                format!("/scopes/{i}"),
                "must be content:preview, content:write, content:publish or admin",
            )),
        }
    }
    if input.scopes.is_empty() {
        errors.push(FieldError::pointer("/scopes", "needs at least one scope"));
    }
    if input
        .expires_in_days
        .is_some_and(|d| !(1..=3650).contains(&d))
    {
        errors.push(FieldError::pointer("/expires_in_days", "must be 1 to 3650"));
    }
    if errors.is_empty() {
        Ok((scopes, input.expires_in_days))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Makes a token and stores its hash; returns the row and the secret token string.
pub fn issue(
    conn: &mut DbConnection,
    name: &str,
    scopes: &[Scope],
    expires_in_days: Option<i64>,
    now: NaiveDateTime,
) -> Result<(TokenRow, String), ApiError> {
    let made = token::generate().map_err(ApiError::Internal)?;
    let row = db::insert(
        conn,
        &NewTokenRow {
            public_id: made.public_id,
            secret_hash: made.secret_hash,
            name: name.trim().to_owned(),
            scopes: scopes_to_string(scopes),
            created_at: now,
            expires_at: expires_in_days.map(|d| now + Duration::days(d)),
        },
    )?;
    Ok((row, made.token))
}

/// List tokens (admin).
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Every token, revoked ones included", body = ItemResponse<Vec<Token>>),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tokens")]
pub async fn list_tokens(
    state: State,
    caller: Caller,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let tz = state.tz;
    let rows = database::run(&state.editorial_pool, |conn| Ok(db::list(conn)?)).await?;
    let tokens: Vec<Token> = rows.iter().map(|r| describe(r, tz)).collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, no-store"))
        .json(ItemResponse { data: tokens }))
}

/// Create a token (admin). The secret is in this response only.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = ["admin"])),
    request_body(content = NewToken, content_type = "application/json"),
    responses(
        (status = 201, description = "The token, with its secret", body = ItemResponse<CreatedToken>),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid values", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tokens")]
pub async fn create_token(
    state: State,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let input: NewToken = decode(read_json(&req, payload).await?)?;
    let (scopes, days) = validate(&input)?;
    let now = state.clock.now();
    let tz = state.tz;
    let (row, secret) = database::run(&state.editorial_pool, move |conn| {
        issue(conn, &input.name, &scopes, days, now)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tokens/{}", row.id)))
        .insert_header(("Cache-Control", "private, no-store"))
        .json(ItemResponse {
            data: CreatedToken {
                info: describe(&row, tz),
                token: secret,
            },
        }))
}

/// Revoke a token (admin). It stops working on the very next request, and the preview links it
/// made stop with it (410).
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The token's id", example = 2)),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    state: State,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::Admin)?;
    let id = crate::domain::key::parse_id(&path)
        .ok_or_else(|| ApiError::NotFound("no token with that id".into()))?;
    let now = state.clock.now();
    let found = database::run(&state.editorial_pool, move |conn| {
        Ok(db::revoke(conn, id, now)?)
    })
    .await?;
    if found {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound(format!("no token {id}")))
    }
}
