//! The wire form of sections.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::names::{name_in, shown};
use super::Ctx;
use crate::db::sections::SectionRow;
use crate::domain::languages::Localized;
use std::collections::BTreeMap;

/// A section as other items name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionRef {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "thoi-su")]
    pub slug: String,
    #[schema(example = "Thời sự")]
    pub name: String,
}

impl SectionRef {
    /// A section as other items name it, in `ctx`'s language.
    pub fn of(row: &SectionRow, ctx: Ctx) -> SectionRef {
        SectionRef {
            id: row.id,
            slug: row.slug.clone(),
            name: name_in(ctx, row.name.clone(), &row.names),
        }
    }
}

/// A section of the portal's menu.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Section {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(required = false, example = "an-ninh-trat-tu")]
    pub slug: String,
    #[schema(required = false, example = "An ninh - Trật tự")]
    pub name: String,
    /// Names and descriptions in the portal's other languages, by BCP 47 tag.
    #[schema(required = false, example = json!({"en": {"name": "Security and order"}}))]
    pub names: BTreeMap<String, Localized>,
    /// The language `name` is in: the one asked for (`lang`, `Accept-Language`) when the item
    /// has a name in it, else the default.
    #[schema(required = false, example = "vi")]
    pub language: &'static str,

    #[schema(
        required = false,
        example = "Tin an ninh, trật tự và phòng chống tội phạm"
    )]
    pub description: Option<String>,
    /// The section above it (none: a top-level section).
    #[schema(required = false)]
    pub parent: Option<SectionRef>,
    /// Its place among its siblings in the menu (smaller first).
    #[schema(required = false, example = 1)]
    pub position: i32,
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

pub fn build(row: SectionRow, parent: Option<SectionRef>, ctx: Ctx) -> Section {
    super::keys::mark(&crate::domain::resources::SECTION, row.id);
    if let Some(parent) = &parent {
        super::keys::mark(&crate::domain::resources::SECTION, parent.id);
    }
    let shown = shown(ctx, row.name, row.description, &row.names);
    Section {
        id: row.id,
        slug: row.slug,
        name: shown.name,
        names: shown.names,
        language: shown.language,
        description: shown.description,
        parent,
        position: row.position,
        version: row.version,
        created_at: ctx.tz.render(row.created_at),
        updated_at: ctx.tz.render(row.updated_at),
    }
}
