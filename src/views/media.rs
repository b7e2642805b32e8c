//! Media items on the wire: the item, its placeholder and the URL of every file.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::Ctx;
use crate::db::media::MediaRow;
use crate::media::{format_of, original_file, planned_variants, variant_file, Media};

/// What a page shows while the image loads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Placeholder {
    /// The image's average colour.
    #[schema(example = "#5a6b7c", pattern = "^#[0-9a-f]{6}$")]
    pub color: String,
    /// A BlurHash of 4 × 3 components (<https://blurha.sh>).
    #[schema(example = "LEHV6nWB2yk8pyo0adR*.7kCMdnj")]
    pub blurhash: String,
}

/// One file of an item in one width and format.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaVariant {
    #[schema(example = 640)]
    pub width: u32,
    #[schema(example = 427)]
    pub height: u32,
    #[schema(example = "image/webp")]
    pub content_type: &'static str,
    #[schema(example = "/media/3f9ac2d1e0b74a5f8c6d2e1f0a9b8c7d-640.webp")]
    pub url: String,
}

/// An image in the library.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaItem {
    #[schema(example = 12)]
    pub id: i64,
    /// After orientation.
    #[schema(example = 4000)]
    pub width: i32,
    #[schema(example = 2667)]
    pub height: i32,
    /// The uploaded file's type, judged from its bytes.
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    /// The uploaded file's size.
    #[schema(example = 3481920)]
    pub bytes: i64,
    /// SHA-256 of the uploaded bytes, hex.
    #[schema(example = "9f2c8d0b6a1e4f7c3b5d9e8a7f6c5b4a3d2e1f0c9b8a7d6e5f4c3b2a1d0e9f8c")]
    pub sha256: String,
    #[schema(example = "Bộ trưởng Tô Lâm phát biểu tại Hội nghị AMCC7")]
    pub alt: Option<String>,
    #[schema(
        example = "Bộ trưởng Công an Tô Lâm tham dự Lễ khai mạc Hội nghị Bộ trưởng ASEAN về An ninh mạng ngày 20-10."
    )]
    pub caption: Option<String>,
    #[schema(example = "TTXVN")]
    pub credit: Option<String>,
    pub placeholder: Placeholder,
    /// The original, every metadata block (EXIF, GPS, XMP, IPTC) taken out.
    #[schema(example = "/media/3f9ac2d1e0b74a5f8c6d2e1f0a9b8c7d.jpg")]
    pub src: String,
    /// Widths 320, 640, 1024 and 1600 below the original's, in WebP and in the original's
    /// family (JPEG for photos, PNG for graphics).
    pub variants: Vec<MediaVariant>,
    /// Whether every variant is stored yet (they are made once, just after the upload; a
    /// variant asked for before is made on that request).
    #[schema(example = true)]
    pub variants_ready: bool,
    #[schema(example = 1)]
    pub version: i32,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

/// The wire form of an item.
pub fn build(row: &MediaRow, media: &Media, ctx: Ctx) -> MediaItem {
    let variants = planned_variants(row)
        .into_iter()
        .map(|(width, height, format)| MediaVariant {
            width,
            height,
            content_type: format.content_type(),
            url: media.store.url(&variant_file(row, width, format)),
        })
        .collect();
    MediaItem {
        id: row.id,
        width: row.width,
        height: row.height,
        content_type: format_of(row).content_type().to_owned(),
        bytes: row.bytes,
        sha256: row.sha256.clone(),
        alt: row.alt.clone(),
        caption: row.caption.clone(),
        credit: row.credit.clone(),
        placeholder: Placeholder {
            color: row.color.clone(),
            blurhash: row.blurhash.clone(),
        },
        src: media.store.url(&original_file(row)),
        variants,
        variants_ready: row.variants_done_at.is_some(),
        version: row.version,
        created_at: ctx.tz.render(row.created_at),
        updated_at: ctx.tz.render(row.updated_at),
    }
}
