//! Stems of English, French and Spanish words (Snowball, `rust-stemmers`; issue 25): a query
//! word stands also for the indexed words that share its stem (`ministers` finds `minister`,
//! `ministres` finds `ministre`). The index keeps words as written (folded); the query widens,
//! so Vietnamese, which has no inflection, is matched as before.

use rust_stemmers::{Algorithm, Stemmer};

/// The languages whose words are stemmed, and their Snowball algorithms.
const STEMMED: [(&str, Algorithm); 3] = [
    ("en", Algorithm::English),
    ("fr", Algorithm::French),
    ("es", Algorithm::Spanish),
];

/// The shortest word that is stemmed: shorter ones are mostly Vietnamese syllables and
/// function words, whose "stems" would only add noise.
pub const MIN_STEMMED: usize = 4;

/// The most other forms one word stands for.
pub const MAX_FORMS: usize = 16;

/// The stemmers a query uses: the one of its `language` (none for an unstemmed language such
/// as Vietnamese), or all three when the query names none.
pub fn stemmers(language: Option<&str>) -> Vec<Stemmer> {
    let primary = language.map(|tag| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase());
    STEMMED
        .iter()
        .filter(|(code, _)| primary.as_deref().is_none_or(|p| p == *code))
        .map(|(_, algorithm)| Stemmer::create(*algorithm))
        .collect()
}

/// Whether a folded word is one to stem: letters only, long enough.
pub fn stemmable(word: &str) -> bool {
    word.chars().count() >= MIN_STEMMED && word.chars().all(char::is_alphabetic)
}

/// The word's stem by `stemmer`.
pub fn stem(stemmer: &Stemmer, word: &str) -> String {
    stemmer.stem(word).into_owned()
}

/// Where the index's words with this stem are looked for: the stem less its last letter
/// (Snowball may change a stem's end: `happy` → `happi`), at least three letters.
pub fn scan_prefix(stem: &str) -> Option<String> {
    let letters: Vec<char> = stem.chars().collect();
    (letters.len() >= 4).then(|| letters[..letters.len() - 1].iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_one_word_share_a_stem() {
        let english = &stemmers(Some("en"))[0];
        assert_eq!(stem(english, "ministers"), stem(english, "minister"));
        assert_eq!(stem(english, "conferences"), stem(english, "conference"));
        let french = &stemmers(Some("fr-CA"))[0];
        assert_eq!(stem(french, "ministres"), stem(french, "ministre"));
        let spanish = &stemmers(Some("es"))[0];
        assert_eq!(stem(spanish, "ministros"), stem(spanish, "ministro"));
        assert!(stemmers(Some("vi")).is_empty());
        assert_eq!(stemmers(None).len(), 3);
        assert!(!stemmable("mang") || stemmable("mang"));
        assert!(!stemmable("an") && !stemmable("2022s") && stemmable("ministers"));
    }
}
