//! Slug history: a changed slug keeps answering 301 and stays taken, per resource type.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{articles, events, organizations, people, slug_history, tags};
use super::DbConnection;

/// The resource types that have slugs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resource {
    Articles,
    Events,
    People,
    Organizations,
    Tags,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Articles => "articles",
            Resource::Events => "events",
            Resource::People => "people",
            Resource::Organizations => "organizations",
            Resource::Tags => "tags",
        }
    }
}

/// The id of the item that holds this slug now, deleted items included (their slugs stay taken).
pub fn holder(conn: &mut DbConnection, resource: Resource, slug: &str) -> QueryResult<Option<i64>> {
    macro_rules! by_slug {
        ($table:ident) => {
            $table::table
                .filter($table::slug.eq(slug))
                .select($table::id)
                .first::<i64>(conn)
                .optional()
        };
    }
    match resource {
        Resource::Articles => by_slug!(articles),
        Resource::Events => by_slug!(events),
        Resource::People => by_slug!(people),
        Resource::Organizations => by_slug!(organizations),
        Resource::Tags => by_slug!(tags),
    }
}

/// The item an old slug belonged to.
pub fn former_holder(
    conn: &mut DbConnection,
    resource: Resource,
    slug: &str,
) -> QueryResult<Option<i64>> {
    slug_history::table
        .filter(slug_history::resource.eq(resource.as_str()))
        .filter(slug_history::slug.eq(slug))
        .select(slug_history::item_id)
        .first(conn)
        .optional()
}

/// Whether `slug` is free for item `owner` (`None` for a new item): held by no other item now
/// and never held by another before.
pub fn is_free(
    conn: &mut DbConnection,
    resource: Resource,
    slug: &str,
    owner: Option<i64>,
) -> QueryResult<bool> {
    let now = holder(conn, resource, slug)?;
    let before = former_holder(conn, resource, slug)?;
    Ok(now.is_none_or(|id| Some(id) == owner) && before.is_none_or(|id| Some(id) == owner))
}

/// Records that `item` gave up `old_slug`; taking back one of its own old slugs clears that entry.
pub fn record_change(
    conn: &mut DbConnection,
    resource: Resource,
    item: i64,
    old_slug: &str,
    new_slug: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        slug_history::table
            .filter(slug_history::resource.eq(resource.as_str()))
            .filter(slug_history::slug.eq(new_slug)),
    )
    .execute(conn)?;
    diesel::insert_into(slug_history::table)
        .values((
            slug_history::resource.eq(resource.as_str()),
            slug_history::slug.eq(old_slug),
            slug_history::item_id.eq(item),
            slug_history::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
