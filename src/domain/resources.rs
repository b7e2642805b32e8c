//! One descriptor per resource (decision 0018): its item type, its collection, the tables it
//! owns, the webhook events its changes fire, and whether search finds it. Every registry that
//! used to be a hand-kept list (change feed types, webhook events, item keys, search kinds, the
//! export's tables) is derived from `RESOURCES`, so a resource cannot be half-registered; tests
//! fail when a table of the schema belongs to no descriptor and is not excluded with a reason.

use crate::domain::kinds::ChangeAction;

/// Which webhook events a resource's changes fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Events {
    /// `<type>.created|updated|deleted`, one per logged action.
    Lifecycle,
    /// `<type>.created|updated|deleted|purged`: a media item can also be purged from the store.
    LifecycleAndPurge,
    /// What the public saw of an article: `published` when it became visible (at once or at its
    /// scheduled moment), `updated` while visible, `unpublished` when it stopped being visible
    /// without being deleted, `deleted` whenever it is deleted; a draft's edits fire nothing.
    Publication,
    /// `<type>.updated` for every change (a slot is never created or deleted by an editor: a
    /// name that was never set reads as an empty slot).
    UpdatesOnly,
}

impl Events {
    /// The event names' second halves, in the order the spec lists them.
    pub const fn actions(self) -> &'static [&'static str] {
        match self {
            Events::Lifecycle => &["created", "updated", "deleted"],
            Events::LifecycleAndPurge => &["created", "updated", "deleted", "purged"],
            Events::Publication => &["published", "updated", "unpublished", "deleted"],
            Events::UpdatesOnly => &["updated"],
        }
    }

    /// The second half of the event a change fires, if any.
    fn action(self, action: ChangeAction, public: Option<ChangeAction>) -> Option<&'static str> {
        match self {
            Events::Publication => match (action, public) {
                (ChangeAction::Deleted, _) => Some("deleted"),
                (_, Some(ChangeAction::Created)) => Some("published"),
                (_, Some(ChangeAction::Updated)) => Some("updated"),
                (_, Some(ChangeAction::Deleted)) => Some("unpublished"),
                _ => None,
            },
            Events::UpdatesOnly => Some("updated"),
            Events::Lifecycle | Events::LifecycleAndPurge => {
                let name = action.as_str();
                self.actions().iter().copied().find(|a| *a == name)
            }
        }
    }
}

/// A resource, as every shared part of the service knows it.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The item type: the change feed's `type`, the first half of its webhook events, and the
    /// prefix of its item key in `Surrogate-Key` (`article` for `article-1`).
    pub kind: &'static str,
    /// The collection: `/api/v1/<collection>` and the change log's `resource`.
    pub collection: &'static str,
    /// The tables whose rows it owns, parents before children (the export's order).
    pub tables: &'static [&'static str],
    /// The webhook events its changes fire.
    pub events: Events,
    /// Whether `/api/v1/search` and `q` find its items.
    pub searchable: bool,
    /// Whether anonymous callers read its items (and their responses carry its item key).
    pub public: bool,
}

impl Resource {
    /// Every webhook event it fires (`section.created`, ...).
    pub fn event_names(&self) -> impl Iterator<Item = String> + '_ {
        self.events
            .actions()
            .iter()
            .map(move |action| format!("{}.{action}", self.kind))
    }

    /// The item key of one of its items (`section-3`).
    pub fn item_key(&self, id: i64) -> String {
        format!("{}-{id}", self.kind)
    }
}

const fn resource(
    kind: &'static str,
    collection: &'static str,
    tables: &'static [&'static str],
    events: Events,
    searchable: bool,
    public: bool,
) -> Resource {
    Resource {
        kind,
        collection,
        tables,
        events,
        searchable,
        public,
    }
}

pub const ORGANIZATION: Resource = resource(
    "organization",
    "organizations",
    &["organizations"],
    Events::Lifecycle,
    true,
    true,
);
pub const PERSON: Resource = resource(
    "person",
    "people",
    &["people", "person_aliases", "positions"],
    Events::Lifecycle,
    true,
    true,
);
pub const EVENT: Resource = resource(
    "event",
    "events",
    &["events", "event_organizers", "event_participants"],
    Events::Lifecycle,
    true,
    true,
);
pub const TAG: Resource = resource("tag", "tags", &["tags"], Events::Lifecycle, false, true);
/// Media is read by token holders; its files are public to whoever has their URL.
pub const MEDIA: Resource = resource(
    "media",
    "media",
    &["media", "media_purges"],
    Events::LifecycleAndPurge,
    false,
    false,
);
pub const SECTION: Resource = resource(
    "section",
    "sections",
    &["sections"],
    Events::Lifecycle,
    false,
    true,
);
pub const AUTHOR: Resource = resource(
    "author",
    "authors",
    &["authors"],
    Events::Lifecycle,
    false,
    true,
);
pub const ARTICLE: Resource = resource(
    "article",
    "articles",
    &[
        "articles",
        "article_tags",
        "article_events",
        "article_people",
        "article_organizations",
        "article_sections",
        "article_authors",
        "article_related",
        "article_translations",
        "article_media",
        "article_mentions",
        "article_mention_exclusions",
        "article_revisions",
    ],
    Events::Publication,
    true,
    true,
);
pub const SLOT: Resource = resource(
    "slot",
    "slots",
    &["slots", "slot_items"],
    Events::UpdatesOnly,
    false,
    true,
);

/// Every resource, each after those it refers to (an import loads them in this order).
pub const RESOURCES: &[Resource] = &[
    ORGANIZATION,
    PERSON,
    EVENT,
    TAG,
    MEDIA,
    SECTION,
    AUTHOR,
    ARTICLE,
    SLOT,
];

/// The resource of a collection (`articles`).
pub fn by_collection(collection: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.collection == collection)
}

/// The resource of an item type (`article`).
pub fn by_kind(kind: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.kind == kind)
}

/// Every webhook event, in the order the spec lists them.
pub fn event_names() -> Vec<String> {
    RESOURCES.iter().flat_map(Resource::event_names).collect()
}

/// The webhook event a change of `collection` fires, if any.
pub fn event_of(
    collection: &str,
    action: ChangeAction,
    public: Option<ChangeAction>,
) -> Option<String> {
    let resource = by_collection(collection)?;
    let action = resource.events.action(action, public)?;
    Some(format!("{}.{action}", resource.kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_resource_is_named_once_and_fires_events() {
        let mut kinds = HashSet::new();
        let mut collections = HashSet::new();
        let mut tables = HashSet::new();
        for resource in RESOURCES {
            assert!(kinds.insert(resource.kind), "{} twice", resource.kind);
            assert!(collections.insert(resource.collection));
            assert!(
                !resource.tables.is_empty(),
                "{} owns no table",
                resource.kind
            );
            for table in resource.tables {
                assert!(tables.insert(*table), "{table} belongs to two resources");
            }
            assert!(
                resource.event_names().count() > 0,
                "the change type {} has no webhook events",
                resource.kind
            );
            assert_eq!(
                by_kind(resource.kind).map(|r| r.collection),
                Some(resource.collection)
            );
        }
    }

    #[test]
    fn every_logged_action_of_every_resource_fires_a_declared_event() {
        use ChangeAction::*;
        let declared = event_names();
        for resource in RESOURCES {
            for action in [Created, Updated, Deleted] {
                for public in [None, Some(Created), Some(Updated), Some(Deleted)] {
                    if let Some(event) = event_of(resource.collection, action, public) {
                        assert!(declared.contains(&event), "{event} is not declared");
                    }
                }
            }
            // Whatever the public saw, a deletion is announced.
            assert!(
                event_of(resource.collection, Deleted, Some(Deleted)).is_some()
                    || resource.events == Events::UpdatesOnly,
                "{}",
                resource.kind
            );
        }
    }
}
