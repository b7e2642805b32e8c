//! A section as editors write it.

use serde::Deserialize;
use utoipa::ToSchema;

use super::check::{max, text, Checks};
use super::key::Reference;
use super::languages::{Languages, Localized};
use std::collections::BTreeMap;

/// A section as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSection {
    /// Generated from the name when absent.
    #[schema(max_length = 128, example = "an-ninh-trat-tu")]
    pub slug: Option<String>,
    #[schema(max_length = 300, example = "An ninh - Trật tự")]
    pub name: String,
    #[schema(
        max_length = 5000,
        example = "Tin an ninh, trật tự và phòng chống tội phạm"
    )]
    pub description: Option<String>,
    /// Names and descriptions in the portal's other languages, by BCP 47 tag.
    #[serde(default)]
    #[schema(example = json!({"en": {"name": "Security and order"}}))]
    pub names: BTreeMap<String, Localized>,
    /// The section above it (id, slug or reference); none for a top-level section. At most 8
    /// levels, never a cycle.
    #[schema(example = "thoi-su")]
    pub parent: Option<Reference>,
    /// Its place among its siblings in the menu, smaller first (default 0).
    #[schema(minimum = -10000, maximum = 10000, example = 1)]
    pub position: Option<i32>,
}

impl NewSection {
    /// Checks every value, recording problems in `checks`; trims the texts in place.
    pub fn validate(&mut self, checks: &mut Checks, languages: &Languages) {
        self.name = checks.name(&self.name, "/name", max::NAME);
        checks.slug(self.slug.as_deref());
        self.description = text(self.description.take());
        if let Some(description) = &self.description {
            checks.length(description, "/description", max::PARAGRAPH);
        }
        let names = std::mem::take(&mut self.names);
        self.names = checks.names(names, "/names", languages, Some(max::PARAGRAPH));
        if self
            .position
            .is_some_and(|p| !(-10_000..=10_000).contains(&p))
        {
            checks.add("/position", "must be from -10000 to 10000");
        }
    }
}
