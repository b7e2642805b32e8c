//! Validators of public responses: strong ETags, and `If-None-Match` read through actix-web's typed `EntityTag`.

use super::*;

/// The strong ETag of a body: 128 bits of its SHA-256, base64url.
pub fn strong_etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

/// Whether an `If-None-Match` value names `etag`: `*`, or any listed tag equal to it under weak
/// comparison (a `W/` prefix does not matter). Each tag is parsed by actix-web's `EntityTag`;
/// one that is not a quoted tag matches nothing.
pub fn none_match_names(if_none_match: &str, etag: &str) -> bool {
    use actix_web::http::header::EntityTag;
    if if_none_match.trim() == "*" {
        return true;
    }
    let Ok(ours) = etag.parse::<EntityTag>() else {
        return false;
    };
    if_none_match
        .split(',')
        .filter_map(|tag| tag.trim().parse::<EntityTag>().ok())
        .any(|tag| tag.weak_eq(&ours))
}

/// Whether the request's `If-None-Match` (actix-web's typed header) names `etag`, as
/// `none_match_names` compares: for responses made outside the cache (media files).
pub fn none_match(req: &actix_web::HttpRequest, etag: &str) -> bool {
    use actix_web::http::header::{EntityTag, Header, IfNoneMatch};
    match IfNoneMatch::parse(req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => etag
            .parse::<EntityTag>()
            .is_ok_and(|ours| tags.iter().any(|tag| tag.weak_eq(&ours))),
        Err(_) => false,
    }
}
