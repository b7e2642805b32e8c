//! People on the wire, with aliases and positions.

use crate::domain::resources;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use super::organizations::{Organization, RelatedOrganization};
use super::related::{embedded, related, related_enum};
use super::{Ctx, IncludeTree};
use crate::db::people::{self as db, AliasRow, PersonRefRow, PersonRow, PositionRow};
use crate::db::DbConnection;
use crate::domain::kinds::AliasKind;
use crate::error::ApiError;

/// Another name or spelling of a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Alias {
    #[schema(example = "Tiêu Chí Hiền")]
    pub name: String,
    /// BCP 47 language tag.
    #[schema(example = "vi")]
    pub language: String,
    pub kind: AliasKind,
}

/// A position a person holds or held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Position {
    #[schema(example = "Bộ trưởng Bộ Công an")]
    pub title: String,
    #[schema(example = "Minister of Public Security")]
    pub title_en: Option<String>,
    /// Where (`include=positions` embeds the organization whole).
    pub organization: Option<RelatedOrganization>,
    /// Empty when unknown.
    #[schema(example = "2016-04-09")]
    pub starts_on: Option<NaiveDate>,
    /// Empty while the position is held (or when unknown).
    pub ends_on: Option<NaiveDate>,
    /// Whether the position is held today; empty when its dates are unknown.
    #[schema(example = true)]
    pub current: Option<bool>,
}

/// A person. Fields other than `id` can be left out with `fields`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(required = false, example = "to-lam")]
    pub slug: String,
    /// Display name, in the person's usual spelling.
    #[schema(required = false, example = "Tô Lâm")]
    pub name: String,
    /// A rank or form of address shown before the name.
    #[schema(required = false, example = "Đại tướng")]
    pub honorific: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(required = false, example = "VN")]
    pub country: Option<String>,
    #[schema(
        required = false,
        example = "Ủy viên Bộ Chính trị, Bộ trưởng Bộ Công an."
    )]
    pub bio: Option<String>,
    #[schema(required = false)]
    pub aliases: Vec<Alias>,
    #[schema(required = false)]
    pub positions: Vec<Position>,
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

/// A reference to a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRef {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "to-lam")]
    pub slug: String,
    #[schema(example = "Tô Lâm")]
    pub name: String,
}

impl From<PersonRefRow> for PersonRef {
    fn from(row: PersonRefRow) -> Self {
        PersonRef {
            id: row.id,
            slug: row.slug,
            name: row.name,
        }
    }
}

related_enum!(
    RelatedPerson,
    PersonRef,
    Person,
    "A person: a reference, or the full person when included."
);

/// Held today: started (or no known start) and not ended. With neither date known, nobody can
/// tell, and the answer is empty rather than a guess.
pub fn is_current(
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<bool> {
    match (starts_on, ends_on) {
        (None, None) => None,
        (start, end) => Some(start.is_none_or(|s| s <= today) && end.is_none_or(|e| e >= today)),
    }
}

/// The wire form of one position, its organization already loaded.
pub fn build_position(
    held: PositionRow,
    organization: Option<RelatedOrganization>,
    today: NaiveDate,
) -> Position {
    Position {
        organization,
        current: is_current(held.starts_on, held.ends_on, today),
        title: held.title,
        title_en: held.title_en,
        starts_on: held.starts_on,
        ends_on: held.ends_on,
    }
}

/// The wire form of one row, its aliases and positions already built.
pub fn build(row: PersonRow, aliases: Vec<Alias>, positions: Vec<Position>, ctx: Ctx) -> Person {
    super::keys::mark(&resources::PERSON, row.id);
    Person {
        aliases,
        positions,
        id: row.id,
        slug: row.slug,
        name: row.name,
        honorific: row.honorific,
        country: row.country,
        bio: row.bio,
        version: row.version,
        created_at: ctx.tz.render(row.created_at),
        updated_at: ctx.tz.render(row.updated_at),
    }
}

fn alias(row: AliasRow) -> Alias {
    Alias {
        name: row.name,
        language: row.language,
        kind: row.kind,
    }
}

/// People with aliases, positions and the positions' organizations, one query each.
pub fn load(
    conn: &mut DbConnection,
    rows: Vec<PersonRow>,
    include: &IncludeTree,
    ctx: Ctx,
) -> Result<Vec<Person>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut aliases: HashMap<i64, Vec<Alias>> = HashMap::new();
    for row in db::aliases(conn, &ids)? {
        aliases.entry(row.person_id).or_default().push(alias(row));
    }
    let held = db::positions(conn, &ids)?;
    let org_ids: Vec<i64> = held.iter().filter_map(|p| p.organization_id).collect();
    let orgs = related::<Organization>(conn, &org_ids, include.get("positions"), ctx)?;
    let today = ctx.today();
    let mut positions: HashMap<i64, Vec<Position>> = HashMap::new();
    for p in held {
        let organization = p.organization_id.and_then(|id| orgs.get(&id).cloned());
        positions
            .entry(p.person_id)
            .or_default()
            .push(build_position(p, organization, today));
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            build(
                row,
                aliases.remove(&id).unwrap_or_default(),
                positions.remove(&id).unwrap_or_default(),
                ctx,
            )
        })
        .collect())
}

embedded!(Person, PersonRef, RelatedPerson, db, resources::PERSON);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_without_dates_is_not_known_to_be_current() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        assert_eq!(is_current(None, None, today), None);
        assert_eq!(
            is_current(NaiveDate::from_ymd_opt(2016, 4, 9), None, today),
            Some(true)
        );
        assert_eq!(
            is_current(None, NaiveDate::from_ymd_opt(2020, 1, 1), today),
            Some(false)
        );
    }
}
