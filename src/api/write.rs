//! What every write shares: the JSON body (content type, size limit read as it streams, NFC),
//! JSON merge patch (RFC 7396), `If-Match` against the editorial ETag, read-only fields, and
//! decoding into typed inputs with JSON Pointers in errors.

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::domain::text::nfc;
use crate::error::{ApiError, FieldError};

/// What a request body must be: at most `max_bytes` (`NEWSROOM_BODY_LIMIT`), and arriving at
/// `min_bytes` per `window` at least (`NEWSROOM_BODY_MIN_BYTES`, `NEWSROOM_BODY_WINDOW`). A rate,
/// not a total time: a large body on a slow link keeps going, one trickled in to hold a
/// connection open is a 408 within a window.
#[derive(Debug, Clone, Copy)]
pub struct BodyRules {
    pub max_bytes: usize,
    pub min_bytes: usize,
    pub window: std::time::Duration,
}

impl Default for BodyRules {
    fn default() -> Self {
        BodyRules {
            max_bytes: 256 * 1024,
            min_bytes: 1024,
            window: std::time::Duration::from_secs(10),
        }
    }
}

impl BodyRules {
    fn of(req: &HttpRequest) -> BodyRules {
        req.app_data::<web::Data<BodyRules>>()
            .map(|rules| *rules.get_ref())
            .unwrap_or_default()
    }
}

/// Reads a body of at most `max_bytes` (`too_large` past it, checked against `Content-Length`
/// first and again as it streams), at the pace `BodyRules` asks for (408 when it falls behind).
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    max_bytes: usize,
    too_large: impl Fn() -> ApiError,
) -> Result<web::BytesMut, ApiError> {
    let rules = BodyRules::of(req);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max_bytes) {
        return Err(too_large());
    }
    let mut bytes = web::BytesMut::new();
    let mut window_started = std::time::Instant::now();
    let mut in_window = 0;
    loop {
        let left = rules.window.saturating_sub(window_started.elapsed());
        let next = actix_web::rt::time::timeout(left, payload.next())
            .await
            .map_err(|_| {
                ApiError::RequestTimeout(format!(
                    "the body arrived slower than {} bytes in {} s",
                    rules.min_bytes,
                    rules.window.as_secs_f64()
                ))
            })?;
        let Some(chunk) = next else { break };
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        if bytes.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
        in_window += chunk.len();
        if in_window >= rules.min_bytes {
            window_started = std::time::Instant::now();
            in_window = 0;
        }
    }
    Ok(bytes)
}

/// Reads a write's body as a JSON object, with all text in NFC. Called by handlers after the
/// caller is authorized, so that an anonymous write is a 401 whatever its body. The size limit is
/// checked against `Content-Length` and again as the body streams in, so an oversized body is
/// refused before it is read whole.
pub async fn read_json(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Map<String, Value>, ApiError> {
    let limit = BodyRules::of(req).max_bytes;
    let media = media_type(req);
    let is_patch = req.method() == Method::PATCH;
    let accepted =
        media == "application/json" || (is_patch && media == "application/merge-patch+json");
    if !accepted {
        let allowed = if is_patch {
            "application/merge-patch+json or application/json"
        } else {
            "application/json"
        };
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the body as {allowed}"
        )));
    }
    let too_large = || ApiError::PayloadTooLarge(format!("the body is over {limit} bytes"));
    let bytes = read_body(req, payload, limit, too_large).await?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::InvalidBody(vec![FieldError::pointer(
            "",
            format!("malformed JSON: {e}"),
        )])
    })?;
    if let Some(pointer) = find_nul(&value, String::new()) {
        // PostgreSQL refuses NUL in text, and no content needs it.
        return Err(ApiError::InvalidBody(vec![FieldError::pointer(
            pointer,
            "must not contain NUL characters",
        )]));
    }
    match normalize(value) {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::InvalidBody(vec![FieldError::pointer(
            "",
            "must be a JSON object",
        )])),
    }
}

/// The request's media type without parameters, lowercased (`application/json`).
pub fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The pointer of the first string (or key) holding a NUL character.
fn find_nul(value: &Value, at: String) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{at}/{i}"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = format!("{at}/{}", escape(k));
            if k.contains('\0') {
                Some(here)
            } else {
                find_nul(v, here)
            }
        }),
        _ => None,
    }
}

/// All strings (keys too) in NFC: some Vietnamese text arrives decomposed.
fn normalize(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(nfc(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (nfc(&k), normalize(v)))
                .collect(),
        ),
        other => other,
    }
}

/// RFC 7396: `null` removes, objects merge recursively, everything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(changes) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(map) = target {
                for (key, change) in changes {
                    if change.is_null() {
                        map.remove(key);
                    } else {
                        merge_patch(map.entry(key.clone()).or_insert(Value::Null), change);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// What an `If-Match` asks for, compared as RFC 9110 says (section 13.1.1, strong comparison):
/// `*`, any current version; otherwise a list of entity tags, of which only editorial ETags
/// `"<n>"` written exactly as this service writes them can match (`"01"`, `W/"1"` or a public,
/// byte-based ETag never does; the write then answers 412 once it knows the item exists).
#[derive(Debug, Clone, PartialEq)]
pub enum IfMatch {
    Any,
    Versions(Vec<i32>),
}

impl IfMatch {
    pub fn matches(&self, version: i32) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Versions(versions) => versions.contains(&version),
        }
    }

    fn parse(value: &str) -> IfMatch {
        let value = value.trim();
        if value == "*" {
            return IfMatch::Any;
        }
        IfMatch::Versions(
            value
                .split(',')
                .filter_map(|tag| {
                    let opaque = tag.trim().strip_prefix('"')?.strip_suffix('"')?;
                    let version = opaque.parse::<i32>().ok()?;
                    (etag(version) == format!("\"{opaque}\"")).then_some(version)
                })
                .collect(),
        )
    }
}

/// The `If-Match` of a write. Missing is 428.
pub fn if_match(req: &HttpRequest) -> Result<IfMatch, ApiError> {
    let value = req.headers().get(header::IF_MATCH).ok_or_else(|| {
        ApiError::PreconditionRequired(
            "send If-Match with the ETag of the version you edited (from a GET with a token)"
                .into(),
        )
    })?;
    Ok(IfMatch::parse(value.to_str().unwrap_or("")))
}

/// The editorial ETag of a version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// Checks read-only fields of a body against the stored item: equal values are ignored (so
/// GET-edit-PUT works), others are a 400; then removes them. Times compare as instants.
pub fn strip_read_only(
    body: &mut Map<String, Value>,
    current: Option<&Map<String, Value>>,
    read_only: &[&str],
    errors: &mut Vec<FieldError>,
) {
    for key in read_only {
        let Some(given) = body.remove(*key) else {
            continue;
        };
        let stored = current.and_then(|c| c.get(*key));
        let same = match stored {
            Some(stored) => same_value(&given, stored),
            None => false,
        };
        if !same {
            errors.push(FieldError::pointer(format!("/{key}"), "is read-only"));
        }
    }
}

fn same_value(given: &Value, stored: &Value) -> bool {
    if given == stored {
        return true;
    }
    match (given.as_str(), stored.as_str()) {
        (Some(a), Some(b)) => match (
            chrono::DateTime::parse_from_rfc3339(a),
            chrono::DateTime::parse_from_rfc3339(b),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
        _ => false,
    }
}

/// The body to decode for a create (`current` is `None`), a replace or a merge patch: read-only
/// fields are checked against the stored item (when `compare`) and removed; a patch is merged
/// into the stored editorial representation first.
pub fn prepare(
    body: Map<String, Value>,
    current: Option<Value>,
    read_only: &[&str],
    patch: bool,
    compare: bool,
) -> Result<Map<String, Value>, ApiError> {
    let mut body = body;
    let current = match current {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    };
    let mut errors = Vec::new();
    strip_read_only(&mut body, current.as_ref(), read_only, &mut errors);
    if compare && !errors.is_empty() {
        return Err(ApiError::InvalidBody(errors));
    }
    if !patch {
        return Ok(body);
    }
    let mut merged = Value::Object(current.unwrap_or_default());
    if let Value::Object(map) = &mut merged {
        for key in read_only {
            map.remove(*key);
        }
    }
    merge_patch(&mut merged, &Value::Object(body));
    match merged {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

/// Decodes an object into a typed input: unknown fields, wrong types and missing fields are a
/// 400 pointing at the field.
pub fn decode<T: DeserializeOwned>(body: Map<String, Value>) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(Value::Object(body)).map_err(|e| {
        let mut pointer = pointer_of(e.path());
        let message = e.inner().to_string();
        // serde names an unknown field in the message, not in the path.
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let tail = format!("/{}", escape(rest.split('`').next().unwrap_or("")));
            if !pointer.ends_with(&tail) {
                pointer.push_str(&tail);
            }
        }
        ApiError::InvalidBody(vec![FieldError::pointer(pointer, message)])
    })
}

/// serde_path_to_error's path (`events[0].slug`) as a JSON Pointer: `/events/0/slug`.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape(key));
            }
            Segment::Enum { variant } => {
                pointer.push('/');
                pointer.push_str(&escape(variant));
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `201 Created` with `Location` and the editorial ETag.
pub fn created(location: String, version: i32, body: Value) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(serde_json::json!({ "data": body }))
}

/// `200 OK` after a change, with the new editorial ETag.
pub fn changed(version: i32, body: Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(serde_json::json!({ "data": body }))
}

#[cfg(test)]
mod if_match_tests {
    use super::IfMatch;

    #[test]
    fn if_match_is_a_strong_comparison_of_exact_tags() {
        assert!(IfMatch::parse("\"1\"").matches(1));
        assert!(IfMatch::parse(" \"3\", \"1\" ").matches(1));
        assert!(IfMatch::parse("*").matches(7));
        for other in [
            "\"01\"", "\"+1\"", "W/\"1\"", "1", "\"1", "\"abc\"", "", "\" 1\"",
        ] {
            assert!(!IfMatch::parse(other).matches(1), "{other}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}, "tags": ["x"]});
        merge_patch(
            &mut doc,
            &json!({"a": "z", "c": {"f": null}, "tags": ["y"]}),
        );
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}, "tags": ["y"]}));
    }

    #[test]
    fn paths_become_json_pointers() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Block {
            caption: String,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Input {
            body: Vec<Block>,
        }
        let body = json!({"body": [{"caption": "a"}, {"caption": 2}]});
        let error = decode::<Input>(body.as_object().cloned().unwrap_or_default())
            .expect_err("a number is not a caption");
        let problem = error.problem();
        assert_eq!(
            problem.errors[0].pointer.as_deref(),
            Some("/body/1/caption")
        );
    }

    #[test]
    fn read_only_fields_pass_when_equal() {
        let current = json!({"id": 1, "created_at": "2022-10-21T08:24:00+07:00"});
        let current = current.as_object().cloned();
        let mut body = json!({"id": 1, "created_at": "2022-10-21T01:24:00Z", "title": "x"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut errors = Vec::new();
        strip_read_only(
            &mut body,
            current.as_ref(),
            &["id", "created_at", "version"],
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(body.len(), 1);
        let mut body = json!({"id": 2}).as_object().cloned().unwrap_or_default();
        strip_read_only(&mut body, current.as_ref(), &["id"], &mut errors);
        assert_eq!(errors[0].pointer.as_deref(), Some("/id"));
    }
}
