//! Organizations on the wire.

use crate::domain::resources;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::names::{english, name_in, shown};
use super::related::{embedded, related, related_enum};
use super::{Ctx, IncludeTree};
use crate::db::organizations::{self as db, OrganizationRefRow, OrganizationRow};
use crate::db::DbConnection;
use crate::domain::kinds::OrganizationKind;
use crate::domain::languages::Localized;
use crate::error::ApiError;
use std::collections::BTreeMap;

/// An organization. Fields other than `id` can be left out with `fields`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(required = false, example = "ttxvn")]
    pub slug: String,
    /// The name in `language`.
    #[schema(required = false, example = "Thông tấn xã Việt Nam")]
    pub name: String,
    /// Deprecated: `names.en.name`.
    #[schema(required = false, example = "Vietnam News Agency", deprecated)]
    pub name_en: Option<String>,
    /// Names and descriptions in the portal's other languages, by BCP 47 tag.
    #[schema(required = false, example = json!({"en": {"name": "Vietnam News Agency"}}))]
    pub names: BTreeMap<String, Localized>,
    /// The language `name` (and, where given in it, `description`) is in: the one asked for
    /// (`lang`, `Accept-Language`) when the item has a name in it, else the default.
    #[schema(required = false, example = "vi")]
    pub language: &'static str,

    #[schema(required = false, example = "TTXVN")]
    pub short_name: Option<String>,
    #[schema(required = false)]
    pub kind: OrganizationKind,
    /// ISO 3166-1 alpha-2.
    #[schema(required = false, example = "VN")]
    pub country: Option<String>,
    /// The organization this one belongs to (`include=parent` embeds it whole).
    #[schema(required = false)]
    pub parent: Option<RelatedOrganization>,
    #[schema(required = false, example = "Cơ quan thông tấn quốc gia")]
    pub description: Option<String>,
    /// Increments on every content change.
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

/// A reference to an organization.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRef {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = "ttxvn")]
    pub slug: String,
    #[schema(example = "Thông tấn xã Việt Nam")]
    pub name: String,
    #[schema(example = "TTXVN")]
    pub short_name: Option<String>,
}

impl OrganizationRef {
    pub fn of(row: OrganizationRefRow, ctx: Ctx) -> OrganizationRef {
        OrganizationRef {
            id: row.id,
            slug: row.slug,
            name: name_in(ctx, row.name, &row.names),
            short_name: row.short_name,
        }
    }
}

related_enum!(
    RelatedOrganization,
    OrganizationRef,
    Organization,
    "An organization: a reference, or the full organization when included."
);

/// The wire form of one row, its parent already loaded.
pub fn build(row: OrganizationRow, parent: Option<RelatedOrganization>, ctx: Ctx) -> Organization {
    super::keys::mark(&resources::ORGANIZATION, row.id);
    let shown = shown(ctx, row.name, row.description, &row.names);
    Organization {
        parent,
        id: row.id,
        slug: row.slug,
        name: shown.name,
        name_en: english(&shown.names),
        names: shown.names,
        language: shown.language,
        short_name: row.short_name,
        kind: row.kind,
        country: row.country,
        description: shown.description,
        version: row.version,
        created_at: ctx.tz.render(row.created_at),
        updated_at: ctx.tz.render(row.updated_at),
    }
}

/// Organizations with their parents (one query), embedded whole where `include` asks.
pub fn load(
    conn: &mut DbConnection,
    rows: Vec<OrganizationRow>,
    include: &IncludeTree,
    ctx: Ctx,
) -> Result<Vec<Organization>, ApiError> {
    let parent_ids: Vec<i64> = rows.iter().filter_map(|r| r.parent_id).collect();
    let parents = related::<Organization>(conn, &parent_ids, include.get("parent"), ctx)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let parent = row.parent_id.and_then(|id| parents.get(&id).cloned());
            build(row, parent, ctx)
        })
        .collect())
}

embedded!(
    Organization,
    OrganizationRef,
    RelatedOrganization,
    db,
    resources::ORGANIZATION
);
