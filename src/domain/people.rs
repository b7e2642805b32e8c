//! A person as editors write them, and the checks of their values.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::check::{text, Checks};
use super::key::Reference;
use super::kinds::AliasKind;

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

impl NewPerson {
    /// Checks every value, recording problems in `checks`, and normalizes the body in place
    /// (trimmed, empty texts absent, the country uppercased); returns the parsed kind of each
    /// alias, in order.
    pub fn validate(&mut self, checks: &mut Checks) -> Vec<AliasKind> {
        self.name = checks.name(&self.name, "/name", 300);
        checks.slug(self.slug.as_deref());
        self.country = checks.country(self.country.take());
        self.honorific = text(self.honorific.take());
        self.bio = text(self.bio.take());
        let mut kinds = Vec::new();
        for (i, alias) in self.aliases.iter_mut().enumerate() {
            let at = format!("/aliases/{i}");
            alias.name = checks.name(&alias.name, &format!("{at}/name"), 300);
            checks.language(&alias.language, &format!("{at}/language"));
            let kind = checks.kind(&format!("{at}/kind"), &alias.kind, AliasKind::parse);
            kinds.push(kind.unwrap_or(AliasKind::Other));
        }
        for (i, held) in self.positions.iter_mut().enumerate() {
            let at = format!("/positions/{i}");
            held.title = checks.name(&held.title, &format!("{at}/title"), 300);
            held.title_en = text(held.title_en.take());
            checks.span(held.starts_on, held.ends_on, &at, false);
        }
        kinds
    }
}
