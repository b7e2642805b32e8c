//! Curated slots (migration 000016): a slot's version and its ordered placements.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{slot_items, slots};
use super::DbConnection;

/// A slot as stored; a slot never set has no row.
#[derive(Debug, Clone, Queryable)]
pub struct SlotRow {
    pub id: i64,
    pub name: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One placement: an article in a window (either end open).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Placement {
    pub article_id: i64,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
}

impl Placement {
    /// Whether the window holds `now` (from inclusive, until exclusive).
    pub fn current(&self, now: NaiveDateTime) -> bool {
        self.starts_at.is_none_or(|from| from <= now)
            && self.ends_at.is_none_or(|until| now < until)
    }
}

pub fn find(conn: &mut DbConnection, name: &str) -> QueryResult<Option<SlotRow>> {
    slots::table
        .filter(slots::name.eq(name))
        .select(slots::all_columns)
        .first(conn)
        .optional()
}

/// A slot's placements, in order.
pub fn placements(conn: &mut DbConnection, slot_id: i64) -> QueryResult<Vec<Placement>> {
    slot_items::table
        .filter(slot_items::slot_id.eq(slot_id))
        .order(slot_items::position.asc())
        .select((
            slot_items::article_id,
            slot_items::starts_at,
            slot_items::ends_at,
        ))
        .load(conn)
}

/// Replaces a slot's placements if it is still at version `expected` (0: never set); the slot's
/// id and new version, or `None` when another write came first. The caller holds a content
/// transaction, so the version check and the write cannot interleave with another writer's.
pub fn replace(
    conn: &mut DbConnection,
    name: &str,
    expected: i32,
    placements: &[Placement],
    now: NaiveDateTime,
) -> QueryResult<Option<(i64, i32)>> {
    let id = match find(conn, name)? {
        None if expected == 0 => diesel::insert_into(slots::table)
            .values((
                slots::name.eq(name),
                slots::version.eq(1),
                slots::created_at.eq(now),
                slots::updated_at.eq(now),
            ))
            .returning(slots::id)
            .get_result(conn)?,
        Some(slot) if slot.version == expected => {
            diesel::update(
                slots::table
                    .find(slot.id)
                    .filter(slots::version.eq(expected)),
            )
            .set((slots::version.eq(expected + 1), slots::updated_at.eq(now)))
            .execute(conn)?;
            slot.id
        }
        _ => return Ok(None),
    };
    diesel::delete(slot_items::table.filter(slot_items::slot_id.eq(id))).execute(conn)?;
    for (position, placement) in placements.iter().enumerate() {
        diesel::insert_into(slot_items::table)
            .values((
                slot_items::slot_id.eq(id),
                slot_items::position.eq(position as i32),
                slot_items::article_id.eq(placement.article_id),
                slot_items::starts_at.eq(placement.starts_at),
                slot_items::ends_at.eq(placement.ends_at),
            ))
            .execute(conn)?;
    }
    Ok(Some((id, expected + 1)))
}
