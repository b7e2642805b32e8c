//! An event as editors write it, and the checks of its values.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::check::{max, Checks};
use super::key::Reference;
use super::kinds::DatePrecision;
use super::languages::{Languages, Localized};
use std::collections::BTreeMap;

/// Someone who took part, and in what role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParticipant {
    /// The person: id, slug or reference.
    #[schema(example = "to-lam")]
    pub person: Reference,
    #[schema(max_length = 500, example = "Trưởng đoàn đại biểu Việt Nam")]
    pub role: Option<String>,
}

/// An event as written (`POST`, `PUT`; `PATCH` sends a merge patch of it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    #[schema(max_length = 128, example = "amcc8")]
    pub slug: Option<String>,
    #[schema(
        max_length = 300,
        example = "Hội nghị Bộ trưởng ASEAN về An ninh mạng lần thứ 8"
    )]
    pub name: String,
    /// Deprecated: `names.en.name`. Taken into it when `names` has no `en`; a value that
    /// differs from it is a 422.
    #[schema(
        max_length = 500,
        example = "8th ASEAN Ministerial Conference on Cybersecurity",
        deprecated
    )]
    pub name_en: Option<String>,
    /// Names and descriptions in the portal's other languages, by BCP 47 tag.
    #[serde(default)]
    #[schema(example = json!({"en": {"name": "8th ASEAN Ministerial Conference on Cybersecurity"}}))]
    pub names: BTreeMap<String, Localized>,
    #[schema(max_length = 300, example = "AMCC8")]
    pub short_name: Option<String>,
    #[schema(example = 8, minimum = 1)]
    pub edition: Option<i32>,
    #[schema(max_length = 500, example = "An ninh kỹ thuật số: Trách nhiệm chung")]
    pub theme: Option<String>,
    #[schema(max_length = 50000)]
    pub description: Option<String>,
    #[schema(example = "2023-10-18")]
    pub starts_on: Option<NaiveDate>,
    #[schema(example = "2023-10-19")]
    pub ends_on: Option<NaiveDate>,
    /// `day` (default), `month` or `year`.
    #[schema(example = "day")]
    pub date_precision: Option<String>,
    #[schema(max_length = 300, example = "Singapore")]
    pub city: Option<String>,
    #[schema(example = "SG")]
    pub country: Option<String>,
    /// The event this one is part of: id, slug or reference.
    #[schema(example = "sicw-2022")]
    pub parent: Option<Reference>,
    #[serde(default)]
    #[schema(max_items = 200, example = json!(["asean"]))]
    pub organizers: Vec<Reference>,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub participants: Vec<NewParticipant>,
}

impl NewEvent {
    /// Checks every value, recording problems in `checks`, and normalizes the body in place
    /// (trimmed, empty texts absent, the country uppercased); returns the parsed date precision.
    pub fn validate(&mut self, checks: &mut Checks, languages: &Languages) -> DatePrecision {
        self.name = checks.name(&self.name, "/name", max::NAME);
        checks.slug(self.slug.as_deref());
        self.country = checks.country(self.country.take());
        if self.edition.is_some_and(|e| e < 1) {
            checks.add("/edition", "must be 1 or more");
        }
        checks.span(self.starts_on, self.ends_on, "", true);
        let precision = match self.date_precision.as_deref() {
            None => Some(DatePrecision::Day),
            Some(p) => checks.kind("/date_precision", p, DatePrecision::parse),
        };
        self.names = checks.names_with_en(
            std::mem::take(&mut self.names),
            self.name_en.take(),
            languages,
        );
        self.short_name = checks.line(self.short_name.take(), "/short_name", max::NAME);
        self.theme = checks.line(self.theme.take(), "/theme", max::LINE);
        self.description = checks.prose(self.description.take(), "/description", max::TEXT);
        self.city = checks.line(self.city.take(), "/city", max::NAME);
        checks.items(self.organizers.len(), "/organizers", max::LINKS);
        if checks.items(self.participants.len(), "/participants", max::LINKS) {
            for (i, participant) in self.participants.iter_mut().enumerate() {
                let pointer = format!("/participants/{i}/role");
                participant.role = checks.line(participant.role.take(), &pointer, max::LINE);
            }
        }
        precision.unwrap_or(DatePrecision::Day)
    }
}
