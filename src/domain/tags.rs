//! A tag as editors write it, and as articles carry it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::check::{max, Checks};
use super::languages::{Languages, Localized};
use std::collections::BTreeMap;

/// A tag on an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagRef {
    #[schema(example = "an-ninh-mang")]
    pub slug: String,
    #[schema(example = "An ninh mạng")]
    pub name: String,
}

/// A tag as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    /// Generated from the name when absent.
    #[schema(max_length = 128, example = "chuyen-doi-so")]
    pub slug: Option<String>,
    #[schema(max_length = 300, example = "Chuyển đổi số")]
    pub name: String,
    /// Names in the portal's other languages, by BCP 47 tag (tags have no description).
    #[serde(default)]
    #[schema(example = json!({"en": {"name": "Digital transformation"}}))]
    pub names: BTreeMap<String, Localized>,
}

impl NewTag {
    /// Checks every value, recording problems in `checks`, and trims the name in place.
    pub fn validate(&mut self, checks: &mut Checks, languages: &Languages) {
        self.name = checks.name(&self.name, "/name", max::NAME);
        self.names = checks.names(std::mem::take(&mut self.names), "/names", languages, None);
        checks.slug(self.slug.as_deref());
    }
}
