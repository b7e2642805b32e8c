//! HTTP caching of public reads: every `200` a GET sends to an anonymous caller carries a strong
//! `ETag` computed from the bytes it sends, and a request whose `If-None-Match` names it (in a
//! list, weakly, or as `*`, RFC 9110 §13.1.2) gets `304 Not Modified` without a body. Token
//! holders keep the editorial `"<version>"` ETag and `private, no-store`; `/livez` and `/readyz`
//! are left alone.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Headers a `304` repeats from the `200` it stands for.
const KEPT_ON_304: [header::HeaderName; 4] = [
    header::ETAG,
    header::CACHE_CONTROL,
    header::VARY,
    header::LINK,
];

/// The strong ETag of a body: 128 bits of its SHA-256, base64url.
pub fn strong_etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

/// Whether an `If-None-Match` value names `etag`: `*`, or any listed tag equal to it under weak
/// comparison (a `W/` prefix does not matter).
pub fn none_match_names(if_none_match: &str, etag: &str) -> bool {
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(|tag| tag.trim())
            .map(|tag| tag.strip_prefix("W/").unwrap_or(tag))
            .any(|tag| tag == etag)
}

/// Whether the response is for a public GET this middleware tags.
fn is_public_get(req: &ServiceRequest) -> bool {
    req.method() == Method::GET
        && !req.headers().contains_key(header::AUTHORIZATION)
        && !matches!(req.path(), "/livez" | "/readyz")
}

pub async fn conditional(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let public = is_public_get(&req);
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.call(req).await?;
    let private = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("private") || v.contains("no-store"));
    if !public
        || private
        || res.status() != StatusCode::OK
        || res.headers().contains_key(header::ETAG)
    {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("cannot read the response"))?;
    let etag = strong_etag(&bytes);
    let value = HeaderValue::from_str(&etag)
        .map_err(|_| actix_web::error::ErrorInternalServerError("bad ETag"))?;
    head.headers_mut().insert(header::ETAG, value);
    if if_none_match.is_some_and(|given| none_match_names(&given, &etag)) {
        let mut not_modified = HttpResponse::NotModified();
        for name in KEPT_ON_304 {
            for value in head.headers().get_all(&name) {
                not_modified.append_header((name.clone(), value.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    Ok(ServiceResponse::new(
        req,
        head.set_body(BoxBody::new(bytes)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_in_lists_and_star() {
        let tag = strong_etag(b"{\"data\":[]}");
        assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 24);
        assert_eq!(
            tag,
            strong_etag(b"{\"data\":[]}"),
            "the same bytes, the same tag"
        );
        assert_ne!(tag, strong_etag(b"{\"data\":[1]}"));
        assert!(none_match_names(&tag, &tag));
        assert!(none_match_names(&format!("W/{tag}"), &tag));
        assert!(none_match_names(&format!("\"x\", {tag}"), &tag));
        assert!(none_match_names(" * ", &tag));
        assert!(!none_match_names("\"x\"", &tag));
        assert!(
            !none_match_names(tag.trim_matches('"'), &tag),
            "an unquoted tag names nothing"
        );
    }
}
