//! An event as editors write it, and the checks of its values.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::check::{text, Checks};
use super::key::Reference;
use super::kinds::DatePrecision;

/// Someone who took part, and in what role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParticipant {
    /// The person: id, slug or reference.
    #[schema(example = "to-lam")]
    pub person: Reference,
    #[schema(example = "Trưởng đoàn đại biểu Việt Nam")]
    pub role: Option<String>,
}

/// An event as written (`POST`, `PUT`; `PATCH` sends a merge patch of it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    #[schema(example = "amcc8")]
    pub slug: Option<String>,
    #[schema(example = "Hội nghị Bộ trưởng ASEAN về An ninh mạng lần thứ 8")]
    pub name: String,
    #[schema(example = "8th ASEAN Ministerial Conference on Cybersecurity")]
    pub name_en: Option<String>,
    #[schema(example = "AMCC8")]
    pub short_name: Option<String>,
    #[schema(example = 8, minimum = 1)]
    pub edition: Option<i32>,
    #[schema(example = "An ninh kỹ thuật số: Trách nhiệm chung")]
    pub theme: Option<String>,
    pub description: Option<String>,
    #[schema(example = "2023-10-18")]
    pub starts_on: Option<NaiveDate>,
    #[schema(example = "2023-10-19")]
    pub ends_on: Option<NaiveDate>,
    /// `day` (default), `month` or `year`.
    #[schema(example = "day")]
    pub date_precision: Option<String>,
    #[schema(example = "Singapore")]
    pub city: Option<String>,
    #[schema(example = "SG")]
    pub country: Option<String>,
    /// The event this one is part of: id, slug or reference.
    #[schema(example = "sicw-2022")]
    pub parent: Option<Reference>,
    #[serde(default)]
    #[schema(example = json!(["asean"]))]
    pub organizers: Vec<Reference>,
    #[serde(default)]
    pub participants: Vec<NewParticipant>,
}

impl NewEvent {
    /// Checks every value, recording problems in `checks`, and normalizes the body in place
    /// (trimmed, empty texts absent, the country uppercased); returns the parsed date precision.
    pub fn validate(&mut self, checks: &mut Checks) -> DatePrecision {
        self.name = checks.name(&self.name, "/name", 300);
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
        for text_field in [
            &mut self.name_en,
            &mut self.short_name,
            &mut self.theme,
            &mut self.description,
            &mut self.city,
        ] {
            *text_field = text(text_field.take());
        }
        for participant in &mut self.participants {
            participant.role = text(participant.role.take());
        }
        precision.unwrap_or(DatePrecision::Day)
    }
}
