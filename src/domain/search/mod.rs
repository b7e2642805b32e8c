//! Search text, tokenized and folded in Rust so that both databases index the same words
//! (decision 0013): each word has a folded form (lowercase, no diacritics, `đ` as `d`: what
//! matching compares) and an exact form (lowercase with its diacritics, the tone mark written
//! apart so that `hòa` and `hoà`, `thủy` and `thuỷ` are one word: what ranking compares).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::text::fold;

mod score;
pub mod stems;
pub use score::{score, Field};

/// One word of a text: where it is (bytes of the text), and its folded form (the exact one,
/// which costs a Unicode normalization, is asked for when needed: `Word::exact`).
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    pub folded: String,
}

impl Word {
    /// Its exact form; `text` is the text it was found in.
    pub fn exact(&self, text: &str) -> String {
        exact(&text[self.start..self.end])
    }
}

/// The words of a text: runs of letters and digits (with their combining marks).
pub fn words(text: &str) -> Vec<Word> {
    let mut found = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        let inside = c.is_alphanumeric() || (start.is_some() && is_combining_mark(c));
        match (inside, start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                found.push(word(text, from, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        found.push(word(text, from, text.len()));
    }
    found
}

fn word(text: &str, start: usize, end: usize) -> Word {
    let raw = &text[start..end];
    Word {
        start,
        end,
        folded: fold(raw),
    }
}

/// The folded words of a text joined by spaces: what the index holds.
pub fn folded_text(text: &str) -> String {
    join(words(text).into_iter().map(|w| w.folded))
}

/// The exact words of a text joined by spaces: what ranking reads back.
pub fn exact_text(text: &str) -> String {
    join(words(text).into_iter().map(|w| w.exact(text)))
}

/// The adjacent pairs of a text's folded words, each written `_a_b` (`_` is never inside a
/// word): the index's pair tokens, so that a phrase of common syllables reads the short list of
/// its pairs rather than the long lists of each syllable (decision 0013). The leading `_` keeps
/// them apart from words in the index's term order, so a word's prefix (`x*`) never walks them.
pub fn folded_pairs(text: &str) -> Vec<String> {
    pairs_of(
        &words(text)
            .into_iter()
            .map(|w| w.folded)
            .collect::<Vec<_>>(),
    )
}

/// `a b c` -> `_a_b`, `_b_c`.
fn pairs_of(words: &[String]) -> Vec<String> {
    words
        .windows(2)
        .map(|w| format!("_{}_{}", w[0], w[1]))
        .collect()
}

fn join(words: impl Iterator<Item = String>) -> String {
    let mut joined = String::new();
    for word in words {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(&word);
    }
    joined
}

/// The five Vietnamese tone marks (huyền, sắc, hỏi, ngã, nặng), written after the word as VIQR
/// writes them, so that where a text placed the mark (`hòa`, `hoà`) does not matter.
const TONES: [(char, char); 5] = [
    ('\u{300}', '`'),
    ('\u{301}', '\''),
    ('\u{309}', '?'),
    ('\u{303}', '~'),
    ('\u{323}', '.'),
];

/// A word lowercased with its diacritics, its tone mark moved to the end; `Ð` and `Ɖ`, pasted
/// for `Đ`, are `đ`.
pub fn exact(word: &str) -> String {
    let mut tone = None;
    let mut base = String::with_capacity(word.len());
    for c in word.nfd().flat_map(char::to_lowercase) {
        match TONES.iter().find(|(mark, _)| *mark == c) {
            Some((_, written)) => {
                tone.get_or_insert(*written);
            }
            None => base.push(match c {
                'ð' | 'ɖ' => 'đ',
                other => other,
            }),
        }
    }
    let mut exact: String = base.nfc().collect();
    exact.extend(tone);
    exact
}

/// A query: phrases of words, all of which a text must contain (each as a phrase).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub phrases: Vec<Phrase>,
}

/// Words that must appear in order, next to each other; the last may be a prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Phrase {
    pub folded: Vec<String>,
    pub exact: Vec<String>,
    /// The last word matches any word it begins (type-ahead): the query's last word, unquoted.
    pub prefix: bool,
    /// Written in quotes: matched as written, never cut (`api::search`).
    pub quoted: bool,
    /// Other whole words a one-word phrase also stands for: indexed words with its stem in
    /// English, French or Spanish (`ministers` -> `minister`; `stems`). Matched like the word,
    /// never counted as exact.
    pub also: Vec<String>,
}

/// At most this many words in a query: a search is a few words, and each costs.
pub const MAX_WORDS: usize = 16;

impl Query {
    /// Parses `q`: quoted parts are phrases as written; the text between them is a phrase too,
    /// and the query's last word, when it is not inside quotes, is a prefix. Everything that is
    /// not a letter or a digit separates words and means nothing else (no operators). `None`
    /// when there are no words.
    pub fn parse(q: &str) -> Option<Query> {
        let mut phrases = Vec::new();
        let mut taken = 0;
        for (i, part) in q.split('"').enumerate() {
            let quoted = i % 2 == 1;
            let words: Vec<(String, String)> = words(part)
                .into_iter()
                .take(MAX_WORDS - taken)
                .map(|w| {
                    let exact = w.exact(part);
                    (w.folded, exact)
                })
                .collect();
            if words.is_empty() {
                continue;
            }
            taken += words.len();
            phrases.push((quoted, words));
        }
        let last_unquoted =
            phrases.last().is_some_and(|(quoted, _)| !quoted) && !q.trim_end().ends_with('"');
        let count = phrases.len();
        let phrases: Vec<Phrase> = phrases
            .into_iter()
            .enumerate()
            .map(|(i, (quoted, words))| Phrase {
                folded: words.iter().map(|(folded, _)| folded.clone()).collect(),
                exact: words.iter().map(|(_, exact)| exact.clone()).collect(),
                prefix: last_unquoted && i + 1 == count,
                quoted,
                also: Vec::new(),
            })
            .collect();
        (!phrases.is_empty()).then_some(Query { phrases })
    }
}

impl Phrase {
    /// The phrase's pair tokens (none for one word): `an ninh mạng` -> `_an_ninh`, `_ninh_mang`.
    pub fn pairs(&self) -> Vec<String> {
        pairs_of(&self.folded)
    }

    /// Where the phrase occurs among `words` (folded forms): the index of each first word.
    pub fn positions(&self, words: &[&str]) -> Vec<usize> {
        let n = self.folded.len();
        if n == 0 || words.len() < n {
            return Vec::new();
        }
        (0..=words.len() - n)
            .filter(|&at| self.occurs_at(words, at))
            .collect()
    }

    /// Whether the phrase's folded words are at `at` among `words` (which hold them whole).
    fn occurs_at(&self, words: &[&str], at: usize) -> bool {
        let n = self.folded.len();
        self.folded.iter().enumerate().all(|(k, wanted)| {
            let word = words[at + k];
            if self.prefix && k + 1 == n {
                word.starts_with(wanted.as_str())
            } else {
                word == wanted
            }
        })
    }

    /// Whether the words at `at` have the query's exact forms too (its diacritics, tone marks
    /// wherever placed); a prefix compares as a prefix.
    pub fn exact_at(&self, exact: &[&str], at: usize) -> bool {
        let n = self.exact.len();
        self.exact.iter().enumerate().all(|(k, wanted)| {
            let Some(word) = exact.get(at + k) else {
                return false;
            };
            if self.prefix && k + 1 == n {
                // Compare without the tone written at the end: a prefix has no final tone yet.
                let bare = wanted.trim_end_matches(['`', '\'', '?', '~', '.']);
                word.starts_with(bare)
                    && (bare.len() == wanted.len() || word.ends_with(&wanted[bare.len()..]))
            } else {
                word == wanted
            }
        })
    }
}

/// How far a snippet reaches, in characters.
const SNIPPET_CHARS: usize = 160;

/// A piece of `text` around the query's first match, cut on word boundaries, with the matched
/// words in `<mark>` and everything else escaped; the text's start when nothing matches.
pub fn snippet(text: &str, query: &Query) -> String {
    let found = words(text);
    let marked = marks(&found, query);
    cut(text, &found, &marked)
}

/// The snippet of the first of `texts` that holds a match, else of the first of `otherwise`
/// that is not empty (its start). Each text's words are found once.
pub fn snippet_of_first(texts: &[&str], otherwise: &[&str], query: &Query) -> String {
    for text in texts {
        let found = words(text);
        let marked = marks(&found, query);
        if marked.contains(&true) {
            return cut(text, &found, &marked);
        }
    }
    match otherwise.iter().find(|t| !t.is_empty()) {
        Some(text) => snippet(text, query),
        None => String::new(),
    }
}

/// Which of a text's words are inside a match of a phrase of the query.
fn marks(found: &[Word], query: &Query) -> Vec<bool> {
    let folded: Vec<&str> = found.iter().map(|w| w.folded.as_str()).collect();
    let mut marked = vec![false; found.len()];
    for phrase in &query.phrases {
        for at in phrase.positions(&folded) {
            for slot in marked.iter_mut().skip(at).take(phrase.folded.len()) {
                *slot = true;
            }
        }
    }
    marked
}

/// The snippet of `text`, its words `found` and those `marked`.
fn cut(text: &str, found: &[Word], marked: &[bool]) -> String {
    let first = marked.iter().position(|m| *m).unwrap_or(0);
    // A short text whole; else from a few words before the first match, at a word's start.
    let from_word = match text.chars().nth(SNIPPET_CHARS) {
        None => 0,
        Some(_) => first.saturating_sub(6),
    };
    let start = if from_word == 0 {
        0
    } else {
        found[from_word].start
    };
    let mut end = text.len();
    let mut last_word = found.len();
    for (i, word) in found.iter().enumerate().skip(from_word) {
        if text[start..word.end].chars().count() > SNIPPET_CHARS && i > first {
            end = found[i - 1].end;
            last_word = i;
            break;
        }
    }
    let mut html = String::new();
    if start > 0 {
        html.push('…');
    }
    let mut at = start;
    for (i, word) in found.iter().enumerate().take(last_word).skip(from_word) {
        escape_into(&mut html, &text[at..word.start]);
        if marked[i] {
            html.push_str("<mark>");
            escape_into(&mut html, &text[word.start..word.end]);
            html.push_str("</mark>");
        } else {
            escape_into(&mut html, &text[word.start..word.end]);
        }
        at = word.end;
    }
    if end == text.len() {
        escape_into(&mut html, &text[at..end]);
    } else {
        html.push('…');
    }
    html
}

/// HTML-escaped, with line breaks and tabs as spaces (a snippet is one line).
fn escape_into(out: &mut String, text: &str) {
    if text.contains(['\n', '\r', '\t']) {
        super::body::escape_into(out, &text.replace(['\n', '\r', '\t'], " "));
    } else {
        super::body::escape_into(out, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Query {
        Query::parse(text).expect("a query")
    }

    #[test]
    fn pairs_join_adjacent_folded_words_and_a_phrase_asks_for_its_own() {
        assert_eq!(
            folded_pairs("An ninh mạng, Đà Nẵng"),
            ["_an_ninh", "_ninh_mang", "_mang_da", "_da_nang"]
        );
        assert!(folded_pairs("một").is_empty());
        assert_eq!(
            q("an ninh mạng").phrases[0].pairs(),
            ["_an_ninh", "_ninh_mang"]
        );
        assert!(q("mạng").phrases[0].pairs().is_empty());
    }

    #[test]
    fn tone_placement_and_pasted_d_are_one_word() {
        assert_eq!(exact("hòa"), exact("hoà"));
        assert_eq!(exact("thủy"), exact("thuỷ"));
        assert_eq!(exact("Ủy"), exact("uỷ"));
        assert_eq!(exact("Đại"), exact("\u{D0}ại"));
        assert_eq!(exact("Đại"), exact("\u{189}ại"));
        assert_eq!(exact("đường"), "đương`");
        assert_ne!(exact("đường"), exact("dương"));
        assert_eq!(fold("\u{D0}ại \u{189}ại"), "dai dai");
        // NFD input is the same word.
        assert_eq!(exact("ma\u{323}ng"), exact("mạng"));
    }

    #[test]
    fn words_split_on_everything_but_letters_and_digits() {
        let found: Vec<String> = words("Tô Lâm: AMCC7, 1.5% (tolam@bocongan.gov.vn)")
            .into_iter()
            .map(|w| w.folded)
            .collect();
        assert_eq!(
            found,
            ["to", "lam", "amcc7", "1", "5", "tolam", "bocongan", "gov", "vn"]
        );
    }

    #[test]
    fn queries_are_phrases_and_the_last_word_a_prefix() {
        let query = q("\"an ninh mạng\" mayork");
        assert_eq!(query.phrases.len(), 2);
        assert_eq!(query.phrases[0].folded, ["an", "ninh", "mang"]);
        assert!(!query.phrases[0].prefix && query.phrases[1].prefix);
        assert!(!q("\"tô lâm\"").phrases[0].prefix);
        // Syntax characters are separators and nothing else.
        assert_eq!(
            q("a%_* NEAR(b) -c \\d").phrases[0].folded,
            ["a", "near", "b", "c", "d"]
        );
        assert!(Query::parse("%%% \"\" *").is_none());
    }

    #[test]
    fn phrases_match_in_order_and_syllables_are_not_words() {
        let text = folded_text("Ông tham dự hội nghị cùng những người khác");
        let words: Vec<&str> = text.split(' ').collect();
        assert!(q("tham nhũng").phrases[0].positions(&words).is_empty());
        assert_eq!(q("tham du").phrases[0].positions(&words), [1]);
        let mayorkas = folded_text("Alejandro Mayorkas");
        let words: Vec<&str> = mayorkas.split(' ').collect();
        assert_eq!(q("mayork").phrases[0].positions(&words), [1]);
        assert!(q("\"mayork\"").phrases[0].positions(&words).is_empty());
    }

    #[test]
    fn snippets_mark_matches_and_escape_the_rest() {
        let text = "Bộ trưởng <b>Tô Lâm</b> & đoàn đại biểu dự Hội nghị AMCC7 về an ninh mạng.";
        let html = snippet(text, &q("an ninh mang"));
        assert!(
            html.contains("<mark>an</mark> <mark>ninh</mark> <mark>mạng</mark>"),
            "{html}"
        );
        assert!(
            html.contains("&lt;b&gt;") && html.contains("&amp;"),
            "{html}"
        );
        assert!(!html.contains("<b>"));
        let long = "chữ ".repeat(100) + "an ninh mạng " + &"chữ ".repeat(100);
        let html = snippet(&long, &q("an ninh mang"));
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        let shown = html.replace("<mark>", "").replace("</mark>", "");
        assert!(shown.chars().count() <= SNIPPET_CHARS + 2, "{html}");
    }
}
