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

/// An alias whose values passed their checks.
#[derive(Debug)]
pub struct ValidAlias {
    pub name: String,
    pub language: String,
    pub kind: AliasKind,
}

/// A position whose values passed their checks; its organization is still to be resolved.
#[derive(Debug)]
pub struct ValidPosition {
    pub title: String,
    pub title_en: Option<String>,
    pub organization: Option<Reference>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

/// A person whose values passed their checks (when the `Checks` stayed empty).
#[derive(Debug)]
pub struct ValidPerson {
    pub slug: Option<String>,
    pub name: String,
    pub honorific: Option<String>,
    pub country: Option<String>,
    pub bio: Option<String>,
    pub aliases: Vec<ValidAlias>,
    pub positions: Vec<ValidPosition>,
}

impl NewPerson {
    /// Checks every value, recording problems in `checks`.
    pub fn validate(self, checks: &mut Checks) -> ValidPerson {
        let name = checks.name(&self.name, "/name", 300);
        checks.slug(self.slug.as_deref());
        let country = checks.country(self.country);
        let mut aliases = Vec::new();
        for (i, alias) in self.aliases.into_iter().enumerate() {
            let at = format!("/aliases/{i}");
            let alias_name = checks.name(&alias.name, &format!("{at}/name"), 300);
            checks.language(&alias.language, &format!("{at}/language"));
            if let Some(kind) = checks.kind(&format!("{at}/kind"), &alias.kind, AliasKind::parse) {
                aliases.push(ValidAlias {
                    name: alias_name,
                    language: alias.language,
                    kind,
                });
            }
        }
        let mut positions = Vec::new();
        for (i, held) in self.positions.into_iter().enumerate() {
            let at = format!("/positions/{i}");
            let title = checks.name(&held.title, &format!("{at}/title"), 300);
            checks.span(held.starts_on, held.ends_on, &at, false);
            positions.push(ValidPosition {
                title,
                title_en: text(held.title_en),
                organization: held.organization,
                starts_on: held.starts_on,
                ends_on: held.ends_on,
            });
        }
        ValidPerson {
            slug: self.slug,
            name,
            honorific: text(self.honorific),
            country,
            bio: text(self.bio),
            aliases,
            positions,
        }
    }
}
