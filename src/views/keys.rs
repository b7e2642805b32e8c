//! Which items a response shows, for the `Surrogate-Key` (and `Cache-Tag`) header a CDN purges
//! by: the builders mark every item they put on the wire while a response is being made.

use std::cell::RefCell;

use crate::domain::resources::Resource;

thread_local! {
    static KEYS: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Records that the response being built shows item `id` of `resource` (`article-1`,
/// `person-7`: the descriptor names the key, decision 0018).
pub fn mark(resource: &Resource, id: i64) {
    KEYS.with(|keys| {
        if let Some(keys) = keys.borrow_mut().as_mut() {
            keys.push(resource.item_key(id));
        }
    });
}

/// Runs `work` (on this thread) and returns what it marked, each key once, in first-seen order.
pub fn collecting<T>(work: impl FnOnce() -> T) -> (T, Vec<String>) {
    KEYS.with(|keys| *keys.borrow_mut() = Some(Vec::new()));
    let out = work();
    let mut marked = KEYS
        .with(|keys| keys.borrow_mut().take())
        .unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    marked.retain(|key| seen.insert(key.clone()));
    (out, marked)
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
}
