//! People on the wire, with aliases and positions.

use crate::domain::resources;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use super::names::{name_in, shown, title_in};
use super::organizations::{Organization, RelatedOrganization};
use super::related::{embedded, related, related_enum};
use super::{Ctx, IncludeTree};
use crate::db::people::{self as db, AliasRow, PersonRefRow, PersonRow, PositionRow};
use crate::db::DbConnection;
use crate::domain::kinds::AliasKind;
use crate::domain::languages::Localized;
use crate::error::ApiError;
use std::collections::BTreeMap;

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
    /// The title in the person's `language`.
    #[schema(example = "Bộ trưởng Bộ Công an")]
    pub title: String,
    /// Deprecated: `titles.en`.
    #[schema(example = "Minister of Public Security", deprecated)]
    pub title_en: Option<String>,
    /// The title in the portal's other languages, by BCP 47 tag.
    #[schema(example = json!({"en": "Minister of Public Security"}))]
    pub titles: BTreeMap<String, String>,
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
    /// Display name in `language`, in the person's usual spelling.
    #[schema(required = false, example = "Tô Lâm")]
    pub name: String,
    /// Display names (and biographies, as `description`) in the portal's other languages.
    #[schema(required = false, example = json!({"zh": {"name": "苏林"}}))]
    pub names: BTreeMap<String, Localized>,
    /// The language `name`, `bio` and the positions' titles are in where the person has them
    /// in it: the one asked for (`lang`, `Accept-Language`), else the default.
    #[schema(required = false, example = "vi")]
    pub language: &'static str,
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

impl PersonRef {
    pub fn of(row: PersonRefRow, ctx: Ctx) -> PersonRef {
        PersonRef {
            id: row.id,
            slug: row.slug,
            name: name_in(ctx, row.name, &row.names),
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
    ctx: Ctx,
) -> Position {
    let (title, titles) = title_in(ctx, held.title, &held.titles);
    Position {
        organization,
        current: is_current(held.starts_on, held.ends_on, ctx.today()),
        title,
        title_en: titles.get("en").cloned(),
        titles,
        starts_on: held.starts_on,
        ends_on: held.ends_on,
    }
}

/// The wire form of one row, its aliases and positions already built.
pub fn build(row: PersonRow, aliases: Vec<Alias>, positions: Vec<Position>, ctx: Ctx) -> Person {
    super::keys::mark(&resources::PERSON, row.id);
    let shown = shown(ctx, row.name, row.bio, &row.names);
    Person {
        aliases,
        positions,
        id: row.id,
        slug: row.slug,
        name: shown.name,
        names: shown.names,
        language: shown.language,
        honorific: row.honorific,
        country: row.country,
        bio: shown.description,
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
    let mut positions: HashMap<i64, Vec<Position>> = HashMap::new();
    for p in held {
        let organization = p.organization_id.and_then(|id| orgs.get(&id).cloned());
        positions
            .entry(p.person_id)
            .or_default()
            .push(build_position(p, organization, ctx));
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
