//! The wire form of authors.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::Ctx;
use crate::db::authors::AuthorRow;
use crate::db::media::MediaRow;
use crate::domain::authors::AuthorLink;

/// An author as articles name them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorRef {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "nguyen-thu-ha")]
    pub slug: String,
    #[schema(example = "Nguyễn Thu Hà")]
    pub name: String,
}

impl From<&AuthorRow> for AuthorRef {
    fn from(row: &AuthorRow) -> Self {
        AuthorRef {
            id: row.id,
            slug: row.slug.clone(),
            name: row.name.clone(),
        }
    }
}

/// An author's picture, from the media library.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Avatar {
    /// The media item.
    #[schema(example = 12)]
    pub id: i64,
    #[schema(example = "/media/3f9ac2d1e0b74a5f8c6d2e1f0a9b8c7d-320.jpg")]
    pub src: String,
    #[schema(example = 320)]
    pub width: u32,
    #[schema(example = 320)]
    pub height: u32,
    /// The item's alt text, for the `<img alt>` of the picture.
    #[schema(example = "Chân dung phóng viên Nguyễn Thu Hà")]
    pub alt: Option<String>,
}

/// An author.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Author {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(required = false, example = "nguyen-thu-ha")]
    pub slug: String,
    #[schema(required = false, example = "Nguyễn Thu Hà")]
    pub name: String,
    #[schema(
        required = false,
        example = "Phóng viên thường trú TTXVN tại Singapore."
    )]
    pub bio: Option<String>,
    /// Absent when none was set, or the item was deleted or purged.
    #[schema(required = false)]
    pub avatar: Option<Avatar>,
    #[schema(required = false)]
    pub links: Vec<AuthorLink>,
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

pub fn build(row: AuthorRow, avatar: Option<&MediaRow>, ctx: Ctx) -> Author {
    super::keys::mark(&crate::domain::resources::AUTHOR, row.id);
    let avatar = avatar
        .filter(|m| m.deleted_at.is_none() && m.purged_at.is_none())
        .map(|m| {
            let shown = crate::media::rendition(m);
            Avatar {
                id: m.id,
                src: shown.src,
                width: shown.width,
                height: shown.height,
                alt: m.alt.clone(),
            }
        });
    Author {
        id: row.id,
        links: serde_json::from_str(&row.links).unwrap_or_default(),
        slug: row.slug,
        name: row.name,
        bio: row.bio,
        avatar,
        version: row.version,
        created_at: ctx.tz.render(row.created_at),
        updated_at: ctx.tz.render(row.updated_at),
    }
}
