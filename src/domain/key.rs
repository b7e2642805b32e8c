//! How callers name an item: a key (an id or a slug) in paths and filters, and a reference in
//! bodies (an id, a slug, or a reference object as a GET returns it).

use serde_json::Value;

/// A key that is an id when numeric, a slug otherwise (a slug always has a letter).
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Id(i64),
    Slug(String),
}

impl Key {
    /// An id when `raw` is one as written by [`parse_id`], else a slug (which then finds nothing:
    /// `02` and `-2` are not slugs a write accepts).
    pub fn parse(raw: &str) -> Key {
        match parse_id(raw) {
            Some(id) => Key::Id(id),
            None => Key::Slug(raw.to_owned()),
        }
    }
}

/// A positive id written the one way the service writes it: digits only, no sign, no leading
/// zero, within `i64`. `2` is an id; `+2`, `02`, ` 2` and `2.0` are not, so that one item has
/// one URL and a signed link has one spelling.
pub fn parse_id(raw: &str) -> Option<i64> {
    let canonical = !raw.is_empty()
        && raw.len() <= 19
        && raw.bytes().all(|b| b.is_ascii_digit())
        && !raw.starts_with('0');
    canonical.then(|| raw.parse::<i64>().ok()).flatten()
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Id(id) => write!(f, "{id}"),
            Key::Slug(slug) => f.write_str(slug),
        }
    }
}

/// The spec's pattern for an id or a slug in a path or a filter.
pub const KEY_PATTERN: &str = "^[a-z0-9-]{1,128}$";

/// Whether a value can be an id or a slug at all: lowercase ASCII letters, digits and `-`, as
/// `KEY_PATTERN` says. Anything else (spaces, NUL bytes, which PostgreSQL refuses in text) never
/// reaches the database.
pub fn is_key(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An id-or-slug filter value: a number is an id, anything else a slug.
pub fn parse_key(value: &str) -> Result<Key, String> {
    if is_key(value) {
        Ok(Key::parse(value))
    } else {
        Err("must be an id or a slug (lowercase letters, digits and `-`)".to_owned())
    }
}

// `Serialize` only so that serde's `untagged` shapes the schema; reading is by hand below.
/// How a body refers to another item: its id, its slug, or a reference object.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Reference {
    /// The item's id.
    Id(i64),
    /// The item's slug.
    #[schema(example = "amcc7")]
    Slug(String),
    /// A reference as a GET returns it: its `id` (or else its `slug`) is used.
    Object(ReferenceObject),
}

/// A reference object; other fields (such as `name`) are ignored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReferenceObject {
    pub id: Option<i64>,
    pub slug: Option<String>,
}

/// By hand, so that only a number, a string or an object is a reference: serde's derived forms
/// would also take `[null, null]` as an object.
impl<'de> serde::Deserialize<'de> for Reference {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let wrong = || D::Error::custom("must be an id, a slug or a reference object");
        match Value::deserialize(deserializer)? {
            Value::Number(n) => n.as_i64().map(Reference::Id).ok_or_else(wrong),
            Value::String(s) => Ok(Reference::Slug(s)),
            Value::Object(map) => {
                let id = match map.get("id") {
                    None | Some(Value::Null) => None,
                    Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(wrong)?),
                    Some(_) => return Err(D::Error::custom("`id` must be an integer")),
                };
                let slug = match map.get("slug") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(_) => return Err(D::Error::custom("`slug` must be a string")),
                };
                Ok(Reference::Object(ReferenceObject { id, slug }))
            }
            _ => Err(wrong()),
        }
    }
}

impl Reference {
    /// The key a reference names: an id, a slug, or an object's `id` (else its `slug`), so that
    /// the references a GET returns can be sent back. `None` for an object with neither.
    pub fn key(&self) -> Option<Key> {
        match self {
            Reference::Id(id) => Some(Key::Id(*id)),
            Reference::Slug(slug) if !slug.is_empty() => Some(Key::parse(slug)),
            Reference::Slug(_) => None,
            Reference::Object(object) => match (&object.id, &object.slug) {
                (Some(id), _) => Some(Key::Id(*id)),
                (None, Some(slug)) if !slug.is_empty() => Some(Key::Slug(slug.clone())),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_ids_and_the_rest_slugs() {
        assert_eq!(Key::parse("12"), Key::Id(12));
        assert_eq!(Key::parse("+12"), Key::Slug("+12".into()));
        for loose in [
            "+2",
            "02",
            "-2",
            "0",
            " 2",
            "2 ",
            "2.0",
            "",
            "99999999999999999999",
        ] {
            assert_eq!(parse_id(loose), None, "{loose:?}");
        }
        assert_eq!(parse_id("2"), Some(2));
        assert_eq!(parse_id("9223372036854775807"), Some(i64::MAX));
        assert!(parse_key("Bad Slug").is_err());
        let object: Reference = serde_json::from_value(serde_json::json!({"slug": "amcc7"}))
            .expect("a reference object");
        assert_eq!(object.key(), Some(Key::Slug("amcc7".into())));
        assert!(serde_json::from_value::<Reference>(serde_json::json!([null, null])).is_err());
    }
}
