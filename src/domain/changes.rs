//! What a logged change means to its readers: the change feed's item types and the webhook
//! events a change fires (decision 0016).

use crate::domain::kinds::ChangeAction;

/// The item types of the change feed and of webhook events, each with its collection (the
/// change log's `resource`, the URL segment).
pub const TYPES: &[(&str, &str)] = &[
    ("article", "articles"),
    ("event", "events"),
    ("person", "people"),
    ("organization", "organizations"),
    ("tag", "tags"),
    ("media", "media"),
    ("slot", "slots"),
    ("section", "sections"),
    ("author", "authors"),
];

/// The feed type of a collection (`articles` → `article`).
pub fn type_of(collection: &str) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(_, c)| *c == collection)
        .map(|(t, _)| *t)
}

/// The collection of a feed type (`article` → `articles`).
pub fn collection_of(kind: &str) -> Option<&'static str> {
    TYPES.iter().find(|(t, _)| *t == kind).map(|(_, c)| *c)
}

/// Every webhook event, in the order the spec lists them.
pub const EVENTS: &[&str] = &[
    "article.published",
    "article.updated",
    "article.unpublished",
    "article.deleted",
    "event.created",
    "event.updated",
    "event.deleted",
    "person.created",
    "person.updated",
    "person.deleted",
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "media.created",
    "media.updated",
    "media.deleted",
];

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

/// The webhook event a change fires. Articles speak of the public article: `published` when it
/// became visible (at once or at its scheduled moment), `updated` while visible, `unpublished`
/// when it stopped being visible without being deleted, `deleted` whenever it is deleted; a
/// draft's creation and edits fire nothing. Every other type fires `<type>.<action>`.
pub fn event_of(
    collection: &str,
    action: ChangeAction,
    public: Option<ChangeAction>,
) -> Option<&'static str> {
    let kind = type_of(collection)?;
    let name = if kind == "article" {
        match (action, public) {
            (ChangeAction::Deleted, _) => "article.deleted",
            (_, Some(ChangeAction::Created)) => "article.published",
            (_, Some(ChangeAction::Updated)) => "article.updated",
            (_, Some(ChangeAction::Deleted)) => "article.unpublished",
            (_, None) => return None,
        }
    } else {
        let wanted = format!("{kind}.{}", action.as_str());
        return EVENTS.iter().copied().find(|e| *e == wanted);
    };
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeAction::*;

    #[test]
    fn articles_fire_what_the_public_saw() {
        let event =
            |action, before, after| event_of("articles", action, public_action(before, after));
        assert_eq!(event(Created, false, false), None, "a draft is created");
        assert_eq!(event(Updated, false, false), None, "a draft is edited");
        assert_eq!(event(Created, false, true), Some("article.published"));
        assert_eq!(event(Updated, false, true), Some("article.published"));
        assert_eq!(event(Updated, true, true), Some("article.updated"));
        assert_eq!(event(Updated, true, false), Some("article.unpublished"));
        assert_eq!(event(Deleted, true, false), Some("article.deleted"));
        assert_eq!(event(Deleted, false, false), Some("article.deleted"));
    }

    #[test]
    fn other_types_fire_their_action() {
        assert_eq!(
            event_of("people", Created, Some(Created)),
            Some("person.created")
        );
        assert_eq!(event_of("media", Deleted, None), Some("media.deleted"));
        assert_eq!(
            event_of("tags", Updated, Some(Updated)),
            Some("tag.updated")
        );
        assert_eq!(event_of("slugs", Updated, None), None);
        for (kind, collection) in TYPES {
            assert_eq!(type_of(collection), Some(*kind));
            assert_eq!(collection_of(kind), Some(*collection));
        }
    }
}
