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

impl NewOrganization {
    /// Checks every value, recording problems in `checks`, and normalizes the body in place
    /// (trimmed, empty texts absent, the country uppercased); returns the parsed kind.
    pub fn validate(&mut self, checks: &mut Checks) -> OrganizationKind {
        self.name = checks.name(&self.name, "/name", 300);
        checks.slug(self.slug.as_deref());
        let kind = checks.kind("/kind", &self.kind, OrganizationKind::parse);
        self.name_en = text(self.name_en.take());
        self.short_name = text(self.short_name.take());
        self.country = checks.country(self.country.take());
        self.description = text(self.description.take());
        kind.unwrap_or(OrganizationKind::Other)
    }
}
