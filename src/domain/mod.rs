//! Pure types and logic: no I/O, unit-tested inline.

pub mod articles;
pub mod authors;
pub mod body;
pub mod changes;
pub mod check;
pub mod derive;
pub mod events;
pub mod key;
pub mod kinds;
pub mod languages;
pub mod media;
pub mod mentions;
pub mod organizations;
pub mod people;
pub mod resources;
pub mod search;
pub mod sections;
pub mod slug;
pub mod tags;
pub mod text;
pub mod time;
pub mod token;

/// The indefinite article of an English noun the service names in messages: `an article`,
/// `an event`, `a person`, `a media item`.
pub fn article_for(noun: &str) -> &'static str {
    match noun.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn nouns_get_their_article() {
        let said: Vec<String> = [
            "article",
            "event",
            "organization",
            "person",
            "media item",
            "tag",
        ]
        .iter()
        .map(|noun| format!("{} {noun}", super::article_for(noun)))
        .collect();
        assert_eq!(
            said,
            [
                "an article",
                "an event",
                "an organization",
                "a person",
                "a media item",
                "a tag"
            ]
        );
    }
}
