//! Tags on the wire.

use crate::domain::resources;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::Ctx;
use crate::db::tags::TagRow;

/// A tag and how many public articles carry it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tag {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(required = false, example = "an-ninh-mang")]
    pub slug: String,
    #[schema(required = false, example = "An ninh mạng")]
    pub name: String,
    /// Published, visible articles with this tag.
    #[schema(required = false, example = 1, minimum = 0)]
    pub article_count: i64,
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

pub use crate::domain::tags::TagRef;

impl From<TagRow> for TagRef {
    fn from(row: TagRow) -> Self {
        TagRef {
            slug: row.slug,
            name: row.name,
        }
    }
}

/// The wire form of a tag with its public article count.
pub fn build(row: TagRow, article_count: i64, ctx: Ctx) -> Tag {
    super::keys::mark(&resources::TAG, row.id);
    Tag {
        id: row.id,
        slug: row.slug,
        name: row.name,
        article_count,
        version: row.version,
        created_at: ctx.tz.render(row.created_at),
        updated_at: ctx.tz.render(row.updated_at),
    }
}
