//! A person as editors write them, and the checks of their values.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::check::{max, Checks};
use super::key::Reference;
use super::kinds::AliasKind;
use super::languages::{Languages, Localized};
use std::collections::BTreeMap;

/// Another name or spelling.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAlias {
    #[schema(max_length = 300, example = "Tiêu Chí Hiền")]
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
    #[schema(max_length = 300, example = "Bộ trưởng Bộ Công an")]
    pub title: String,
    /// Deprecated: `titles.en`. Taken into it when `titles` has no `en`; a value that differs
    /// from it is a 422.
    #[schema(max_length = 500, example = "Minister of Public Security", deprecated)]
    pub title_en: Option<String>,
    /// The title in the portal's other languages, by BCP 47 tag.
    #[serde(default)]
    #[schema(example = json!({"en": "Minister of Public Security"}))]
    pub titles: BTreeMap<String, String>,
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
    #[schema(max_length = 128, example = "tim-watts")]
    pub slug: Option<String>,
    #[schema(max_length = 300, example = "Tim Watts")]
    pub name: String,
    #[schema(max_length = 300, example = "Đại tướng")]
    pub honorific: Option<String>,
    #[schema(example = "AU")]
    pub country: Option<String>,
    #[schema(max_length = 50000, example = "Trợ lý Ngoại trưởng Australia.")]
    pub bio: Option<String>,
    /// The display name (and biography, as `description`) in the portal's other languages,
    /// by BCP 47 tag. Aliases stay what they are: other spellings the text may use.
    #[serde(default)]
    #[schema(example = json!({"zh": {"name": "黄循财"}}))]
    pub names: BTreeMap<String, Localized>,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub aliases: Vec<NewAlias>,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub positions: Vec<NewPosition>,
}

impl NewPerson {
    /// Checks every value, recording problems in `checks`, and normalizes the body in place
    /// (trimmed, empty texts absent, the country uppercased); returns the parsed kind of each
    /// alias, in order.
    pub fn validate(&mut self, checks: &mut Checks, languages: &Languages) -> Vec<AliasKind> {
        self.name = checks.name(&self.name, "/name", max::NAME);
        checks.slug(self.slug.as_deref());
        self.country = checks.country(self.country.take());
        self.honorific = checks.line(self.honorific.take(), "/honorific", max::NAME);
        self.bio = checks.prose(self.bio.take(), "/bio", max::TEXT);
        self.names = checks.names(
            std::mem::take(&mut self.names),
            "/names",
            languages,
            Some(max::TEXT),
        );
        let mut kinds = Vec::new();
        if !checks.items(self.aliases.len(), "/aliases", max::ENTRIES)
            | !checks.items(self.positions.len(), "/positions", max::ENTRIES)
        {
            return kinds;
        }
        for (i, alias) in self.aliases.iter_mut().enumerate() {
            let at = format!("/aliases/{i}");
            alias.name = checks.name(&alias.name, &format!("{at}/name"), max::NAME);
            checks.language(&alias.language, &format!("{at}/language"));
            let kind = checks.kind(&format!("{at}/kind"), &alias.kind, AliasKind::parse);
            kinds.push(kind.unwrap_or(AliasKind::Other));
        }
        for (i, held) in self.positions.iter_mut().enumerate() {
            let at = format!("/positions/{i}");
            held.title = checks.name(&held.title, &format!("{at}/title"), max::NAME);
            held.titles = checks.titles(
                std::mem::take(&mut held.titles),
                &format!("{at}/titles"),
                languages,
            );
            let english = held.titles.get("en").map(String::as_str);
            let pointer = format!("{at}/title_en");
            if let Some(title) =
                checks.deprecated_en(held.title_en.take(), english, &pointer, "titles.en")
            {
                held.titles.insert("en".into(), title);
            }
            checks.span(held.starts_on, held.ends_on, &at, false);
        }
        kinds
    }
}
