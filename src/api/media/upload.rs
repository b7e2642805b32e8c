//! `POST /api/v1/media`: an upload, raw or multipart, through the one write transaction.

use super::*;

/// A multipart upload: the file and its texts.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// The image: JPEG, PNG, WebP or GIF (judged from its bytes), at most 20 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(
        max_length = 500,
        example = "Bộ trưởng Tô Lâm phát biểu tại Hội nghị AMCC7"
    )]
    alt: Option<String>,
    #[schema(
        max_length = 5000,
        example = "Lễ khai mạc Hội nghị AMCC7 tại Singapore."
    )]
    caption: Option<String>,
    #[schema(max_length = 500, example = "TTXVN")]
    credit: Option<String>,
}

pub(super) fn rejected(rejection: Rejected) -> ApiError {
    match rejection {
        Rejected::Unsupported => ApiError::UnsupportedMediaType(
            "only JPEG, PNG, WebP and GIF images are taken (judged from the file's bytes)".into(),
        ),
        Rejected::TooLarge {
            width,
            height,
            max_pixels,
        } => ApiError::Validation(vec![FieldError::pointer(
            "",
            format!(
                "the image is {width} × {height} pixels, over the {max_pixels} pixels \
                 the service decodes"
            ),
        )]),
        Rejected::TooMuchMemory {
            width,
            height,
            bytes,
            max_bytes,
        } => ApiError::Validation(vec![FieldError::pointer(
            "",
            format!(
                "the image is {width} × {height} pixels that take {bytes} bytes decoded, over \
                 the {max_bytes} bytes the service decodes (NEWSROOM_MEDIA_MAX_DECODE_BYTES)"
            ),
        )]),
        Rejected::Corrupt(why) => ApiError::Validation(vec![FieldError::pointer(
            "",
            format!("the image cannot be read: {why}"),
        )]),
    }
}

/// Reads the upload: the raw body (`Content-Type: image/...`) or a `multipart/form-data` form
/// with a `file` field and optional `alt`, `caption`, `credit`.
pub(super) async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    media: &Media,
) -> Result<(Vec<u8>, MediaTextsInput), ApiError> {
    let limit = media.settings.max_bytes;
    let kind = media_type(req);
    if kind == "multipart/form-data" {
        // The form's own lines ride on top of the file: a little room for them.
        let body = read_body(req, payload, limit + 64 * 1024, || too_large(limit)).await?;
        return read_form(req, body.freeze(), limit).await;
    }
    if !kind.starts_with("image/") && kind != "application/octet-stream" {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the image as the body (`Content-Type: image/jpeg` and the like) or as \
             `multipart/form-data`, not `{kind}`"
        )));
    }
    let body = read_body(req, payload, limit, || too_large(limit)).await?;
    Ok((body.to_vec(), MediaTextsInput::default()))
}

pub(super) fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("an upload is at most {limit} bytes"))
}

pub(super) async fn read_form(
    req: &HttpRequest,
    body: bytes::Bytes,
    limit: usize,
) -> Result<(Vec<u8>, MediaTextsInput), ApiError> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    let mut form = actix_multipart::Multipart::new(req.headers(), stream);
    let mut file = None;
    let mut texts = MediaTextsInput::default();
    let bad = |e: actix_multipart::MultipartError| {
        ApiError::BadRequest(format!("the form cannot be read: {e}"))
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            if value.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            value.extend_from_slice(&chunk);
        }
        // A field sent twice is refused, never the last one kept silently.
        let twice =
            || ApiError::BadRequest(format!("the form field `{name}` is given more than once"));
        let slot = match name.as_str() {
            "file" if file.is_some() => return Err(twice()),
            "file" => {
                file = Some(value);
                continue;
            }
            "alt" => &mut texts.alt,
            "caption" => &mut texts.caption,
            "credit" => &mut texts.credit,
            other => {
                return Err(ApiError::InvalidBody(vec![FieldError::pointer(
                    format!("/{other}"),
                    "unknown form field (the fields are file, alt, caption, credit)",
                )]))
            }
        };
        if slot.is_some() {
            return Err(twice());
        }
        // Stored NFC, as every text a JSON body carries.
        let text = String::from_utf8(value)
            .map_err(|_| ApiError::BadRequest(format!("`{name}` is not UTF-8 text")))?;
        *slot = Some(crate::domain::text::nfc(&text));
    }
    let file = file
        .ok_or_else(|| ApiError::InvalidBody(vec![FieldError::pointer("/file", "is required")]))?;
    Ok((file, texts))
}

/// Upload an image.
///
/// The file is the raw body (its `Content-Type` an image type) or the `file` field of a
/// `multipart/form-data` form (with optional `alt`, `caption`, `credit`). Its type is judged
/// from its bytes: JPEG, PNG, WebP and GIF are taken, anything else (SVG, HTML) is `415`. Every
/// metadata block (EXIF with GPS, XMP, IPTC, comments) is taken out of every file served, the
/// original included; the EXIF orientation is applied to the pixels first. Variants (widths
/// 320, 640, 1024, 1600 below the original's, in WebP and JPEG or PNG) are made just after.
/// The same bytes uploaded again answer `200` with the existing item; bytes that were purged
/// answer `409` (their name stays retired).
#[utoipa::path(
    tag = "media",
    request_body(content(
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "image/png"),
        (Vec<u8> = "image/webp"),
        (Vec<u8> = "image/gif"),
        (MediaUpload = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Stored", body = ItemResponse<MediaItem>,
            headers(("Location" = String, description = "`/api/v1/media/{id}`"), ("ETag" = String, description = "The item's version"))),
        (status = 200, description = "These bytes are in the library already: the existing item", body = ItemResponse<MediaItem>),
        (status = 400, description = "A form that cannot be read, or one without `file`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks `content:write`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "These bytes were purged (a takedown): they are never taken again", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the upload limit (20 MiB by default), found while the body streams", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG, PNG, WebP or GIF, judged from the bytes", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A truncated or corrupt image, one over 50 million pixels (refused before decoding), or texts over their bounds", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database or the media store is unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["content:write"]))
)]
#[post("/media")]
pub async fn upload_media(
    state: State,
    req: HttpRequest,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentWrite)?;
    let media = state.media.clone();
    let (bytes, texts) = read_upload(&req, payload, &media).await?;
    let mut checks = Checks::default();
    let texts = texts.check(&mut checks, "");
    checks.into_result()?;
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let ctx = state.ctx();
    let known = sha256.clone();
    let tz = state.tz;
    let existing = commit(&state, move |conn, journal| {
        if let Some(at) = db::purged_sha256(conn, &known)? {
            return Err(purged(at, tz));
        }
        let row = db::by_sha256(conn, &known)?;
        if let Some(row) = &row {
            if row.deleted_at.is_some() {
                // It comes back: a creation for whoever mirrors the library.
                db::restore(conn, row.id, ctx.now)?;
                let change = db::change(conn, row.id, ChangeAction::Created, ctx.now)?;
                journal.record(conn, change)?;
                return Ok(db::find(conn, row.id)?);
            }
        }
        Ok(row)
    })
    .await?;
    if let Some(row) = existing {
        return Ok(item_response(
            actix_web::http::StatusCode::OK,
            &row,
            &media,
            ctx,
        ));
    }
    let bounds = media.settings.decode_bounds();
    // The header says what decoding costs: refused past the caps, else it waits for room in
    // the process's decode budget (decision 0019).
    let judged = judge(&bytes, bounds).map_err(rejected)?;
    let room = media.decode_room(judged.decoded_bytes).await?;
    let prepared = web::block(move || prepare(&bytes, judged).map(|p| (p, bytes.len())))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(rejected)?;
    drop(room);
    let (prepared, uploaded) = prepared;
    let name = media.stem(&sha256);
    let new = NewMedia {
        sha256,
        name,
        content_type: prepared.format.content_type().to_owned(),
        bytes: uploaded as i64,
        width: prepared.width as i32,
        height: prepared.height as i32,
        has_alpha: prepared.has_alpha,
        alt: texts.alt,
        caption: texts.caption,
        credit: texts.credit,
        search_key: texts.search_key,
        color: prepared.color,
        blurhash: prepared.blurhash,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    // The file first: a row always has its file (a kill between leaves a file no row names,
    // under the name the same bytes would take again).
    let original = format!("{}.{}", new.name, prepared.format.extension());
    media
        .store
        .put(&original, prepared.original)
        .await
        .map_err(store_error)?;
    let (status, row) = commit(&state, move |conn, journal| {
        match db::by_sha256(conn, &new.sha256)? {
            // Another upload of the same bytes won the race.
            Some(row) => Ok((actix_web::http::StatusCode::OK, row)),
            None => {
                let id = db::insert(conn, &new)?;
                let change = db::change(conn, id, ChangeAction::Created, new.created_at)?;
                journal.record(conn, change)?;
                let row = db::find(conn, id)?
                    .ok_or_else(|| ApiError::Internal("the new media item vanished".into()))?;
                Ok((actix_web::http::StatusCode::CREATED, row))
            }
        }
    })
    .await?;
    media.wake();
    let mut response = item_response(status, &row, &media, ctx);
    if status == actix_web::http::StatusCode::CREATED {
        if let Ok(value) = header::HeaderValue::from_str(&format!("/api/v1/media/{}", row.id)) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    Ok(response)
}

/// Bytes purged once are never taken again: their name stays retired, so no upload can make a
/// purged URL serve again (the files are `immutable` for a year at every cache).
pub(super) fn purged(at: chrono::NaiveDateTime, tz: crate::domain::time::PortalTz) -> ApiError {
    ApiError::Conflict(format!(
        "these bytes were purged from the library on {} (a takedown) and cannot be uploaded again",
        tz.render(at).format("%d/%m/%Y %H:%M")
    ))
}

pub(super) fn store_error(e: crate::media::store::StoreError) -> ApiError {
    tracing::error!(error = %e, "media store failed");
    ApiError::Unavailable
}

pub(super) fn item_response(
    status: actix_web::http::StatusCode,
    row: &MediaRow,
    media: &Media,
    ctx: Ctx,
) -> HttpResponse {
    let item = build(row, media, ctx);
    crate::api::query::editorial(
        HttpResponse::build(status).json(ItemResponse { data: item }),
        Some(row.version),
    )
}
