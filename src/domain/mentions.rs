//! Finding the people, organizations and events a text names (decision 0014): every name, alias
//! and short name, folded as search folds it, matched on word boundaries in one pass over the
//! text (Aho-Corasick), the longest name winning where names overlap.

use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

use super::search::words;

/// Something a text can name: its kind (as the search index numbers kinds) and id.
pub type Target = (i16, i64);

/// A name of a target, as written.
pub struct Name<'a> {
    pub target: Target,
    pub text: &'a str,
}

/// The names of every target, ready to scan texts.
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    /// The target of each pattern, in pattern order.
    targets: Vec<Target>,
    /// The number of words of each pattern.
    lengths: Vec<usize>,
}

/// Whether a name is specific enough to link on its own: two words or more, or one written as
/// an acronym or code (`TTXVN`, `AMCC7`, `ASEAN`) of three characters or more. A single ordinary
/// word (`Hà`, `Phong`) names too many things.
fn linkable(name: &str, word_count: usize) -> bool {
    if word_count >= 2 {
        return true;
    }
    let trimmed = name.trim();
    trimmed.chars().count() >= 3
        && trimmed
            .chars()
            .any(|c| c.is_uppercase() || c.is_ascii_digit())
        && !trimmed.chars().any(|c| c.is_lowercase())
}

impl Matcher {
    /// A matcher of these names. A folded name that belongs to two targets is ambiguous and
    /// never links either.
    pub fn new(names: &[Name<'_>]) -> Matcher {
        let mut owners: HashMap<String, Vec<Target>> = HashMap::new();
        for name in names {
            let folded: Vec<String> = words(name.text).into_iter().map(|w| w.folded).collect();
            if folded.is_empty() || !linkable(name.text, folded.len()) {
                continue;
            }
            let key = format!(" {} ", folded.join(" "));
            let entry = owners.entry(key).or_default();
            if !entry.contains(&name.target) {
                entry.push(name.target);
            }
        }
        let mut patterns = Vec::new();
        let mut targets = Vec::new();
        let mut lengths = Vec::new();
        let mut unique: Vec<(String, Target)> = owners
            .into_iter()
            .filter(|(_, owners)| owners.len() == 1)
            .map(|(key, owners)| (key, owners[0]))
            .collect();
        unique.sort();
        for (key, target) in unique {
            lengths.push(key.split(' ').filter(|w| !w.is_empty()).count());
            patterns.push(key);
            targets.push(target);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .ok()
            .filter(|_| !patterns.is_empty());
        Matcher {
            automaton,
            targets,
            lengths,
        }
    }

    /// The targets the texts name, with how often, in order of first appearance. Where names
    /// overlap (`Bộ Công an` inside `Bộ trưởng Bộ Công an Việt Nam`), the longest one counts.
    pub fn find(&self, texts: &[&str]) -> Vec<(Target, i32)> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let mut counts: Vec<(Target, i32)> = Vec::new();
        for text in texts {
            // Words separated by one space, with a space at each end: a pattern ` a b ` only
            // matches whole words.
            let folded: Vec<String> = words(text).into_iter().map(|w| w.folded).collect();
            let haystack = format!(" {} ", folded.join(" "));
            // Word index of each byte offset where a word starts (after its space).
            let mut word_at = HashMap::new();
            let mut offset = 1;
            for (i, word) in folded.iter().enumerate() {
                word_at.insert(offset, i);
                offset += word.len() + 1;
            }
            let mut found: Vec<(usize, usize, usize)> = automaton
                .find_overlapping_iter(&haystack)
                .filter_map(|m| {
                    let pattern = m.pattern().as_usize();
                    let first = *word_at.get(&(m.start() + 1))?;
                    Some((first, self.lengths[pattern], pattern))
                })
                .collect();
            // Longest first at each position, then left to right without overlaps.
            found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut taken = vec![false; folded.len()];
            let mut kept: Vec<(usize, usize)> = Vec::new();
            for (first, length, pattern) in found {
                if taken[first..first + length].iter().any(|t| *t) {
                    continue;
                }
                taken[first..first + length]
                    .iter_mut()
                    .for_each(|t| *t = true);
                kept.push((first, pattern));
            }
            kept.sort();
            for (_, pattern) in kept {
                let target = self.targets[pattern];
                match counts.iter_mut().find(|(t, _)| *t == target) {
                    Some((_, count)) => *count += 1,
                    None => counts.push((target, 1)),
                }
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_link_on_word_boundaries_longest_first_and_never_when_ambiguous() {
        let names = [
            Name {
                target: (2, 1),
                text: "Tô Lâm",
            },
            Name {
                target: (3, 7),
                text: "Bộ Công an",
            },
            Name {
                target: (3, 8),
                text: "Bộ Công an Việt Nam",
            },
            Name {
                target: (3, 9),
                text: "TTXVN",
            },
            Name {
                target: (2, 2),
                text: "Nguyễn Văn An",
            },
            Name {
                target: (2, 3),
                text: "Nguyen Van An",
            },
            Name {
                target: (2, 4),
                text: "Phong",
            },
        ];
        let matcher = Matcher::new(&names);
        let found = matcher.find(&[
            "Đại tướng TÔ LÂM, Bộ trưởng Bộ Công an Việt Nam (TTXVN).",
            "Ông Tô Lâmson; ông Nguyễn Văn An; Phong và Bộ Công an.",
        ]);
        assert_eq!(found, [((2, 1), 1), ((3, 8), 1), ((3, 9), 1), ((3, 7), 1)]);
    }
}
