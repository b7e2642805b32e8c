//! The media library's service side (decision 0015): names, the store, and the worker that
//! makes each upload's variants once.

pub mod image;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::db::media::{self as db, MediaRow};
use crate::db::{self as database, DbPool};
use crate::domain::media::{family, variant_widths, Format};
use crate::domain::time::Clock;
use crate::error::ApiError;
use store::MediaStore;

/// Bounds of an upload.
#[derive(Debug, Clone, Copy)]
pub struct MediaSettings {
    /// The largest body taken (`NEWSROOM_MEDIA_MAX_BYTES`, 20 MiB): 413 past it, while streaming.
    pub max_bytes: usize,
    /// The most pixels decoded (`NEWSROOM_MEDIA_MAX_PIXELS`, 50 million): 422 past it, before
    /// decoding.
    pub max_pixels: u64,
    /// The most memory one decoded image may take (`NEWSROOM_MEDIA_MAX_DECODE_BYTES`, 256 MiB):
    /// pixels × channels × bytes per channel, 422 past it, before decoding. It is also the
    /// budget every decode in the process shares (uploads and variant jobs): a decode waits
    /// until its size fits beside the others, so decoded images never hold more than this at
    /// once, however many uploads are in flight.
    pub max_decode_bytes: u64,
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_decode_bytes: 256 * 1024 * 1024,
        }
    }
}

impl MediaSettings {
    pub fn decode_bounds(&self) -> image::DecodeBounds {
        image::DecodeBounds {
            max_pixels: self.max_pixels,
            max_bytes: self.max_decode_bytes,
        }
    }
}

/// The decode budget in KiB permits (a semaphore counts in `u32`).
fn kib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1024))
        .unwrap_or(u32::MAX)
        .max(1)
}

/// The library: its store, its bounds, the key its file names are made with, and a bell that
/// wakes the variant worker.
pub struct Media {
    pub store: MediaStore,
    pub settings: MediaSettings,
    name_key: Vec<u8>,
    wake: tokio::sync::Notify,
    /// What decodes may hold at once, in KiB (`MediaSettings::max_decode_bytes`).
    decode_budget: Arc<tokio::sync::Semaphore>,
    /// Small files as last read (their names' bytes never change), so that serving a variant
    /// is a memory read: at most `HOT_BYTES` in all, files up to `HOT_FILE_BYTES` each, for a
    /// minute (a purge on another instance reaches this one within it).
    hot: moka::sync::Cache<String, bytes::Bytes>,
}

const HOT_BYTES: u64 = 64 * 1024 * 1024;
const HOT_FILE_BYTES: usize = 1024 * 1024;

/// How long a worker holds the job of making one item's variants before another may take it.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);

impl Media {
    /// Waits until `bytes` of decoded image fit in the budget; the room is given back when the
    /// permit is dropped. A decode larger than the whole budget (the cap was lowered after an
    /// upload) waits for all of it.
    pub async fn decode_room(
        &self,
        bytes: u64,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        let whole = kib(self.settings.max_decode_bytes);
        self.decode_budget
            .clone()
            .acquire_many_owned(kib(bytes).min(whole))
            .await
            .map_err(|_| ApiError::Unavailable)
    }

    pub fn new(store: MediaStore, settings: MediaSettings, name_key: Vec<u8>) -> Arc<Media> {
        Arc::new(Media {
            store,
            decode_budget: Arc::new(tokio::sync::Semaphore::new(
                kib(settings.max_decode_bytes) as usize
            )),
            settings,
            name_key,
            wake: tokio::sync::Notify::new(),
            hot: moka::sync::Cache::builder()
                .max_capacity(HOT_BYTES)
                // Another instance's purge reaches this one's memory within a minute.
                .time_to_live(Duration::from_secs(60))
                .weigher(|_: &String, bytes: &bytes::Bytes| {
                    u32::try_from(bytes.len()).unwrap_or(u32::MAX)
                })
                .build(),
        })
    }

    /// The stem of an item's file names: the service's keyed hash of its bytes' SHA-256, so a
    /// name says nothing and cannot be guessed from the picture, yet is the same for the same
    /// bytes (content-addressed: a file under a name never changes).
    pub fn stem(&self, sha256: &str) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.name_key) {
            Ok(mac) => mac,
            Err(_) => return sha256.chars().take(32).collect(),
        };
        mac.update(sha256.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Opens the library on `store` (a directory or `s3://bucket/prefix`), with the key its
    /// names are made with: stored in the database, so every instance names files alike.
    pub fn open(
        conn: &mut crate::db::DbConnection,
        store: &str,
        public_url: Option<String>,
        settings: MediaSettings,
        now: chrono::NaiveDateTime,
    ) -> Result<Arc<Media>, String> {
        let fresh = crate::domain::token::random_secret()?;
        let key = crate::db::keys::service_key(conn, "media-names", &fresh, now)
            .map_err(|e| e.to_string())?;
        let store = MediaStore::open(store).map_err(|e| e.to_string())?;
        if let Some(base) = public_url
            .map(|b| b.trim_end_matches('/').to_owned())
            .filter(|b| !b.is_empty())
        {
            // Set once at start-up; a second library (tests) keeps the first base.
            let _ = PUBLIC_BASE.set(base);
        }
        Ok(Media::new(store, settings, key.into_bytes()))
    }

    /// A file kept in memory, if it is.
    pub fn hot(&self, file: &str) -> Option<bytes::Bytes> {
        self.hot.get(file)
    }

    /// Keeps a small file in memory.
    pub fn keep_hot(&self, file: &str, bytes: bytes::Bytes) {
        if bytes.len() <= HOT_FILE_BYTES {
            self.hot.insert(file.to_owned(), bytes);
        }
    }

    /// Forgets a file (purged).
    pub fn forget_hot(&self, file: &str) {
        self.hot.invalidate(file);
    }

    /// Rings the worker: an upload is waiting for its variants.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Where files are served from when not by newsroom (`NEWSROOM_MEDIA_PUBLIC_URL`: a CDN or a
/// public bucket), set once at start-up.
static PUBLIC_BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The URL a client fetches `file` from: under the public base, or `/media/` of this service.
pub fn url(file: &str) -> String {
    match PUBLIC_BASE.get() {
        Some(base) => format!("{base}/{file}"),
        None => format!("/media/{file}"),
    }
}

/// How an item shows in an article: the `src` a plain `<img>` gets (the JPEG or PNG variant
/// nearest 1024 pixels wide, or the original), `srcset` of that family, WebP `sources`, and
/// its size and placeholder. An animated GIF shows its original alone (variants are stills).
pub struct Rendition {
    pub src: String,
    pub width: u32,
    pub height: u32,
    pub srcset: Option<String>,
    /// `(content type, srcset)`.
    pub sources: Vec<(&'static str, String)>,
    pub color: String,
    pub blurhash: String,
}

pub fn rendition(row: &MediaRow) -> Rendition {
    let format = format_of(row);
    let (width, height) = (row.width.max(1) as u32, row.height.max(1) as u32);
    let original = url(&original_file(row));
    let mut rendition = Rendition {
        src: original.clone(),
        width,
        height,
        srcset: None,
        sources: Vec::new(),
        color: row.color.clone(),
        blurhash: row.blurhash.clone(),
    };
    if format == Format::Gif {
        return rendition;
    }
    let family = family(format, row.has_alpha);
    let planned = planned_variants(row);
    let set = |wanted: Format| -> Vec<(u32, String)> {
        let mut set: Vec<(u32, String)> = planned
            .iter()
            .filter(|(_, _, f)| *f == wanted)
            .map(|(w, _, f)| (*w, url(&variant_file(row, *w, *f))))
            .collect();
        if format == wanted {
            set.push((width, original.clone()));
        }
        set
    };
    let srcset = |set: &[(u32, String)]| {
        set.iter()
            .map(|(w, u)| format!("{u} {w}w"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let fallback = set(family);
    if let Some((_, src)) = fallback.iter().rev().find(|(w, _)| *w <= 1024) {
        rendition.src = src.clone();
    }
    if !fallback.is_empty() {
        rendition.srcset = Some(srcset(&fallback));
    }
    let webp = set(Format::Webp);
    if !webp.is_empty() {
        rendition.sources.push(("image/webp", srcset(&webp)));
    }
    rendition
}

/// The file of an item's original.
pub fn original_file(row: &MediaRow) -> String {
    format!("{}.{}", row.name, format_of(row).extension())
}

/// The file of one variant.
pub fn variant_file(row: &MediaRow, width: u32, format: Format) -> String {
    format!("{}-{width}.{}", row.name, format.extension())
}

/// The item's uploaded format (its content type says it).
pub fn format_of(row: &MediaRow) -> Format {
    match row.content_type.as_str() {
        "image/png" => Format::Png,
        "image/webp" => Format::Webp,
        "image/gif" => Format::Gif,
        _ => Format::Jpeg,
    }
}

/// Each variant an item has or will have: width, height, format.
pub fn planned_variants(row: &MediaRow) -> Vec<(u32, u32, Format)> {
    let (w, h) = (row.width.max(1) as u32, row.height.max(1) as u32);
    let family = family(format_of(row), row.has_alpha);
    let mut planned = Vec::new();
    for width in variant_widths(w) {
        let height = crate::domain::media::scaled_height(w, h, width);
        planned.push((width, height, Format::Webp));
        planned.push((width, height, family));
    }
    planned
}

/// Every file of an item, original first.
pub fn files(row: &MediaRow) -> Vec<String> {
    let mut files = vec![original_file(row)];
    files.extend(
        planned_variants(row)
            .into_iter()
            .map(|(w, _, f)| variant_file(row, w, f)),
    );
    files
}

/// Makes and stores item `id`'s variants if this caller can take the job (nobody holds it and
/// it is not done); `Ok(false)` when someone else holds it or it is done.
pub async fn make_variants(
    media: &Media,
    pool: &DbPool,
    clock: &Clock,
    id: i64,
) -> Result<bool, ApiError> {
    let now = clock.now();
    let claimed = database::run(pool, move |conn| {
        Ok(db::claim(conn, id, now, now + LEASE)?
            .then(|| db::find(conn, id))
            .transpose()?)
    })
    .await?;
    let Some(Some(row)) = claimed else {
        return Ok(false);
    };
    let original = media
        .store
        .get(&original_file(&row), None)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .ok_or_else(|| ApiError::Internal(format!("the original of media {id} is missing")))?;
    let format = format_of(&row);
    // The original passed the caps when it was uploaded; its decode still waits for room.
    let unbounded = image::DecodeBounds {
        max_pixels: u64::MAX,
        max_bytes: u64::MAX,
    };
    let cost = image::judge(&original.bytes, unbounded)
        .map(|judged| judged.decoded_bytes)
        .map_err(|e| ApiError::Internal(format!("media {id}: {e:?}")))?;
    let room = media.decode_room(cost).await?;
    let rendered = actix_web::web::block(move || image::render_variants(&original.bytes, format))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("media {id}: {e:?}")))?;
    drop(room);
    for variant in rendered {
        media
            .store
            .put(
                &variant_file(&row, variant.width, variant.format),
                variant.bytes,
            )
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    let done = clock.now();
    database::run(pool, move |conn| Ok(db::variants_done(conn, id, done)?)).await?;
    Ok(true)
}

/// Makes the variants of every upload waiting for them, when rung and every few seconds (work
/// left by a restart or by another instance's crash is found by the poll).
pub fn spawn_worker(media: Arc<Media>, pool: DbPool, clock: Clock) {
    actix_web::rt::spawn(async move {
        loop {
            let _ =
                actix_web::rt::time::timeout(Duration::from_secs(5), media.wake.notified()).await;
            let now = clock.now();
            let pending = database::run(&pool, move |conn| Ok(db::pending(conn, now, 16)?)).await;
            let ids = match pending {
                Ok(ids) => ids,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the media waiting for variants");
                    continue;
                }
            };
            for id in ids {
                let started = std::time::Instant::now();
                match make_variants(&media, &pool, &clock, id).await {
                    Ok(true) => tracing::info!(
                        id,
                        millis = started.elapsed().as_millis() as u64,
                        "made the variants of a media item"
                    ),
                    Ok(false) => {}
                    Err(error) => tracing::warn!(id, %error, "cannot make media variants"),
                }
            }
        }
    });
}
