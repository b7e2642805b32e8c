//! Writes of `/api/v1/organizations`.

use actix_web::{delete, patch, post, put};
use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::editing::{Checked, Editable};
use super::organizations::{represent, Organization, OrganizationKind};
use super::query::{parse_country, IncludeTree};
use super::write::{reference, Reference};
use super::{to_value, Ctx, ItemResponse};
use crate::db::organizations::{self as db, NewOrganizationRow, OrganizationChanges};
use crate::db::slugs::Resource;
use crate::db::{DbConnection, Key};
use crate::domain::slug::{is_valid, slugify};
use crate::domain::text::{fold, search_key};
use crate::error::{ApiError, FieldError};

/// An organization as written (`POST`, `PUT`; `PATCH` sends a merge patch of it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    /// Generated from the name when absent.
    #[schema(example = "bo-ngoai-giao-australia")]
    pub slug: Option<String>,
    #[schema(example = "Bộ Ngoại giao Australia")]
    pub name: String,
    #[schema(example = "Department of Foreign Affairs and Trade")]
    pub name_en: Option<String>,
    #[schema(example = "DFAT")]
    pub short_name: Option<String>,
    /// One of the kinds in `OrganizationKind`.
    #[schema(example = "ministry")]
    pub kind: String,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "AU")]
    pub country: Option<String>,
    /// The parent organization: id, slug or reference.
    #[schema(example = "asean")]
    pub parent: Option<Reference>,
    #[schema(example = "Cơ quan phụ trách đối ngoại của Australia.")]
    pub description: Option<String>,
}

pub struct CheckedOrganization {
    changes: OrganizationChanges,
    slug_given: bool,
}

impl Checked for CheckedOrganization {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

/// Trimmed text, `None` when empty.
pub fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Checks a name: 1 to 300 characters.
pub fn check_name(name: &str, pointer: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 300 {
        errors.push(FieldError::pointer(pointer, "must be 1 to 300 characters"));
    }
    name
}

/// Checks a given slug's shape.
pub fn check_slug(slug: &Option<String>, errors: &mut Vec<FieldError>) {
    if slug.as_deref().is_some_and(|s| !is_valid(s)) {
        errors.push(FieldError::pointer(
            "/slug",
            "must be lowercase letters, digits and single dashes, with a letter",
        ));
    }
}

/// Checks an optional country code, uppercasing it.
pub fn check_country(country: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let country = text(country)?;
    match parse_country(&country) {
        Ok(code) => Some(code),
        Err(message) => {
            errors.push(FieldError::pointer("/country", message));
            None
        }
    }
}

pub struct Organizations;

impl Editable for Organizations {
    const RESOURCE: Resource = Resource::Organizations;
    const NOUN: &'static str = "organization";
    const READ_ONLY: &'static [&'static str] = &["id", "version", "created_at", "updated_at"];
    type Input = NewOrganization;
    type Checked = CheckedOrganization;

    crate::find_stored!(db);

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row =
            db::find(conn, &Key::Id(id))?.ok_or_else(|| ApiError::not_found("organization", id))?;
        let mut items = represent(conn, vec![row], &IncludeTree::default(), ctx)?;
        let org: Organization = items
            .pop()
            .ok_or_else(|| ApiError::Internal("organization vanished".into()))?;
        Ok((org.version, to_value(&org)?))
    }

    fn check(
        conn: &mut DbConnection,
        input: NewOrganization,
        ctx: Ctx,
    ) -> Result<CheckedOrganization, ApiError> {
        let mut errors = Vec::new();
        let name = check_name(&input.name, "/name", &mut errors);
        check_slug(&input.slug, &mut errors);
        if !OrganizationKind::ALL.contains(&input.kind.as_str()) {
            errors.push(FieldError::pointer(
                "/kind",
                format!("must be one of: {}", OrganizationKind::ALL.join(", ")),
            ));
        }
        let country = check_country(input.country, &mut errors);
        let parent_id = match input.parent.as_ref() {
            None => None,
            Some(value) => match reference(value) {
                None => {
                    errors.push(FieldError::pointer(
                        "/parent",
                        "must be an id, a slug or a reference",
                    ));
                    None
                }
                Some(key) => match db::find(conn, &key)?.filter(|o| o.deleted_at.is_none()) {
                    None => {
                        errors.push(FieldError::pointer(
                            "/parent",
                            format!("no organization `{key}`"),
                        ));
                        None
                    }
                    Some(parent) => Some(parent.id),
                },
            },
        };
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let name_en = text(input.name_en);
        let short_name = text(input.short_name);
        Ok(CheckedOrganization {
            slug_given: input.slug.is_some(),
            changes: OrganizationChanges {
                slug: input.slug.unwrap_or_else(|| {
                    slugify(short_name.as_deref().unwrap_or(&name), "organization")
                }),
                search_key: search_key(
                    [
                        Some(name.as_str()),
                        name_en.as_deref(),
                        short_name.as_deref(),
                    ]
                    .into_iter()
                    .flatten(),
                ),
                sort_key: fold(&name),
                name,
                name_en,
                short_name,
                kind: input.kind,
                country,
                parent_id,
                description: text(input.description),
                updated_at: ctx.now,
            },
        })
    }

    fn insert(
        conn: &mut DbConnection,
        checked: &CheckedOrganization,
        ctx: Ctx,
    ) -> Result<i64, ApiError> {
        let c = checked.changes.clone();
        Ok(db::insert(
            conn,
            &NewOrganizationRow {
                slug: c.slug,
                name: c.name,
                name_en: c.name_en,
                short_name: c.short_name,
                kind: c.kind,
                country: c.country,
                parent_id: c.parent_id,
                description: c.description,
                search_key: c.search_key,
                sort_key: c.sort_key,
                created_at: ctx.now,
                updated_at: ctx.now,
            },
        )?)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedOrganization,
        _ctx: Ctx,
    ) -> Result<bool, ApiError> {
        if let Some(parent) = checked.changes.parent_id {
            if db::ancestors(conn, parent)?.contains(&id) {
                return Err(ApiError::Validation(vec![FieldError::pointer(
                    "/parent",
                    "would make the organization its own ancestor",
                )]));
            }
        }
        Ok(db::update(conn, id, expected, &checked.changes)?)
    }

    fn soft_delete(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        now: NaiveDateTime,
    ) -> Result<bool, ApiError> {
        Ok(db::soft_delete(conn, id, expected, now)?)
    }

    fn deletable(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
        match db::dependents(conn, id)? {
            (0, 0) => Ok(()),
            (sourced, held) => Err(ApiError::Conflict(format!(
                "still the source of {sourced} article(s) and the organization of {held} position(s)"
            ))),
        }
    }
}

crate::write_routes! {
    editable: Organizations,
    input: NewOrganization,
    output: Organization,
    tag: "organizations",
    collection: "/organizations",
    item: "/organizations/{id_or_slug}",
    example: "ttxvn",
    create: (create_organization, "Create an organization."),
    replace: (replace_organization, "Replace an organization."),
    update: (update_organization, "Change an organization (JSON merge patch)."),
    delete: (delete_organization, "Delete an organization (soft).\\n\\nRefused with 409 while it is an article's source or a position's organization."),
}
