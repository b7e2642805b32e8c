//! An organization as editors write it, and the checks of its values.

use serde::Deserialize;
use utoipa::ToSchema;

use super::check::{max, Checks};
use super::key::Reference;
use super::kinds::OrganizationKind;
use super::languages::{Languages, Localized};
use std::collections::BTreeMap;

/// An organization as written (`POST`, `PUT`; `PATCH` sends a merge patch of it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    /// Generated from the name when absent.
    #[schema(max_length = 128, example = "bo-ngoai-giao-australia")]
    pub slug: Option<String>,
    #[schema(max_length = 300, example = "Bộ Ngoại giao Australia")]
    pub name: String,
    /// Deprecated: `names.en.name`. Taken into it when `names` has no `en`; a value that
    /// differs from it is a 422.
    #[schema(
        max_length = 500,
        example = "Department of Foreign Affairs and Trade",
        deprecated
    )]
    pub name_en: Option<String>,
    /// Names and descriptions in the portal's other languages, by BCP 47 tag.
    #[serde(default)]
    #[schema(example = json!({"en": {"name": "Department of Foreign Affairs and Trade"}}))]
    pub names: BTreeMap<String, Localized>,
    #[schema(max_length = 300, example = "DFAT")]
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
    #[schema(
        max_length = 50000,
        example = "Cơ quan phụ trách đối ngoại của Australia."
    )]
    pub description: Option<String>,
}

impl NewOrganization {
    /// Checks every value, recording problems in `checks`, and normalizes the body in place
    /// (trimmed, empty texts absent, the country uppercased); returns the parsed kind.
    pub fn validate(&mut self, checks: &mut Checks, languages: &Languages) -> OrganizationKind {
        self.name = checks.name(&self.name, "/name", max::NAME);
        checks.slug(self.slug.as_deref());
        let kind = checks.kind("/kind", &self.kind, OrganizationKind::parse);
        self.names = checks.names_with_en(
            std::mem::take(&mut self.names),
            self.name_en.take(),
            languages,
        );
        self.short_name = checks.line(self.short_name.take(), "/short_name", max::NAME);
        self.country = checks.country(self.country.take());
        self.description = checks.prose(self.description.take(), "/description", max::TEXT);
        kind.unwrap_or(OrganizationKind::Other)
    }
}
