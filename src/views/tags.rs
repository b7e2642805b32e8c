//! Tags on the wire.

use crate::domain::resources;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::names::{name_in, shown};
use super::Ctx;
use crate::db::tags::TagRow;
use crate::domain::languages::Localized;
use std::collections::BTreeMap;

/// A tag and how many public articles carry it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tag {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(required = false, example = "an-ninh-mang")]
    pub slug: String,
    #[schema(required = false, example = "An ninh mạng")]
    pub name: String,
    /// Names in the portal's other languages, by BCP 47 tag.
    #[schema(required = false, example = json!({"en": {"name": "Cybersecurity"}}))]
    pub names: BTreeMap<String, Localized>,
    /// The language `name` is in: the one asked for (`lang`, `Accept-Language`) when the item
    /// has a name in it, else the default.
    #[schema(required = false, example = "vi")]
    pub language: &'static str,

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

/// A tag as articles carry it, named in `ctx`'s language.
pub fn reference(row: TagRow, ctx: Ctx) -> TagRef {
    TagRef {
        slug: row.slug,
        name: name_in(ctx, row.name, &row.names),
    }
}

/// The wire form of a tag with its public article count.
pub fn build(row: TagRow, article_count: i64, ctx: Ctx) -> Tag {
    super::keys::mark(&resources::TAG, row.id);
    let shown = shown(ctx, row.name, None, &row.names);
    Tag {
        id: row.id,
        slug: row.slug,
        name: shown.name,
        names: shown.names,
        language: shown.language,
        article_count,
        version: row.version,
        created_at: ctx.tz.render(row.created_at),
        updated_at: ctx.tz.render(row.updated_at),
    }
}
