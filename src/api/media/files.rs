//! `/media/{file}`: the library's files, with single byte ranges, and variants made on request.

use super::*;

/// Get a media file.
///
/// Public to whoever has the URL (names are keyed hashes of the content: unguessable, and a
/// name's bytes never change). Every metadata block is out of every file. Single byte ranges
/// answer `206`. A variant asked for before the worker made it is made on this request.
#[utoipa::path(
    tag = "media",
    params(
        ("file" = String, Path, description = "`<name>.<ext>` (the original) or `<name>-<width>.<ext>`", example = "3f9ac2d1e0b74a5f8c6d2e1f0a9b8c7d-640.webp"),
        ("Range" = Option<String>, Header, description = "One byte range, `bytes=0-1023`"),
        ("If-None-Match" = Option<String>, Header, description = "`304` when it names the file's ETag"),
    ),
    responses(
        (status = 200, description = "The file", content_type = "image/*",
            headers(("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"), ("ETag" = String, description = "The file's name"), ("Accept-Ranges" = String, description = "`bytes`"))),
        (status = 206, description = "The range asked for", content_type = "image/*",
            headers(("Content-Range" = String, description = "`bytes 0-1023/48213`"))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such file (or it was purged)", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "A range outside the file", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The media store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/media/{file}")]
pub async fn get_media_file(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = path.into_inner();
    let missing = || ApiError::NotFound(format!("no media file `{file}`"));
    let (stem, ext) = file.rsplit_once('.').ok_or_else(missing)?;
    let format = Format::from_extension(ext).ok_or_else(missing)?;
    let (name, width) = match stem.split_once('-') {
        Some((name, width)) => (name, Some(width.parse::<u32>().map_err(|_| missing())?)),
        None => (stem, None),
    };
    if name.len() != 32 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let etag_value = format!("\"{file}\"");
    if crate::api::caching::none_match(&req, &etag_value) {
        return Ok(file_headers(HttpResponse::NotModified(), format, &etag_value).finish());
    }
    let range = match req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(raw) if range_applies(&req, &etag_value) => parse_range(raw),
        _ => None,
    };
    // Small files are kept in memory once read: a name's bytes never change.
    let hot = state.media.hot(&file);
    let (mut fetched, mut from) = match (&hot, range) {
        (Some(bytes), _) => (
            Some(Fetched {
                size: bytes.len() as u64,
                bytes: bytes.clone(),
            }),
            0,
        ),
        (None, range) => (fetch(&state, &file, range).await?, 0),
    };
    if fetched.is_none() && width.is_some() {
        // A variant not made yet: make it now (or wait for whoever is making it).
        if make_on_request(&state, name).await? {
            fetched = fetch(&state, &file, range).await?;
        }
    }
    if hot.is_none() {
        match (&fetched, range) {
            (Some(whole), None) => state.media.keep_hot(&file, whole.bytes.clone()),
            // What was fetched begins where the request began (a suffix range read it all).
            (_, Some(range)) => from = range.request().start,
            _ => {}
        }
    }
    let fetched = fetched.ok_or_else(missing)?;
    let Some(range) = range else {
        return Ok(file_headers(HttpResponse::Ok(), format, &etag_value).body(fetched.bytes));
    };
    match range.resolve(fetched.size) {
        Some((start, end)) => {
            let part = fetched.bytes.slice(
                (start - from) as usize..((end - from + 1) as usize).min(fetched.bytes.len()),
            );
            Ok(
                file_headers(HttpResponse::PartialContent(), format, &etag_value)
                    .insert_header((
                        header::CONTENT_RANGE,
                        format!("bytes {start}-{end}/{}", fetched.size),
                    ))
                    .body(part),
            )
        }
        None => {
            let mut response =
                ApiError::RangeNotSatisfiable(format!("the file is {} bytes long", fetched.size))
                    .error_response();
            if let Ok(value) = header::HeaderValue::from_str(&format!("bytes */{}", fetched.size)) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            Ok(response)
        }
    }
}

use actix_web::ResponseError;

pub(super) fn file_headers(
    mut builder: actix_web::HttpResponseBuilder,
    format: Format,
    etag_value: &str,
) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, etag_value.to_owned()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    builder
}

/// The file, or the part of it a range asks for.
pub(super) async fn fetch(
    state: &State,
    file: &str,
    range: Option<ByteRange>,
) -> Result<Option<Fetched>, ApiError> {
    state
        .media
        .store
        .get(file, range.map(|r| r.request()))
        .await
        .map_err(store_error)
}

/// Makes the variants of the item named `name` on this request when nobody is making them,
/// or waits (up to 30 s) for whoever is. `false` when there is no such item.
pub(super) async fn make_on_request(state: &State, name: &str) -> Result<bool, ApiError> {
    let name = name.to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let key = name.clone();
        let row = database::run(&state.pool, move |conn| {
            use crate::db::schema::media;
            use diesel::prelude::*;
            Ok(media::table
                .filter(media::name.eq(key))
                .filter(media::purged_at.is_null())
                .select(MediaRow::as_select())
                .first(conn)
                .optional()?)
        })
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        if row.variants_done_at.is_some() {
            return Ok(true);
        }
        if make_variants(&state.media, &state.pool, &state.clock, row.id).await? {
            return Ok(true);
        }
        if std::time::Instant::now() > deadline {
            return Err(ApiError::Unavailable);
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// One byte range of a `Range` header (several ranges are answered whole, as RFC 9110 allows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ByteRange {
    /// `bytes=a-b` or `bytes=a-`.
    From(u64, Option<u64>),
    /// `bytes=-n`: the last n bytes.
    Last(u64),
}

/// The one byte range a `Range` header asks for, parsed by actix-web's typed `Range`; several
/// ranges, other units and malformed ones give `None` (the whole file is sent).
pub(super) fn parse_range(raw: &str) -> Option<ByteRange> {
    use actix_web::http::header::{ByteRangeSpec, Range};
    match raw.trim().parse::<Range>().ok()? {
        Range::Bytes(specs) if specs.len() == 1 => Some(match specs[0] {
            ByteRangeSpec::FromTo(start, end) => ByteRange::From(start, Some(end)),
            ByteRangeSpec::From(start) => ByteRange::From(start, None),
            ByteRangeSpec::Last(n) => ByteRange::Last(n),
        }),
        _ => None,
    }
}

/// Whether a `Range` applies: without `If-Range`, or when `If-Range` names this file's ETag
/// (strong comparison, RFC 9110 13.1.5). A date never matches: files carry no `Last-Modified`.
fn range_applies(req: &HttpRequest, etag: &str) -> bool {
    use actix_web::http::header::{EntityTag, Header, IfRange};
    match IfRange::parse(req) {
        Err(_) => !req.headers().contains_key(header::IF_RANGE),
        Ok(IfRange::EntityTag(given)) => etag
            .parse::<EntityTag>()
            .is_ok_and(|ours| ours.strong_eq(&given)),
        Ok(IfRange::Date(_)) => false,
    }
}

impl ByteRange {
    /// What to ask the store for (a suffix range needs the size: the whole file is read).
    fn request(self) -> std::ops::Range<u64> {
        match self {
            ByteRange::From(start, Some(end)) => start..end.saturating_add(1),
            ByteRange::From(start, None) => start..u64::MAX,
            ByteRange::Last(_) => 0..u64::MAX,
        }
    }

    /// The first and last byte served of a file of `size` bytes; `None` when none is.
    fn resolve(self, size: u64) -> Option<(u64, u64)> {
        match self {
            ByteRange::From(start, end) if start < size => {
                Some((start, end.map_or(size - 1, |e| e.min(size - 1))))
            }
            ByteRange::Last(n) if n > 0 && size > 0 => Some((size.saturating_sub(n), size - 1)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_one_span_of_bytes() {
        assert_eq!(
            parse_range("bytes=0-99"),
            Some(ByteRange::From(0, Some(99)))
        );
        assert_eq!(parse_range("bytes=100-"), Some(ByteRange::From(100, None)));
        assert_eq!(parse_range("bytes=-50"), Some(ByteRange::Last(50)));
        assert_eq!(parse_range("bytes=5-1"), None);
        assert_eq!(parse_range("bytes=0-1,5-9"), None);
        assert_eq!(parse_range("items=0-1"), None);
        assert_eq!(ByteRange::From(0, Some(99)).resolve(50), Some((0, 49)));
        assert_eq!(ByteRange::From(50, None).resolve(50), None);
        assert_eq!(ByteRange::Last(10).resolve(50), Some((40, 49)));
        assert_eq!(ByteRange::Last(80).resolve(50), Some((0, 49)));
    }
}
