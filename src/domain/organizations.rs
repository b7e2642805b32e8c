//! An organization as editors write it, and the checks of its values.

use serde::Deserialize;
use utoipa::ToSchema;

use super::check::{text, Checks};
use super::key::Reference;
use super::kinds::OrganizationKind;

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

/// An organization whose values passed their checks (when the `Checks` stayed empty); its
/// parent is still to be resolved.
#[derive(Debug)]
pub struct ValidOrganization {
    pub slug: Option<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub short_name: Option<String>,
    pub kind: OrganizationKind,
    pub country: Option<String>,
    pub parent: Option<Reference>,
    pub description: Option<String>,
}

impl NewOrganization {
    /// Checks every value, recording problems in `checks`.
    pub fn validate(self, checks: &mut Checks) -> ValidOrganization {
        let name = checks.name(&self.name, "/name", 300);
        checks.slug(self.slug.as_deref());
        let kind = checks.kind("/kind", &self.kind, OrganizationKind::parse);
        ValidOrganization {
            slug: self.slug,
            name,
            name_en: text(self.name_en),
            short_name: text(self.short_name),
            kind: kind.unwrap_or(OrganizationKind::Other),
            country: checks.country(self.country),
            parent: self.parent,
            description: text(self.description),
        }
    }
}
