//! Ranking (decision 0013): the score of one candidate for a query, from the folded and exact
//! texts the index keeps. Called for each of up to 500 candidates a query, so a phrase is found
//! by a substring search of the folded text (`memchr::memmem`), not by splitting every text
//! into words: the split and its vectors were nine tenths of ranking at a million articles.

use memchr::memmem::Finder;

use super::{Phrase, Query};

/// One searchable field of an item: its folded and exact words, and how much a match in it
/// weighs (titles and names 4, leads and themes 2, bodies 1).
pub struct Field<'a> {
    pub folded: &'a str,
    pub exact: &'a str,
    pub weight: f64,
}

/// The score of an item for a query, higher is better; `None` when a phrase is missing. Each
/// phrase adds the weight of the heaviest field it occurs in, 8 more when it occurs there or
/// anywhere with the query's own diacritics (so an exact match outranks a folded-only one
/// whatever the fields), and a little for each further occurrence (at most 5).
pub fn score(query: &Query, fields: &[Field<'_>]) -> Option<f64> {
    total(query, |phrase, found| {
        search_fields(phrase, fields, found);
        // A word's other forms (`Phrase::also`) count as occurrences, never as exact ones.
        for form in &phrase.also {
            let other = Phrase {
                folded: vec![form.clone()],
                exact: vec![String::new()],
                prefix: false,
                quoted: false,
                also: Vec::new(),
            };
            search_fields(&other, fields, found);
        }
    })
}

fn search_fields(phrase: &Phrase, fields: &[Field<'_>], found: &mut Found) {
    let needle = phrase.folded.join(" ");
    let finder = Finder::new(needle.as_bytes());
    for field in fields {
        if regular(field.folded) && regular(field.exact) && phrase_is_regular(phrase) {
            found.search(phrase, field, &finder);
        } else {
            found.search_by_words(phrase, field);
        }
    }
}

/// The score from what `search` finds of each phrase.
fn total(query: &Query, mut search: impl FnMut(&Phrase, &mut Found)) -> Option<f64> {
    let mut total = 0.0;
    for phrase in &query.phrases {
        let mut found = Found::default();
        search(phrase, &mut found);
        if found.occurrences == 0 {
            return None;
        }
        total += found.heaviest + if found.exactly { 8.0 } else { 0.0 };
        total += 0.1 * (found.occurrences.min(6) - 1) as f64;
    }
    Some((total * 100.0).round() / 100.0)
}

/// What one phrase found in an item's fields so far.
#[derive(Default)]
struct Found {
    heaviest: f64,
    exactly: bool,
    occurrences: usize,
}

impl Found {
    /// An occurrence in `field`; `exact_words` gives the exact words where it is (none when the
    /// field's exact text has other words), asked only while no occurrence was exact.
    fn add<'a>(
        &mut self,
        phrase: &Phrase,
        field: &Field<'a>,
        exact_words: impl FnOnce() -> Option<Vec<&'a str>>,
    ) {
        self.occurrences += 1;
        self.heaviest = self.heaviest.max(field.weight);
        if !self.exactly {
            // Folded and exact texts have the same words in the same order; a text where they
            // do not is never exact.
            self.exactly = exact_words().is_some_and(|words| phrase.exact_at(&words, 0));
        }
    }

    /// Every occurrence in a field whose texts are words joined by single spaces (as the index
    /// writes them): each place the folded phrase is, starting a word and (unless its last word
    /// is a prefix) ending one. Overlapping occurrences count, as they do word by word.
    fn search(&mut self, phrase: &Phrase, field: &Field<'_>, finder: &Finder<'_>) {
        let text = field.folded.as_bytes();
        let needle = finder.needle().len();
        let (mut from, mut word, mut counted) = (0, 0, 0);
        while let Some(found) = finder.find(&text[from..]) {
            let start = from + found;
            let end = start + needle;
            from = start + 1;
            let starts_word = start == 0 || text[start - 1] == b' ';
            let ends_word = phrase.prefix || end == text.len() || text[end] == b' ';
            if !(starts_word && ends_word) {
                continue;
            }
            word += memchr::memchr_iter(b' ', &text[counted..start]).count();
            counted = start;
            let n = phrase.folded.len();
            self.add(phrase, field, || {
                let spaces = |t: &str| memchr::memchr_iter(b' ', t.as_bytes()).count();
                (spaces(field.exact) == spaces(field.folded))
                    .then(|| field.exact.split(' ').skip(word).take(n).collect())
            });
            if from >= text.len() {
                break;
            }
        }
    }

    /// Every occurrence, word by word: for texts with empty words (or a phrase with one),
    /// which the substring search would read differently.
    fn search_by_words(&mut self, phrase: &Phrase, field: &Field<'_>) {
        let words = split_words(field.folded);
        let n = phrase.folded.len();
        if n == 0 || words.len() < n {
            return;
        }
        let mut exact: Option<Vec<&str>> = None;
        for at in 0..=words.len() - n {
            if !phrase.occurs_at(&words, at) {
                continue;
            }
            self.add(phrase, field, || {
                let exact = exact.get_or_insert_with(|| split_words(field.exact));
                (exact.len() == words.len()).then(|| exact[at..].iter().take(n).copied().collect())
            });
        }
    }
}

/// Whether a text is words joined by single spaces: no space at either end, none doubled.
fn regular(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && memchr::memmem::find(bytes, b"  ").is_none()
}

/// Whether every word of the phrase is a word (a folded form can be empty: a lone combining
/// letter folds to nothing).
fn phrase_is_regular(phrase: &Phrase) -> bool {
    phrase
        .folded
        .iter()
        .all(|w| !w.is_empty() && !w.contains(' '))
}

fn split_words(text: &str) -> Vec<&str> {
    text.split(' ').filter(|w| !w.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{exact_text, folded_text};
    use super::*;

    fn q(text: &str) -> Query {
        Query::parse(text).expect("a query")
    }

    /// The score as it was computed before the substring search: word by word, every field.
    fn by_words(query: &Query, fields: &[Field<'_>]) -> Option<f64> {
        total(query, |phrase, found| {
            for field in fields {
                found.search_by_words(phrase, field);
            }
        })
    }

    #[test]
    fn exact_diacritics_and_heavier_fields_score_higher() {
        let field = |text: &str, weight| (folded_text(text), exact_text(text), weight);
        let score_of = |query: &str, fields: &[(String, String, f64)]| {
            let fields: Vec<Field> = fields
                .iter()
                .map(|(folded, exact, weight)| Field {
                    folded,
                    exact,
                    weight: *weight,
                })
                .collect();
            score(&q(query), &fields)
        };
        let duong = [field("Con đường mới", 4.0)];
        let duong_folded = [field("Bờ biển Dương", 4.0)];
        let in_body = [field("Tin", 4.0), field("Con đường mới", 1.0)];
        assert!(score_of("\"đường\"", &duong) > score_of("\"đường\"", &duong_folded));
        assert!(score_of("\"đường\"", &duong_folded).is_some());
        assert!(score_of("\"duong\"", &duong) > score_of("\"duong\"", &in_body));
        assert_eq!(
            score_of("\"hoà bình\"", &[field("Hòa bình", 4.0)]),
            Some(12.0)
        );
        assert_eq!(score_of("\"không có\"", &duong), None);
    }

    /// The substring search scores every text as the word-by-word one does: texts and queries
    /// drawn from a small vocabulary (so that phrases repeat, overlap and sit at either end),
    /// with diacritics that differ, prefixes, quoted phrases, and texts with empty words.
    #[test]
    fn the_substring_search_scores_as_the_word_by_word_one() {
        let vocabulary = [
            "an",
            "ân",
            "ninh",
            "nính",
            "mạng",
            "mang",
            "mangan",
            "an",
            "Hòa",
            "hoà",
            "bình",
            "đường",
            "dương",
            "a",
        ];
        let mut seed: u64 = 20221021;
        let mut next = |bound: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % bound
        };
        let mut compared = 0;
        for round in 0..4000 {
            let mut text = |words: usize| -> String {
                (0..words)
                    .map(|_| vocabulary[next(vocabulary.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let texts = [text(2 + round % 5), text(round % 9), text(1 + round % 30)];
            let mut query = text(1 + round % 3);
            if round % 4 == 0 {
                query = format!("\"{query}\"");
            }
            let Some(query) = Query::parse(&query) else {
                continue;
            };
            let mut owned: Vec<(String, String)> = texts
                .iter()
                .map(|t| (folded_text(t), exact_text(t)))
                .collect();
            if round % 7 == 0 {
                // An empty word, as a text from elsewhere might hold.
                owned[2].0 = format!(" {}  x", owned[2].0);
                owned[2].1 = format!(" {}  x", owned[2].1);
            }
            let fields: Vec<Field> = owned
                .iter()
                .zip([4.0, 2.0, 1.0])
                .map(|((folded, exact), weight)| Field {
                    folded,
                    exact,
                    weight,
                })
                .collect();
            assert_eq!(
                score(&query, &fields),
                by_words(&query, &fields),
                "{query:?} in {owned:?}"
            );
            compared += usize::from(score(&query, &fields).is_some());
        }
        assert!(compared > 500, "only {compared} texts matched");
    }
}
