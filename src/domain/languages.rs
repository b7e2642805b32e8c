//! The languages the portal serves, the one a request is answered in, and names in other
//! languages (issue 25, decision 0028).
//!
//! An item's own columns (`name`, `description`, a position's `title`) are in the portal's
//! default language; `names` holds the others by BCP 47 tag. A request chooses one served
//! language (`?lang=`, else `Accept-Language`, else the default); an item without a name in it
//! is shown in the default language and says so.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

use super::check::{max, Checks};

/// The longest language tag taken (RFC 5646 §4.4.1 asks implementations to take 35).
pub const MAX_TAG: usize = 35;
/// The longest `Accept-Language` read, and the most entries in it; a longer one is ignored.
pub const MAX_ACCEPT_BYTES: usize = 1024;
pub const MAX_ACCEPT_ENTRIES: usize = 32;

/// An item's name (and description) in one language other than the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    #[schema(
        max_length = 500,
        example = "7th ASEAN Ministerial Conference on Cybersecurity"
    )]
    pub name: String,
    /// Where the resource has a description (a person's: their biography).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 50000)]
    pub description: Option<String>,
}

/// Names by language tag: `{"en": {"name": "..."}}`. Wire types (`ToSchema`) write the map
/// out as `BTreeMap<String, Localized>`: the spec inlines a map written so, but refers an alias
/// to one component named `BTreeMap` shared by every map (titles' strings included).
pub type Names = BTreeMap<String, Localized>;

/// A position's titles by language tag: `{"en": "Minister of Public Security"}`.
pub type Titles = BTreeMap<String, String>;

/// A `language` filter (article lists, feeds, search): a tag as articles store it
/// (`check::language_ok`), at most `MAX_TAG` characters.
pub fn language_filter(tag: &str) -> Result<String, String> {
    (super::check::language_ok(tag) && tag.len() <= MAX_TAG)
        .then(|| tag.to_owned())
        .ok_or_else(|| "must be a BCP 47 language tag such as vi or en".to_owned())
}

/// The stored JSON of `names` or `titles`; empty when it does not parse (an import may bring
/// anything: a read never fails on it).
pub fn parse_stored<T: serde::de::DeserializeOwned + Default>(json: &str) -> T {
    serde_json::from_str(json).unwrap_or_default()
}

/// The names in other languages of stored `names` (for matching and search).
pub fn other_names(json: &str) -> Vec<String> {
    parse_stored::<Names>(json)
        .into_values()
        .map(|localized| localized.name)
        .collect()
}

/// The JSON stored for `names` or `titles` (keys in order: the same map, the same bytes).
pub fn stored<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

/// A well-formed BCP 47 tag in its canonical case (`EN-gb` → `en-GB`, `zh-hant` → `zh-Hant`),
/// or `None` (`well_formed` says what is taken).
pub fn canonical_tag(tag: &str) -> Option<String> {
    if !well_formed(tag) {
        return None;
    }
    let mut out = String::with_capacity(tag.len());
    let mut private = false;
    for (i, part) in tag.split('-').enumerate() {
        if i == 0 {
            out.push_str(&part.to_ascii_lowercase());
            continue;
        }
        out.push('-');
        let alpha = part.bytes().all(|b| b.is_ascii_alphabetic());
        if private || part.len() == 1 {
            private |= part.eq_ignore_ascii_case("x");
            out.push_str(&part.to_ascii_lowercase());
        } else if alpha && part.len() == 4 {
            // A script: Hant, Latn.
            out.push_str(&part[..1].to_ascii_uppercase());
            out.push_str(&part[1..].to_ascii_lowercase());
        } else if (alpha && part.len() == 2) || (part.len() == 3 && !alpha) {
            // A region: GB, 419.
            out.push_str(&part.to_ascii_uppercase());
        } else {
            out.push_str(&part.to_ascii_lowercase());
        }
    }
    Some(out)
}

/// Whether a tag is taken: at most 35 characters; subtags of 1 to 8 letters and digits; a
/// primary language subtag of 2 or 3 letters (or 5 to 8). Reads the tag only (a cache hit
/// asks it of every `Accept-Language` entry).
pub fn well_formed(tag: &str) -> bool {
    if tag.is_empty() || tag.len() > MAX_TAG {
        return false;
    }
    tag.split('-').enumerate().all(|(i, part)| {
        let sized = !part.is_empty() && part.len() <= 8;
        match i {
            0 => {
                part.bytes().all(|b| b.is_ascii_alphabetic()) && matches!(part.len(), 2 | 3 | 5..=8)
            }
            _ => sized && part.bytes().all(|b| b.is_ascii_alphanumeric()),
        }
    })
}

/// The languages this portal serves: its default (the language of items' own columns) and
/// the others names may be written in (`NEWSROOM_DEFAULT_LANGUAGE`, `NEWSROOM_LANGUAGES`).
#[derive(Debug)]
pub struct Languages {
    pub default: &'static str,
    /// Every served tag, the default first.
    pub served: Vec<&'static str>,
}

impl Languages {
    /// Made once per process start (kept for its life: a request's language is a reference).
    pub fn new(default: &str, others: &[String]) -> Result<&'static Languages, String> {
        let canonical = |tag: &str| {
            canonical_tag(tag.trim())
                .ok_or_else(|| format!("`{tag}` is not a BCP 47 language tag such as vi or en"))
        };
        let default = canonical(default)?;
        let mut served: Vec<&'static str> = vec![Box::leak(default.into_boxed_str())];
        for tag in others.iter().filter(|t| !t.trim().is_empty()) {
            let tag = canonical(tag)?;
            if !served.contains(&tag.as_str()) {
                served.push(Box::leak(tag.into_boxed_str()));
            }
        }
        Ok(Box::leak(Box::new(Languages {
            default: served[0],
            served,
        })))
    }

    /// The default language.
    pub fn default_lang(&'static self) -> Lang {
        Lang {
            code: self.default,
            languages: self,
        }
    }

    /// The served language a tag asks for: the tag, else the tag with its last subtags cut
    /// one at a time (`zh-Hant-TW` → `zh-Hant` → `zh`; RFC 4647 §3.4 lookup), compared
    /// without case.
    pub fn matching(&'static self, tag: &str) -> Option<Lang> {
        let mut wanted = tag;
        loop {
            if let Some(code) = self
                .served
                .iter()
                .find(|served| served.eq_ignore_ascii_case(wanted))
            {
                return Some(Lang {
                    code,
                    languages: self,
                });
            }
            wanted = &wanted[..wanted.rfind('-')?];
        }
    }

    /// The language a request is answered in: `lang` when given (a malformed one is an error
    /// naming the rule; a well-formed one no language served matches gives the default), else
    /// the first acceptable entry of `Accept-Language` by quality that a served language matches
    /// (`*` is the default; a malformed header is ignored), else the default.
    pub fn choose(&'static self, lang: Option<&str>, accept: Option<&str>) -> Result<Lang, String> {
        if let Some(tag) = lang {
            let tag = canonical_tag(tag).ok_or_else(|| {
                format!("must be a BCP 47 language tag of at most {MAX_TAG} characters, such as vi or en")
            })?;
            return Ok(self.matching(&tag).unwrap_or(self.default_lang()));
        }
        Ok(accept
            .and_then(|header| self.accepted(header))
            .unwrap_or(self.default_lang()))
    }

    /// The served language an `Accept-Language` value asks for: of the entries a served
    /// language matches (`*`: the default), the one of highest quality, the first of equals,
    /// `q=0` left out (RFC 9110 §12.5.4). `None` when none matches, or when the value is
    /// malformed or too long. Allocates nothing: the edge asks it of every cache hit that
    /// carries the header.
    fn accepted(&'static self, header: &str) -> Option<Lang> {
        if header.len() > MAX_ACCEPT_BYTES {
            return None;
        }
        let mut best: Option<(u16, Lang)> = None;
        let mut entries = 0;
        for entry in header.split(',') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            entries += 1;
            if entries > MAX_ACCEPT_ENTRIES {
                return None;
            }
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            if tag != "*" && !well_formed(tag) {
                return None;
            }
            let mut quality = 1000;
            for parameter in parts {
                let (name, value) = parameter.trim().split_once('=')?;
                if !name.trim().eq_ignore_ascii_case("q") {
                    return None;
                }
                quality = parse_quality(value.trim())?;
            }
            let lang = match tag {
                "*" => Some(self.default_lang()),
                tag => self.matching(tag),
            };
            if let Some(lang) = lang.filter(|_| quality > 0) {
                if best.is_none_or(|(q, _)| quality > q) {
                    best = Some((quality, lang));
                }
            }
        }
        best.map(|(_, lang)| lang)
    }
}

/// A quality value (`0`, `0.8`, `1.000`) in thousandths.
fn parse_quality(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |n, digit| n * 10 + u16::from(digit - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The language a request is answered in: one the portal serves.
#[derive(Debug, Clone, Copy)]
pub struct Lang {
    pub code: &'static str,
    pub languages: &'static Languages,
}

impl PartialEq for Lang {
    fn eq(&self, other: &Lang) -> bool {
        self.code == other.code
    }
}

impl Lang {
    pub fn is_default(&self) -> bool {
        self.code == self.languages.default
    }

    /// The item's names in this language, unless it is the default (the item's own columns)
    /// or the item has none in it.
    pub fn pick<'a, T>(&self, names: &'a BTreeMap<String, T>) -> Option<&'a T> {
        match self.is_default() {
            true => None,
            false => names.get(self.code),
        }
    }

    /// An item's name in this language (from its stored `names`), else its own.
    pub fn name_in(&self, name: String, names: &str) -> String {
        if self.is_default() {
            return name;
        }
        self.pick(&parse_stored::<Names>(names))
            .map_or(name, |l| l.name.clone())
    }

    /// The language an item is shown in: this one when `shown`, else the default.
    pub fn shown(&self, shown: bool) -> &'static str {
        match shown {
            true => self.code,
            false => self.languages.default,
        }
    }
}

impl Checks {
    /// `names` as written: each tag a served language other than the default (canonical
    /// case), each name a line, each description prose of at most `description` characters
    /// (`None`: the resource has no description).
    pub fn names(
        &mut self,
        names: Names,
        pointer: &str,
        languages: &Languages,
        description: Option<usize>,
    ) -> Names {
        let mut checked = Names::new();
        for (tag, mut localized) in names {
            let Some(code) = self.served_tag(&tag, &format!("{pointer}/{tag}"), languages) else {
                continue;
            };
            let at = format!("{pointer}/{tag}");
            localized.name = self.name(&localized.name, &format!("{at}/name"), max::LINE);
            localized.description = match (description, localized.description.take()) {
                (Some(max), text) => self.prose(text, &format!("{at}/description"), max),
                (None, None) => None,
                (None, Some(_)) => {
                    self.add(
                        format!("{at}/description"),
                        "this resource has no description",
                    );
                    None
                }
            };
            if checked.insert(code, localized).is_some() {
                self.add(at, "is given twice (tags are compared in canonical case)");
            }
        }
        checked
    }

    /// `titles` as written: served tags other than the default, each title a line.
    pub fn titles(&mut self, titles: Titles, pointer: &str, languages: &Languages) -> Titles {
        let mut checked = Titles::new();
        for (tag, title) in titles {
            let at = format!("{pointer}/{tag}");
            if let Some(code) = self.served_tag(&tag, &at, languages) {
                let title = self.name(&title, &at, max::LINE);
                if checked.insert(code, title).is_some() {
                    self.add(at, "is given twice (tags are compared in canonical case)");
                }
            }
        }
        checked
    }

    fn served_tag(&mut self, tag: &str, pointer: &str, languages: &Languages) -> Option<String> {
        let Some(code) = canonical_tag(tag) else {
            self.add(pointer, "must be a BCP 47 language tag such as en");
            return None;
        };
        if code == languages.default {
            self.add(
                pointer,
                format!("`{code}` is the default language: its name is the item's own `name`"),
            );
            return None;
        }
        if !languages.served.contains(&code.as_str()) {
            self.add(
                pointer,
                format!(
                    "`{code}` is not a language this portal serves ({}: NEWSROOM_LANGUAGES)",
                    languages.served.join(", ")
                ),
            );
            return None;
        }
        Some(code)
    }

    /// `names` with the deprecated `name_en` beside it (events, organizations): `name_en` is
    /// taken as `names.en.name` when `names` has no `en`, and is a problem when they differ.
    pub fn names_with_en(
        &mut self,
        names: Names,
        name_en: Option<String>,
        languages: &Languages,
    ) -> Names {
        let mut names = self.names(names, "/names", languages, Some(max::TEXT));
        let english = names.get("en").map(|l| l.name.as_str());
        if let Some(name) = self.deprecated_en(name_en, english, "/name_en", "names.en.name") {
            names.insert(
                "en".into(),
                Localized {
                    name,
                    description: None,
                },
            );
        }
        names
    }

    /// A deprecated `*_en` field (`name_en`, `title_en`) beside the map it now lives in: taken
    /// into it when the map has no `en` entry, and a problem when the two say different things.
    pub fn deprecated_en(
        &mut self,
        given: Option<String>,
        in_map: Option<&str>,
        pointer: &str,
        instead: &str,
    ) -> Option<String> {
        let given = self.line(given, pointer, max::LINE)?;
        match in_map {
            None => Some(given),
            Some(existing) if existing == given => None,
            Some(_) => {
                self.add(
                    pointer,
                    format!("is deprecated and differs from `{instead}`: write `{instead}` only"),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portal() -> &'static Languages {
        Languages::new(
            "vi",
            &["en".into(), "fr".into(), "es".into(), "zh-Hant".into()],
        )
        .expect("served languages")
    }

    #[test]
    fn tags_are_checked_and_put_in_canonical_case() {
        assert_eq!(canonical_tag("EN-gb").as_deref(), Some("en-GB"));
        assert_eq!(canonical_tag("zh-hant-tw").as_deref(), Some("zh-Hant-TW"));
        assert_eq!(canonical_tag("es-419").as_deref(), Some("es-419"));
        assert_eq!(canonical_tag("en-x-Portal").as_deref(), Some("en-x-portal"));
        for bad in [
            "",
            "e",
            "englishlanguage",
            "en_US",
            "en--gb",
            "12",
            "en-",
            "vi-VN-123456789",
            &"a".repeat(36),
        ] {
            assert_eq!(canonical_tag(bad), None, "{bad}");
        }
    }

    #[test]
    fn lang_wins_over_accept_language_and_unknown_tags_fall_back() {
        let portal = portal();
        let code = |lang, accept| portal.choose(lang, accept).map(|l| l.code);
        assert_eq!(code(Some("en"), Some("fr")), Ok("en"));
        assert_eq!(code(Some("EN-US"), None), Ok("en"));
        assert_eq!(code(Some("de"), Some("en")), Ok("vi"));
        assert!(code(Some("en_US"), None).is_err());
        assert_eq!(code(Some("zh-Hant-TW"), None), Ok("zh-Hant"));
    }

    #[test]
    fn accept_language_is_ranked_by_quality() {
        let portal = portal();
        let code = |accept| portal.choose(None, Some(accept)).map(|l| l.code).ok();
        assert_eq!(code("de, fr;q=0.5, en;q=0.9"), Some("en"));
        assert_eq!(code("en-US,en;q=0.9,vi;q=0.8"), Some("en"));
        assert_eq!(code("de, *;q=0.1"), Some("vi"));
        assert_eq!(code("en;q=0, fr"), Some("fr"));
        assert_eq!(code("fr;q=0.5, es;q=0.5"), Some("fr"));
        assert_eq!(
            code("de;q=0.9, es;q=0.5, fr;q=0.5"),
            Some("es"),
            "the first of equals served"
        );
        assert_eq!(code("EN-gb;q=0.3, zh-hant-TW;q=0.4"), Some("zh-Hant"));
        // Malformed: ignored whole, never an error.
        for bad in [
            "en;q=2",
            "en;q=0.5555",
            "en;level=1",
            "en_US",
            ";q=1",
            "en;q",
        ] {
            assert_eq!(code(bad), Some("vi"), "{bad}");
        }
        let long = vec!["en"; MAX_ACCEPT_ENTRIES + 1].join(",");
        assert_eq!(code(&long), Some("vi"));
    }

    #[test]
    fn names_are_checked_against_the_served_languages() {
        let portal = portal();
        let mut checks = Checks::default();
        let mut names = Names::new();
        names.insert(
            "EN".into(),
            Localized {
                name: " ASEAN ".into(),
                description: None,
            },
        );
        let names = checks.names(names, "/names", portal, None);
        assert!(checks.is_empty());
        assert_eq!(names.get("en").map(|l| l.name.as_str()), Some("ASEAN"));
        for tag in ["vi", "de", "en_US"] {
            let mut checks = Checks::default();
            let mut names = Names::new();
            names.insert(
                tag.into(),
                Localized {
                    name: "x".into(),
                    description: None,
                },
            );
            checks.names(names, "/names", portal, Some(10));
            assert!(!checks.is_empty(), "{tag}");
        }
    }
}
