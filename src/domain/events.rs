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

/// An event whose values passed their checks (when the `Checks` stayed empty); its parent,
/// organizers and participants are still to be resolved.
#[derive(Debug)]
pub struct ValidEvent {
    pub slug: Option<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub short_name: Option<String>,
    pub edition: Option<i32>,
    pub theme: Option<String>,
    pub description: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub date_precision: DatePrecision,
    pub city: Option<String>,
    pub country: Option<String>,
    pub parent: Option<Reference>,
    pub organizers: Vec<Reference>,
    /// The person and the role, trimmed.
    pub participants: Vec<(Reference, Option<String>)>,
}

impl NewEvent {
    /// Checks every value, recording problems in `checks`.
    pub fn validate(self, checks: &mut Checks) -> ValidEvent {
        let name = checks.name(&self.name, "/name", 300);
        checks.slug(self.slug.as_deref());
        let country = checks.country(self.country);
        if self.edition.is_some_and(|e| e < 1) {
            checks.add("/edition", "must be 1 or more");
        }
        checks.span(self.starts_on, self.ends_on, "", true);
        let date_precision = match self.date_precision.as_deref() {
            None => Some(DatePrecision::Day),
            Some(p) => checks.kind("/date_precision", p, DatePrecision::parse),
        };
        ValidEvent {
            slug: self.slug,
            name,
            name_en: text(self.name_en),
            short_name: text(self.short_name),
            edition: self.edition,
            theme: text(self.theme),
            description: text(self.description),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            date_precision: date_precision.unwrap_or(DatePrecision::Day),
            city: text(self.city),
            country,
            parent: self.parent,
            organizers: self.organizers,
            participants: self
                .participants
                .into_iter()
                .map(|p| (p.person, text(p.role)))
                .collect(),
        }
    }
}
