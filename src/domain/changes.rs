//! What a logged change means to its readers: the change feed's item types and the webhook
//! events a change fires (decision 0016), both derived from the resource descriptors
//! (`domain::resources`, decision 0018).

use crate::domain::kinds::ChangeAction;
use crate::domain::resources;

/// The feed type of a collection (`articles` → `article`), from the resource descriptors.
pub fn type_of(collection: &str) -> Option<&'static str> {
    resources::by_collection(collection).map(|r| r.kind)
}

/// The collection of a feed type (`article` → `articles`).
pub fn collection_of(kind: &str) -> Option<&'static str> {
    resources::by_kind(kind).map(|r| r.collection)
}

/// What the public saw of a change: `created` when the item became visible, `updated` while it
/// stayed visible, `deleted` when it stopped being visible, nothing when it was invisible before
/// and after (a draft's edits).
pub fn public_action(before: bool, after: bool) -> Option<ChangeAction> {
    match (before, after) {
        (false, true) => Some(ChangeAction::Created),
        (true, true) => Some(ChangeAction::Updated),
        (true, false) => Some(ChangeAction::Deleted),
        (false, false) => None,
    }
}

/// The webhook event a change fires: the resource's descriptor decides
/// (`resources::Events`).
pub fn event_of(
    collection: &str,
    action: ChangeAction,
    public: Option<ChangeAction>,
) -> Option<String> {
    resources::event_of(collection, action, public)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeAction::*;

    fn event(
        collection: &str,
        action: ChangeAction,
        public: Option<ChangeAction>,
    ) -> Option<String> {
        event_of(collection, action, public)
    }

    #[test]
    fn articles_fire_what_the_public_saw() {
        let article =
            |action, before, after| event("articles", action, public_action(before, after));
        let named = |name: &str| Some(name.to_owned());
        assert_eq!(article(Created, false, false), None, "a draft is created");
        assert_eq!(article(Updated, false, false), None, "a draft is edited");
        assert_eq!(article(Created, false, true), named("article.published"));
        assert_eq!(article(Updated, false, true), named("article.published"));
        assert_eq!(article(Updated, true, true), named("article.updated"));
        assert_eq!(article(Updated, true, false), named("article.unpublished"));
        assert_eq!(article(Deleted, true, false), named("article.deleted"));
        assert_eq!(article(Deleted, false, false), named("article.deleted"));
    }

    #[test]
    fn other_types_fire_their_action() {
        let named = |name: &str| Some(name.to_owned());
        assert_eq!(
            event("people", Created, Some(Created)),
            named("person.created")
        );
        assert_eq!(event("media", Deleted, None), named("media.deleted"));
        assert_eq!(event("media", Purged, None), named("media.purged"));
        assert_eq!(event("tags", Purged, None), None, "only media is purged");
        assert_eq!(event("tags", Updated, Some(Updated)), named("tag.updated"));
        assert_eq!(
            event("sections", Created, Some(Created)),
            named("section.created")
        );
        assert_eq!(
            event("authors", Deleted, Some(Deleted)),
            named("author.deleted")
        );
        assert_eq!(
            event("slots", Created, Some(Created)),
            named("slot.updated")
        );
        assert_eq!(
            event("slots", Updated, Some(Updated)),
            named("slot.updated")
        );
        assert_eq!(event("slugs", Updated, None), None);
        for resource in resources::RESOURCES {
            assert_eq!(type_of(resource.collection), Some(resource.kind));
            assert_eq!(collection_of(resource.kind), Some(resource.collection));
        }
    }
}
