//! Who is calling: anonymous, or the holder of a valid token. A presented token that is unknown,
//! revoked or expired is a 401 on every route, public GETs included: a bad credential is an
//! error, never "anonymous". Tokens travel only in `Authorization: Bearer` and are never logged.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Ready};

use super::AppState;
use crate::db::{self, tokens};
use crate::domain::token::{self, scopes_from_string, Scope};
use crate::error::ApiError;

/// A token holder.
#[derive(Debug, Clone, PartialEq)]
pub struct Editor {
    /// The token's id: what write budgets are counted against.
    pub token_id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
}

impl Editor {
    pub fn has(&self, needed: Scope) -> bool {
        self.scopes.iter().any(|s| s.grants(needed))
    }
}

/// The caller of a request, put in the request's extensions by `authenticate`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Caller {
    #[default]
    Anonymous,
    Editor(Editor),
}

impl Caller {
    /// The editor if they hold `needed`: anonymous is 401, a token without the scope 403.
    pub fn require(&self, needed: Scope) -> Result<&Editor, ApiError> {
        match self {
            Caller::Anonymous => Err(ApiError::Unauthorized {
                detail: format!("this needs a bearer token with `{}`", needed.as_str()),
                invalid_token: false,
            }),
            Caller::Editor(editor) if editor.has(needed) => Ok(editor),
            Caller::Editor(_) => Err(ApiError::Forbidden(format!(
                "this token lacks the `{}` scope",
                needed.as_str()
            ))),
        }
    }

    /// Whether no token came with the request.
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Caller::Anonymous)
    }

    /// Whether the caller sees drafts and scheduled items (the editorial representation).
    pub fn previews(&self) -> bool {
        matches!(self, Caller::Editor(e) if e.has(Scope::ContentPreview))
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(req
            .extensions()
            .get::<Caller>()
            .cloned()
            .unwrap_or_default()))
    }
}

fn invalid(detail: &str) -> ApiError {
    ApiError::Unauthorized {
        detail: detail.to_owned(),
        invalid_token: true,
    }
}

/// Resolves `Authorization: Bearer` into a `Caller`, checking revocation and expiry on every
/// request (no cache), so that revoking takes effect at once. An address that keeps presenting
/// bad tokens is refused (429) before its tokens are looked at; a token's writes have a budget.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let caller = match req.headers().get(header::AUTHORIZATION) {
        None => Caller::Anonymous,
        Some(value) => {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::Internal("no app state".into()))?;
            let client = state.limits.client(req.request());
            state.limits.check_auth(client)?;
            let editor = match presented(value) {
                Ok(token) => check(&state, token).await,
                Err(error) => Err(error),
            };
            let editor = editor.inspect_err(|error| {
                if matches!(error, ApiError::Unauthorized { .. }) {
                    state.limits.auth_failed(client);
                }
            })?;
            if is_write(req.method()) {
                state.limits.write(editor.token_id)?;
            }
            Caller::Editor(editor)
        }
    };
    let authenticated = caller != Caller::Anonymous;
    req.extensions_mut().insert(caller);
    let mut res = next.call(req).await?;
    if authenticated {
        // Whatever a token holder is shown is theirs alone: never stored by shared caches.
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-store"),
        );
    }
    Ok(res)
}

/// The token of an `Authorization: Bearer <token>` header.
fn presented(value: &header::HeaderValue) -> Result<String, ApiError> {
    let value = value
        .to_str()
        .map_err(|_| invalid("the Authorization header is not text"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| invalid("use `Authorization: Bearer <token>`"))?;
    Ok(token.trim().to_owned())
}

fn is_write(method: &actix_web::http::Method) -> bool {
    use actix_web::http::Method;
    [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method)
}

async fn check(state: &AppState, token: String) -> Result<Editor, ApiError> {
    let now = state.clock.now();
    db::run(&state.editorial_pool, move |conn| {
        let (public_id, secret) =
            token::split(&token).ok_or_else(|| invalid("the token is not valid"))?;
        let row = tokens::by_public_id(conn, public_id)?
            .filter(|row| token::verify(secret, &row.secret_hash))
            .ok_or_else(|| invalid("the token is not valid"))?;
        if row.revoked_at.is_some() {
            return Err(invalid("the token was revoked"));
        }
        if row.expires_at.is_some_and(|at| at <= now) {
            return Err(invalid("the token has expired"));
        }
        tokens::touch(conn, row.id, now)?;
        Ok(Editor {
            token_id: row.id,
            name: row.name,
            scopes: scopes_from_string(&row.scopes),
        })
    })
    .await
}
