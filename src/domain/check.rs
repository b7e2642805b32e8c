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
        } else if let Err(problem) = one_line(&value) {
            self.add(pointer, problem);
        } else if !has_base_character(&value) {
            self.add(pointer, NO_BASE);
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
        } else if let Err(problem) = one_line(&value) {
            self.add(pointer, problem);
        } else if !has_base_character(&value) {
            self.add(pointer, NO_BASE);
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

/// What a one-line text must not hold, said once each.
pub const NO_BIDI: &str = "must not contain bidirectional overrides or isolates (U+202A-U+202E, U+2066-U+2069): they reorder what is shown around the text";
pub const NO_SEPARATOR: &str = "must be one line: no line or paragraph separator (U+2028, U+2029)";
pub const NO_STRAY_FORMAT: &str = "must not contain a byte order mark (U+FEFF), nor a zero-width joiner or non-joiner (U+200D, U+200C) that does not sit between two letters";
pub const NO_NONCHARACTER: &str =
    "must not contain Unicode noncharacters (such as U+FFFE and U+FFFF)";
pub const NO_BASE: &str =
    "must have a visible character: not only combining marks or invisible characters";

/// A one-line text as it is shown in lists, titles, feeds and terminals: no control character,
/// no bidirectional override or isolate (they let a name reorder the text around it), no line
/// or paragraph separator, no byte order mark, no zero-width joiner or non-joiner except
/// between two visible characters (as in an emoji sequence or an Indic word), no noncharacter
/// (XML cannot carry U+FFFE and U+FFFF). `Err` says which.
pub fn one_line(value: &str) -> Result<(), &'static str> {
    let chars: Vec<char> = value.chars().collect();
    for (i, c) in chars.iter().copied().enumerate() {
        let problem = match c {
            c if c.is_control() => Some(SINGLE_LINE),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => Some(NO_BIDI),
            '\u{2028}' | '\u{2029}' => Some(NO_SEPARATOR),
            '\u{feff}' => Some(NO_STRAY_FORMAT),
            '\u{200c}' | '\u{200d}' => {
                // A combining mark may come first: `क्‍ष` joins after the virama.
                let joins = |n: Option<&char>| {
                    n.is_some_and(|n| {
                        is_visible(*n) || unicode_normalization::char::is_combining_mark(*n)
                    })
                };
                let between = i > 0 && joins(chars.get(i - 1)) && joins(chars.get(i + 1));
                (!between).then_some(NO_STRAY_FORMAT)
            }
            c if is_noncharacter(c) => Some(NO_NONCHARACTER),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(problem);
        }
    }
    Ok(())
}

/// U+FDD0-U+FDEF and the last two code points of every plane.
fn is_noncharacter(c: char) -> bool {
    let code = c as u32;
    (0xfdd0..=0xfdef).contains(&code) || code & 0xfffe == 0xfffe
}

/// Invisible on their own: spaces, format characters a name may carry (zero-width space,
/// joiners, marks of direction, the soft hyphen, the word joiner), combining marks.
fn is_visible(c: char) -> bool {
    !(c.is_whitespace()
        || unicode_normalization::char::is_combining_mark(c)
        || matches!(c, '\u{00ad}' | '\u{034f}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}'))
}

/// Whether a name has something to show: a name made only of combining marks or invisible
/// characters is no name.
pub fn has_base_character(value: &str) -> bool {
    value.chars().any(is_visible)
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

    /// Finding 8 of the third hostile test: what a one-line text refuses, and what it keeps.
    #[test]
    fn one_line_texts_refuse_what_reorders_or_hides() {
        for (text, problem) in [
            ("Tô Lâm\u{202e}cba", NO_BIDI),
            ("\u{202a}AMCC7", NO_BIDI),
            ("SICW\u{2066}2022\u{2069}", NO_BIDI),
            ("Tô Lâm\u{2028}Bộ trưởng", NO_SEPARATOR),
            ("Tô Lâm\u{2029}", NO_SEPARATOR),
            ("\u{feff}Tô Lâm", NO_STRAY_FORMAT),
            ("Tô\u{feff}Lâm", NO_STRAY_FORMAT),
            ("\u{200d}", NO_STRAY_FORMAT),
            ("Tô \u{200d}Lâm", NO_STRAY_FORMAT),
            ("Tô Lâm\u{200d}", NO_STRAY_FORMAT),
            ("Tô Lâm\u{fffe}", NO_NONCHARACTER),
            ("Tô Lâm\u{ffff}", NO_NONCHARACTER),
            ("Tô Lâm\u{fdd0}", NO_NONCHARACTER),
            ("Tô Lâm\u{10ffff}", NO_NONCHARACTER),
            ("Tô\u{b}Lâm", SINGLE_LINE),
        ] {
            assert_eq!(one_line(text), Err(problem), "{text:?}");
        }
        // A joiner between two visible characters is part of the text: emoji sequences,
        // Indic and Persian words.
        for kept in [
            "Tô Lâm",
            "👩\u{200d}💻 Lập trình",
            "क्\u{200d}ष",
            "می\u{200c}خواهم",
            "Trần\u{200b}Văn",
        ] {
            assert_eq!(one_line(kept), Ok(()), "{kept:?}");
        }
        let mut checks = Checks::default();
        checks.name("\u{301}\u{323}\u{300}", "/name", 300);
        checks.name("\u{200b}\u{200b}", "/name", 300);
        assert_eq!(checks.0.len(), 2, "{:?}", checks.0);
        assert!(has_base_character("a\u{301}") && !has_base_character("\u{301}"));
    }
}
