//! What a response is made of, marked by the builders while it is being made:
//! - the items it shows, for the `Surrogate-Key` (and `Cache-Tag`) header a CDN purges by;
//! - every item it read, shown or not (a related article not out yet, a media item whose alt text
//!   it took), for the stored representations (`db::renditions`): a change to any of them
//!   deletes the representation;
//! - the earliest scheduled publication it left out: the moment it stops being right.

use std::cell::RefCell;

use chrono::NaiveDateTime;

use crate::domain::resources::Resource;

/// What one response was made of.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Marks {
    /// Item keys shown, each once, in first-seen order.
    pub shown: Vec<String>,
    /// Item keys read, shown or not, each once (`shown` among them).
    pub read: Vec<String>,
    /// The earliest moment something it left out is due to appear.
    pub until: Option<NaiveDateTime>,
}

thread_local! {
    static MARKS: RefCell<Option<Marks>> = const { RefCell::new(None) };
}

fn with_marks(f: impl FnOnce(&mut Marks)) {
    MARKS.with(|marks| {
        if let Some(marks) = marks.borrow_mut().as_mut() {
            f(marks);
        }
    });
}

/// Records that the response being built shows item `id` of `resource` (`article-1`,
/// `person-7`: the descriptor names the key, decision 0018).
pub fn mark(resource: &Resource, id: i64) {
    with_marks(|marks| {
        let key = resource.item_key(id);
        marks.read.push(key.clone());
        marks.shown.push(key);
    });
}

/// Records a shown item by its key (`article-1`), as a stored representation lists them.
pub fn mark_key(key: &str) {
    with_marks(|marks| {
        marks.read.push(key.to_owned());
        marks.shown.push(key.to_owned());
    });
}

/// Records that the response being built read item `id` of `resource` without showing it (or
/// showing only part of it, as a media item's alt text): it changes when that item changes.
pub fn consult(resource: &Resource, id: i64) {
    with_marks(|marks| marks.read.push(resource.item_key(id)));
}

/// Records that the response being built leaves out something due at `at` (a related article
/// scheduled for later): from then on it is wrong.
pub fn left_out_until(at: NaiveDateTime) {
    with_marks(|marks| marks.until = Some(marks.until.map_or(at, |until| until.min(at))));
}

/// Runs `work` (on this thread) and returns the keys it showed, each once, in first-seen order.
pub fn collecting<T>(work: impl FnOnce() -> T) -> (T, Vec<String>) {
    let (out, marks) = collecting_all(work);
    (out, marks.shown)
}

/// Runs `work` (on this thread) and returns all it marked.
pub fn collecting_all<T>(work: impl FnOnce() -> T) -> (T, Marks) {
    let outer = MARKS.with(|marks| marks.borrow_mut().replace(Marks::default()));
    let out = work();
    let mut marks = MARKS
        .with(|marks| std::mem::replace(&mut *marks.borrow_mut(), outer))
        .unwrap_or_default();
    once_each(&mut marks.shown);
    once_each(&mut marks.read);
    // What an inner collection marked belongs to the outer response too.
    let inner = marks.clone();
    with_marks(|outer| {
        outer.shown.extend(inner.shown);
        outer.read.extend(inner.read);
        if let Some(at) = inner.until {
            outer.until = Some(outer.until.map_or(at, |until| until.min(at)));
        }
    });
    (out, marks)
}

fn once_each(keys: &mut Vec<String>) {
    // Borrowed, not cloned: a list of stored summaries marks a few hundred keys.
    let first: Vec<bool> = {
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        keys.iter().map(|key| seen.insert(key.as_str())).collect()
    };
    let mut first = first.into_iter();
    keys.retain(|_| first.next().unwrap_or(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_collected_once_and_only_while_collecting() {
        use crate::domain::resources::{ARTICLE, PERSON};
        mark(&ARTICLE, 1);
        let ((), keys) = collecting(|| {
            mark(&ARTICLE, 2);
            mark(&PERSON, 7);
            mark(&ARTICLE, 2);
        });
        assert_eq!(keys, ["article-2", "person-7"]);
        let ((), none) = collecting(|| {});
        assert!(none.is_empty());
    }

    #[test]
    fn read_keys_and_the_earliest_omission_are_kept_and_nested_collections_add_to_the_outer() {
        use crate::domain::resources::{ARTICLE, MEDIA};
        let at = |h| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default()
        };
        let ((), outer) = collecting_all(|| {
            mark(&ARTICLE, 1);
            let ((), inner) = collecting_all(|| {
                consult(&MEDIA, 4);
                left_out_until(at(9));
                left_out_until(at(8));
            });
            assert_eq!(inner.read, ["media-4"]);
            assert!(inner.shown.is_empty());
            assert_eq!(inner.until, Some(at(8)));
        });
        assert_eq!(outer.shown, ["article-1"]);
        assert_eq!(outer.read, ["article-1", "media-4"]);
        assert_eq!(outer.until, Some(at(8)));
    }
}
