//! Slug history: a changed slug keeps answering 301 and stays taken, per collection (the
//! `resource` column holds `Record::COLLECTION`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::slug_history;
use super::{DbConnection, Key, Record};

/// The item an old slug belonged to.
pub fn former_holder(
    conn: &mut DbConnection,
    collection: &str,
    slug: &str,
) -> QueryResult<Option<i64>> {
    slug_history::table
        .filter(slug_history::resource.eq(collection))
        .filter(slug_history::slug.eq(slug))
        .select(slug_history::item_id)
        .first(conn)
        .optional()
}

/// Whether `slug` is free for item `owner` (`None` for a new item): held by no other item now
/// and never held by another before.
pub fn is_free<R: Record>(
    conn: &mut DbConnection,
    slug: &str,
    owner: Option<i64>,
) -> QueryResult<bool> {
    let now = R::find(conn, &Key::Slug(slug.to_owned()))?.map(|row| row.id());
    let before = former_holder(conn, R::COLLECTION, slug)?;
    Ok(now.is_none_or(|id| Some(id) == owner) && before.is_none_or(|id| Some(id) == owner))
}

/// Records that `item` gave up `old_slug`; taking back one of its own old slugs clears that entry.
pub fn record_change(
    conn: &mut DbConnection,
    collection: &str,
    item: i64,
    old_slug: &str,
    new_slug: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        slug_history::table
            .filter(slug_history::resource.eq(collection))
            .filter(slug_history::slug.eq(new_slug)),
    )
    .execute(conn)?;
    diesel::insert_into(slug_history::table)
        .values((
            slug_history::resource.eq(collection),
            slug_history::slug.eq(old_slug),
            slug_history::item_id.eq(item),
            slug_history::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
