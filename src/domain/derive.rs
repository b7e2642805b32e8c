//! Columns the service computes from what editors write, the same for API writes and the seed:
//! the folded search key `q` matches, the folded sort key names sort by, and the slug made from a
//! name when none is given.

use super::body::{self, Block};
use super::slug::slugify;
use super::text::{fold, search_key};
use crate::domain::languages::Names;

/// The search and sort keys of an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Keys {
    pub search_key: String,
    pub sort_key: String,
}

fn keys<'a>(name: &'a str, also: impl IntoIterator<Item = Option<&'a str>>) -> Keys {
    Keys {
        search_key: search_key(std::iter::once(name).chain(also.into_iter().flatten())),
        sort_key: fold(name),
    }
}

/// An article is found by its title, lead and body text, and sorted by its title.
pub fn article_keys(title: &str, lead: Option<&str>, body: &[Block]) -> Keys {
    let text = body::to_text(body);
    keys(title, [lead, Some(text.as_str())])
}

/// An event is found by its names (in every language) and theme.
pub fn event_keys(
    name: &str,
    names: &Names,
    short_name: Option<&str>,
    theme: Option<&str>,
) -> Keys {
    keys(name, localized(names).chain([short_name, theme]))
}

/// An organization is found by its names in every language.
pub fn organization_keys(name: &str, names: &Names, short_name: Option<&str>) -> Keys {
    keys(name, localized(names).chain([short_name]))
}

/// A person is found by their name in every language and every alias.
pub fn person_keys<'a>(
    name: &'a str,
    names: &'a Names,
    aliases: impl IntoIterator<Item = &'a str>,
) -> Keys {
    keys(name, localized(names).chain(aliases.into_iter().map(Some)))
}

fn localized(names: &Names) -> impl Iterator<Item = Option<&str>> {
    names.values().map(|l| Some(l.name.as_str()))
}

/// The slug to use: the one given, else one made from the short name or name.
pub fn slug_for(
    given: Option<String>,
    short_name: Option<&str>,
    name: &str,
    fallback: &str,
) -> String {
    given.unwrap_or_else(|| slugify(short_name.unwrap_or(name), fallback))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_every_searchable_text() {
        let keys = organization_keys("Thông tấn xã Việt Nam", &Names::new(), Some("TTXVN"));
        assert_eq!(keys.search_key, " thong tan xa viet nam ttxvn ");
        assert_eq!(keys.sort_key, "thong tan xa viet nam");
        assert_eq!(slug_for(None, Some("TTXVN"), "x", "organization"), "ttxvn");
    }
}
