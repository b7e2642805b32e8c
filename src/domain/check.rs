//! Checks of the values a body carries, shared by every resource: each check returns the value
//! as it will be stored (trimmed, uppercased, parsed) and records what is wrong at its JSON
//! Pointer, so that one 422 names every bad field at once.

use crate::error::FieldError;

use super::slug::is_valid;

/// The documented bound of every text (in characters) and every list (in items) a body carries;
/// past one a write is a 422 naming the field. The spec carries the same numbers (`maxLength`,
/// `maxItems`, checked by `openapi::tests`). They keep one write cheap: the largest article is a
/// few hundred rows to link and a few MiB to render, whatever its sender intends.
pub mod max {
    /// Names: people, organizations, events, tags, aliases, positions.
    pub const NAME: usize = 300;
    /// Other one-line texts: titles, English names, short names, bylines, captions' credits.
    pub const LINE: usize = 500;
    /// A lead, a caption, a theme.
    pub const PARAGRAPH: usize = 5_000;
    /// Long texts: a block's text, a description, a biography.
    pub const TEXT: usize = 50_000;
    /// A URL or site path.
    pub const URL: usize = 2_048;
    /// Blocks in an article's body.
    pub const BLOCKS: usize = 1_000;
    /// Tags on an article.
    pub const TAGS: usize = 50;
    /// Events, people or organizations linked from one article or event (each list).
    pub const LINKS: usize = 200;
    /// Aliases or positions of one person (each list).
    pub const ENTRIES: usize = 100;
}

/// The problems found in one body so far.
#[derive(Debug, Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn add(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::pointer(pointer, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was found wrong, else the 422 naming every problem.
    pub fn into_result(self) -> Result<(), crate::error::ApiError> {
        match self.0.is_empty() {
            true => Ok(()),
            false => Err(crate::error::ApiError::Validation(self.0)),
        }
    }

    /// The parsed value, or `None` with the message recorded at `pointer`.
    pub fn check<T>(&mut self, pointer: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(pointer, message);
                None
            }
        }
    }

    /// A name or title: trimmed, 1 to `max` characters, on one line.
    /// The bound applies to the text as sent, before trimming: what the spec's `maxLength` says.
    pub fn name(&mut self, value: &str, pointer: &str, max: usize) -> String {
        let sent_too_long = value.chars().nth(max).is_some();
        let value = value.trim().to_owned();
        if value.is_empty() || sent_too_long {
            self.add(pointer, format!("must be 1 to {max} characters"));
        } else if !single_line(&value) {
            self.add(pointer, SINGLE_LINE);
        }
        value
    }

    /// An optional one-line text: trimmed (`None` when empty), at most `max` characters, no
    /// control characters.
    pub fn line(&mut self, value: Option<String>, pointer: &str, max: usize) -> Option<String> {
        let sent_too_long = value
            .as_deref()
            .is_some_and(|v| v.chars().nth(max).is_some());
        let value = text(value)?;
        if sent_too_long {
            self.add(pointer, format!("must be at most {max} characters"));
        } else if !single_line(&value) {
            self.add(pointer, SINGLE_LINE);
        }
        Some(value)
    }

    /// An optional text that may span lines: trimmed (`None` when empty), at most `max`
    /// characters.
    pub fn prose(&mut self, value: Option<String>, pointer: &str, max: usize) -> Option<String> {
        if let Some(sent) = &value {
            self.length(sent, pointer, max);
        }
        text(value)
    }

    /// A text of at most `max` characters (counted only as far as needed).
    pub fn length(&mut self, value: &str, pointer: &str, max: usize) {
        if value.len() > max && value.chars().nth(max).is_some() {
            self.add(pointer, format!("must be at most {max} characters"));
        }
    }

    /// A list of at most `max` items; `false` when it is longer (its items are then not worth
    /// checking one by one).
    pub fn items(&mut self, len: usize, pointer: &str, max: usize) -> bool {
        let fits = len <= max;
        if !fits {
            self.add(pointer, format!("must have at most {max} items"));
        }
        fits
    }

    /// A slug the caller chose: the shape `slugify` produces.
    pub fn slug(&mut self, slug: Option<&str>) {
        if slug.is_some_and(|s| !is_valid(s)) {
            self.add(
                "/slug",
                "must be lowercase letters, digits and single dashes, with a letter",
            );
        }
    }

    /// An optional ISO 3166-1 alpha-2 code, uppercased.
    pub fn country(&mut self, country: Option<String>) -> Option<String> {
        let country = text(country)?;
        self.check("/country", parse_country(&country))
    }

    /// A BCP 47 language tag such as `vi`, `en` or `zh-Hant`.
    pub fn language(&mut self, tag: &str, pointer: &str) {
        if !language_ok(tag) {
            self.add(pointer, "must be a BCP 47 tag such as vi or en");
        }
    }

    /// A stored enum's text (`domain::kinds`).
    pub fn kind<T>(
        &mut self,
        pointer: &str,
        value: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.check(pointer, parse(value))
    }

    /// A span of days: an end needs a start and may not come before it.
    pub fn span(
        &mut self,
        starts_on: Option<chrono::NaiveDate>,
        ends_on: Option<chrono::NaiveDate>,
        at: &str,
        start_needed: bool,
    ) {
        if let (Some(start), Some(end)) = (starts_on, ends_on) {
            if end < start {
                self.add(format!("{at}/ends_on"), "must not be before starts_on");
            }
        }
        if start_needed && ends_on.is_some() && starts_on.is_none() {
            self.add(format!("{at}/starts_on"), "is needed when ends_on is given");
        }
        for (field, day) in [("starts_on", starts_on), ("ends_on", ends_on)] {
            if day.is_some_and(|day| !date_in_range(day)) {
                self.add(format!("{at}/{field}"), DATE_RANGE);
            }
        }
    }
}

/// What a date in a body must be, said once.
pub const DATE_RANGE: &str = "must be from 1900-01-01 to 9999-12-31";

/// Dates a body may carry: 1900-01-01 to 9999-12-31 (UTC for instants). Earlier ones are
/// typing mistakes on a news portal, and before 1906 the portal's zone had a local mean time
/// whose offset RFC 3339 cannot write.
pub fn date_in_range(day: chrono::NaiveDate) -> bool {
    let first = chrono::NaiveDate::from_ymd_opt(1900, 1, 1);
    let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31);
    first.is_some_and(|first| day >= first) && last.is_some_and(|last| day <= last)
}

/// Trimmed text, `None` when empty.
pub fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// What a single-line text field must be, said once.
pub const SINGLE_LINE: &str =
    "must be one line without control characters (no newline, tab or escape sequence)";

/// No control characters (newlines, tabs, `ESC`, C1 codes): a name is shown on one line, in
/// terminals too, where an escape sequence would rewrite what an operator sees.
pub fn single_line(value: &str) -> bool {
    !value.chars().any(char::is_control)
}

/// An ISO 3166-1 alpha-2 country code (`VN`, `SG`); lowercase is accepted.
pub fn parse_country(value: &str) -> Result<String, String> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(value.to_ascii_uppercase())
    } else {
        Err("must be an ISO 3166-1 alpha-2 country code such as VN".to_owned())
    }
}

/// A BCP 47 language tag such as `vi`, `en` or `zh-Hant`.
pub fn language_ok(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_record_pointers_and_return_stored_values() {
        let mut checks = Checks::default();
        assert_eq!(checks.name("  Tô Lâm ", "/name", 300), "Tô Lâm");
        assert_eq!(checks.country(Some("sg".into())), Some("SG".into()));
        assert!(checks.is_empty());
        checks.name(" ", "/name", 300);
        // The bound is on what was sent (the spec's maxLength), not on what trimming leaves.
        checks.name(&format!("\u{c}{}", "n".repeat(300)), "/name", 300);
        checks.name("Tô\nLâm", "/name", 300);
        checks.name("\u{1b}[31mTô Lâm", "/name", 300);
        assert!(single_line("Tô Lâm (TTXVN)") && !single_line("a\tb") && !single_line("\u{85}"));
        checks.country(Some("Singapore".into()));
        checks.language("VI", "/language");
        let pointers: Vec<_> = checks.0.iter().filter_map(|e| e.pointer.clone()).collect();
        assert_eq!(
            pointers,
            ["/name", "/name", "/name", "/name", "/country", "/language"]
        );
        assert!(language_ok("zh-Hant") && !language_ok("v"));
    }
}
