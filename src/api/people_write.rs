//! Writes of `/api/v1/people`, with their aliases and positions.

use actix_web::{delete, patch, post, put};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::editing::{Checked, Editable};
use super::organizations_write::{check_country, check_name, check_slug, text};
use super::people::{represent, Person};
use super::query::IncludeTree;
use super::write::{reference, Reference};
use super::{to_value, Ctx, ItemResponse};
use crate::db::people::{self as db, AliasRow, NewPersonRow, PersonChanges, PositionRow};
use crate::db::slugs::Resource;
use crate::db::{DbConnection, Key};
use crate::domain::slug::slugify;
use crate::domain::text::{fold, search_key};
use crate::error::{ApiError, FieldError};

/// Another name or spelling.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAlias {
    #[schema(example = "Tiêu Chí Hiền")]
    pub name: String,
    /// BCP 47 language tag.
    #[schema(example = "vi")]
    pub language: String,
    /// `native`, `transliteration`, `misspelling` or `other`.
    #[schema(example = "transliteration")]
    pub kind: String,
}

/// A position held.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPosition {
    #[schema(example = "Bộ trưởng Bộ Công an")]
    pub title: String,
    #[schema(example = "Minister of Public Security")]
    pub title_en: Option<String>,
    /// The organization: id, slug or reference.
    #[schema(example = "bo-cong-an")]
    pub organization: Option<Reference>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Computed from the dates; accepted and ignored so that GET-edit-PUT works.
    pub current: Option<bool>,
}

/// A person as written (`POST`, `PUT`; `PATCH` sends a merge patch of it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    #[schema(example = "tim-watts")]
    pub slug: Option<String>,
    #[schema(example = "Tim Watts")]
    pub name: String,
    #[schema(example = "Đại tướng")]
    pub honorific: Option<String>,
    #[schema(example = "AU")]
    pub country: Option<String>,
    #[schema(example = "Trợ lý Ngoại trưởng Australia.")]
    pub bio: Option<String>,
    #[serde(default)]
    pub aliases: Vec<NewAlias>,
    #[serde(default)]
    pub positions: Vec<NewPosition>,
}

pub struct CheckedPerson {
    changes: PersonChanges,
    slug_given: bool,
    aliases: Vec<AliasRow>,
    positions: Vec<PositionRow>,
}

impl Checked for CheckedPerson {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

/// A BCP 47 language tag such as `vi`, `en` or `zh-Hant`.
pub fn language_ok(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The id of a live organization a body refers to, or an error at `pointer`.
pub fn organization_ref(
    conn: &mut DbConnection,
    value: Option<&Reference>,
    pointer: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Option<i64>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let Some(key) = reference(value) else {
        errors.push(FieldError::pointer(
            pointer,
            "must be an id, a slug or a reference",
        ));
        return Ok(None);
    };
    match crate::db::organizations::find(conn, &key)?.filter(|o| o.deleted_at.is_none()) {
        Some(org) => Ok(Some(org.id)),
        None => {
            errors.push(FieldError::pointer(
                pointer,
                format!("no organization `{key}`"),
            ));
            Ok(None)
        }
    }
}

pub struct People;

impl Editable for People {
    const RESOURCE: Resource = Resource::People;
    const NOUN: &'static str = "person";
    const READ_ONLY: &'static [&'static str] = &["id", "version", "created_at", "updated_at"];
    type Input = NewPerson;
    type Checked = CheckedPerson;

    crate::find_stored!(db);

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = db::find(conn, &Key::Id(id))?.ok_or_else(|| ApiError::not_found("person", id))?;
        let mut items = represent(conn, vec![row], &IncludeTree::default(), ctx)?;
        let person: Person = items
            .pop()
            .ok_or_else(|| ApiError::Internal("person vanished".into()))?;
        Ok((person.version, to_value(&person)?))
    }

    fn check(
        conn: &mut DbConnection,
        input: NewPerson,
        ctx: Ctx,
    ) -> Result<CheckedPerson, ApiError> {
        let mut errors = Vec::new();
        let name = check_name(&input.name, "/name", &mut errors);
        check_slug(&input.slug, &mut errors);
        let country = check_country(input.country, &mut errors);
        let mut aliases = Vec::new();
        for (i, alias) in input.aliases.into_iter().enumerate() {
            let alias_name = check_name(&alias.name, &format!("/aliases/{i}/name"), &mut errors);
            if !language_ok(&alias.language) {
                errors.push(FieldError::pointer(
                    format!("/aliases/{i}/language"),
                    "must be a BCP 47 tag such as vi",
                ));
            }
            if !["native", "transliteration", "misspelling", "other"].contains(&alias.kind.as_str())
            {
                errors.push(FieldError::pointer(
                    format!("/aliases/{i}/kind"),
                    "must be native, transliteration, misspelling or other",
                ));
            }
            aliases.push(AliasRow {
                person_id: 0,
                name: alias_name,
                language: alias.language,
                kind: alias.kind,
                position: i32::try_from(i).unwrap_or(i32::MAX),
            });
        }
        let mut positions = Vec::new();
        for (i, held) in input.positions.into_iter().enumerate() {
            let title = check_name(&held.title, &format!("/positions/{i}/title"), &mut errors);
            let organization_id = organization_ref(
                conn,
                held.organization.as_ref(),
                &format!("/positions/{i}/organization"),
                &mut errors,
            )?;
            if let (Some(start), Some(end)) = (held.starts_on, held.ends_on) {
                if end < start {
                    errors.push(FieldError::pointer(
                        format!("/positions/{i}/ends_on"),
                        "must not be before starts_on",
                    ));
                }
            }
            positions.push(PositionRow {
                person_id: 0,
                organization_id,
                title,
                title_en: text(held.title_en),
                starts_on: held.starts_on,
                ends_on: held.ends_on,
                position: i32::try_from(i).unwrap_or(i32::MAX),
            });
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(CheckedPerson {
            slug_given: input.slug.is_some(),
            changes: PersonChanges {
                slug: input.slug.unwrap_or_else(|| slugify(&name, "person")),
                search_key: search_key(
                    std::iter::once(name.as_str()).chain(aliases.iter().map(|a| a.name.as_str())),
                ),
                sort_key: fold(&name),
                name,
                honorific: text(input.honorific),
                country,
                bio: text(input.bio),
                updated_at: ctx.now,
            },
            aliases,
            positions,
        })
    }

    fn insert(conn: &mut DbConnection, checked: &CheckedPerson, ctx: Ctx) -> Result<i64, ApiError> {
        let c = checked.changes.clone();
        let id = db::insert(
            conn,
            &NewPersonRow {
                slug: c.slug,
                name: c.name,
                honorific: c.honorific,
                country: c.country,
                bio: c.bio,
                search_key: c.search_key,
                sort_key: c.sort_key,
                created_at: ctx.now,
                updated_at: ctx.now,
            },
        )?;
        db::replace_details(conn, id, &checked.aliases, &checked.positions)?;
        Ok(id)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedPerson,
        _ctx: Ctx,
    ) -> Result<bool, ApiError> {
        if !db::update(conn, id, expected, &checked.changes)? {
            return Ok(false);
        }
        db::replace_details(conn, id, &checked.aliases, &checked.positions)?;
        Ok(true)
    }

    fn soft_delete(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        now: NaiveDateTime,
    ) -> Result<bool, ApiError> {
        Ok(db::soft_delete(conn, id, expected, now)?)
    }
}

crate::write_routes! {
    editable: People,
    input: NewPerson,
    output: Person,
    tag: "people",
    collection: "/people",
    item: "/people/{id_or_slug}",
    example: "to-lam",
    create: (create_person, "Create a person, with aliases and positions."),
    replace: (replace_person, "Replace a person, aliases and positions included."),
    update: (update_person, "Change a person (JSON merge patch; `aliases` and `positions` are replaced whole)."),
    delete: (delete_person, "Delete a person (soft): they leave every list and reference."),
}
