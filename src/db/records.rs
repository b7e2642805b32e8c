//! The read side's trait, `Record` (the mirror of `api::editing::Editable`), who may see an
//! item (`Viewer`, `Seen`), the one lookup behind every read and write (`locate`), and the
//! resolution of a body's references (`refer`, `refer_all`).

use super::*;

/// A stored item with a slug, soft-deleted rather than removed: what every lookup and every
/// write needs to know of it. `record!` implements it for a row type.
///
/// It is also the read side's trait, the mirror of the write side's `Editable`: each resource
/// says its row type (`Self`), its name, how it is found and who may see it; `api::read::lookup`
/// turns that into 301, 404 or 410 for every resource alike.
pub trait Record: Sized + Send + 'static {
    /// The editable columns, written whole by create, replace and patch.
    type Changes;
    /// The collection's name in URLs (`/api/v1/<collection>`) and in the slug history.
    const COLLECTION: &'static str;
    /// The resource's name in messages: "article".
    const NOUN: &'static str;
    /// The item with this id or current slug, deleted or not.
    fn find(conn: &mut DbConnection, key: &Key) -> diesel::QueryResult<Option<Self>>;
    /// The items with these ids or current slugs, deleted or not, in one query (any order).
    fn find_all(conn: &mut DbConnection, keys: &[Key]) -> diesel::QueryResult<Vec<Self>>;
    fn id(&self) -> i64;
    fn slug(&self) -> &str;
    fn version(&self) -> i32;
    fn deleted_at(&self) -> Option<chrono::NaiveDateTime>;

    /// `INSERT` of a new item; `created_at` is the changes' `updated_at`.
    fn insert(conn: &mut DbConnection, changes: &Self::Changes) -> diesel::QueryResult<i64>;
    /// `UPDATE .. SET <changes>, version = version + 1 WHERE id = ? AND version = ? AND
    /// deleted_at IS NULL`: true when it applied. One statement, so two writers of the same
    /// version cannot both win (the other answers 412).
    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        changes: &Self::Changes,
    ) -> diesel::QueryResult<bool>;
    /// Soft delete with the same version check; the slug stays taken.
    fn soft_delete(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        now: chrono::NaiveDateTime,
    ) -> diesel::QueryResult<bool>;

    /// What `viewer` may see of the item. By default everything that is not deleted.
    fn seen(&self, _viewer: Viewer) -> Seen {
        match self.deleted_at() {
            Some(_) => Seen::Gone,
            None => Seen::Visible,
        }
    }

    /// Whether an old slug of the item answers 301 for `viewer`: by default while it is not
    /// deleted.
    fn redirects(&self, _viewer: Viewer) -> bool {
        self.deleted_at().is_none()
    }
}

/// Who is reading, and when: the public sees what is out; preview tokens see drafts and
/// scheduled items too.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewer {
    pub previews: bool,
    pub now: chrono::NaiveDateTime,
}

impl Viewer {
    /// An anonymous reader at `now`.
    pub fn public(now: chrono::NaiveDateTime) -> Viewer {
        Viewer {
            previews: false,
            now,
        }
    }

    /// A token holder at `now` (every token previews).
    pub fn editor(now: chrono::NaiveDateTime) -> Viewer {
        Viewer {
            previews: true,
            now,
        }
    }

    /// The one visibility rule (decision 0002): whether this viewer may see `row`, at its own
    /// URL or named inside another item (related articles, slots, lists, feeds, previews).
    pub fn sees<R: Record>(&self, row: &R) -> bool {
        row.seen(*self) == Seen::Visible
    }
}

/// What a viewer may see of an item found by its key.
#[derive(Debug, PartialEq)]
pub enum Seen {
    Visible,
    /// 410: it was there and was deleted.
    Gone,
    /// 404: it does not exist for this viewer.
    Hidden,
}

/// Where a key leads.
pub enum Located<R> {
    /// The item holding the id or slug now.
    Current(R),
    /// The item that held this slug before it was renamed.
    Renamed(R),
    Missing,
}

/// Finds the item a key names, following old slugs: the one lookup behind every read (which
/// answers 301, 404 or 410 from it) and every write.
pub fn locate<R: Record>(conn: &mut DbConnection, key: &Key) -> diesel::QueryResult<Located<R>> {
    if let Some(row) = R::find(conn, key)? {
        return Ok(Located::Current(row));
    }
    if let Key::Slug(slug) = key {
        if let Some(id) = slugs::former_holder(conn, R::COLLECTION, slug)? {
            if let Some(row) = R::find(conn, &Key::Id(id))? {
                return Ok(Located::Renamed(row));
            }
        }
    }
    Ok(Located::Missing)
}

/// How a body's references are resolved: to live items, every unknown one a 422 at its pointer.
/// The live item of `R` a body's reference names; an unknown one is recorded at `pointer`.
pub fn refer<R: Record>(
    conn: &mut DbConnection,
    reference: &Reference,
    pointer: &str,
    checks: &mut Checks,
) -> diesel::QueryResult<Option<R>> {
    let Some(key) = reference.key() else {
        checks.add(pointer, "must be an id, a slug or a reference");
        return Ok(None);
    };
    match R::find(conn, &key)?.filter(|row| row.deleted_at().is_none()) {
        Some(row) => Ok(Some(row)),
        None => {
            checks.add(pointer, format!("no {} `{key}`", R::NOUN));
            Ok(None)
        }
    }
}

/// The ids of the live items a list of references names, without repeats; unknown ones are 422s
/// at their index under `field`.
pub fn refer_all<R: Record>(
    conn: &mut DbConnection,
    references: &[Reference],
    field: &str,
    checks: &mut Checks,
) -> diesel::QueryResult<Vec<i64>> {
    let keys: Vec<Option<Key>> = references.iter().map(Reference::key).collect();
    let wanted: Vec<Key> = keys.iter().flatten().cloned().collect();
    let found: Vec<R> = R::find_all(conn, &wanted)?
        .into_iter()
        .filter(|row| row.deleted_at().is_none())
        .collect();
    let mut ids = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let pointer = format!("/{field}/{i}");
        let Some(key) = key else {
            checks.add(&pointer, "must be an id, a slug or a reference");
            continue;
        };
        let row = found.iter().find(|row| match key {
            Key::Id(id) => row.id() == *id,
            Key::Slug(slug) => row.slug() == slug,
        });
        match row {
            Some(row) if !ids.contains(&row.id()) => ids.push(row.id()),
            Some(_) => {}
            None => checks.add(&pointer, format!("no {} `{key}`", R::NOUN)),
        }
    }
    Ok(ids)
}

/// Implements `Record` for a row type with `id`, `slug`, `version` and `deleted_at` columns and
/// its `Changes` type;
/// methods after the noun (`seen`, `redirects`) replace the defaults.
macro_rules! record {
    ($row:ty, $changes:ty, $table:ident, $noun:literal $(, { $($extra:tt)* })?) => {
        impl $crate::db::Record for $row {
            type Changes = $changes;
            const COLLECTION: &'static str = stringify!($table);
            const NOUN: &'static str = $noun;

            fn insert(
                conn: &mut $crate::db::DbConnection,
                changes: &$changes,
            ) -> diesel::QueryResult<i64> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                diesel::insert_into($table::table)
                    .values((changes, $table::created_at.eq(changes.updated_at)))
                    .returning($table::id)
                    .get_result(conn)
            }

            fn update(
                conn: &mut $crate::db::DbConnection,
                id: i64,
                expected: i32,
                changes: &$changes,
            ) -> diesel::QueryResult<bool> {
                $crate::db::versioned_update!(conn, $table, id, expected, changes)
            }

            fn soft_delete(
                conn: &mut $crate::db::DbConnection,
                id: i64,
                expected: i32,
                now: chrono::NaiveDateTime,
            ) -> diesel::QueryResult<bool> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                let changes = ($table::deleted_at.eq(Some(now)), $table::updated_at.eq(now));
                $crate::db::versioned_update!(conn, $table, id, expected, changes)
            }

            fn find(
                conn: &mut $crate::db::DbConnection,
                key: &$crate::db::Key,
            ) -> diesel::QueryResult<Option<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                // Two static queries rather than one boxed: diesel keeps a static query's
                // prepared statement per connection, and prepares a boxed one anew each time
                // (the better part of a cold read's database time).
                // On the backend's own connection: the multi-backend wrapper writes a query's
                // SQL out again on every run.
                use $crate::db::DbConnection;
                match key {
                    $crate::db::Key::Id(id) => {
                        let query = $table::table
                            .filter($table::id.eq(*id))
                            .select($table::all_columns);
                        on_backend!(conn, |c| query.first(c).optional())
                    }
                    $crate::db::Key::Slug(slug) => {
                        let query = $table::table
                            .filter($table::slug.eq(slug.as_str()))
                            .select($table::all_columns);
                        on_backend!(conn, |c| query.first(c).optional())
                    }
                }
            }

            fn find_all(
                conn: &mut $crate::db::DbConnection,
                keys: &[$crate::db::Key],
            ) -> diesel::QueryResult<Vec<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                let mut ids = Vec::new();
                let mut slugs = Vec::new();
                for key in keys {
                    match key {
                        $crate::db::Key::Id(id) => ids.push(*id),
                        $crate::db::Key::Slug(slug) => slugs.push(slug.clone()),
                    }
                }
                if keys.is_empty() {
                    return Ok(Vec::new());
                }
                $table::table
                    .filter($table::id.eq_any(ids).or($table::slug.eq_any(slugs)))
                    .select($table::all_columns)
                    .load(conn)
            }

            fn id(&self) -> i64 {
                self.id
            }

            fn slug(&self) -> &str {
                &self.slug
            }

            fn version(&self) -> i32 {
                self.version
            }

            fn deleted_at(&self) -> Option<chrono::NaiveDateTime> {
                self.deleted_at
            }

            $($($extra)*)?
        }
    };
}
pub(crate) use record;

/// Live rows of a table by id, in one query (deleted ones are left out).
macro_rules! live_by_ids {
    ($conn:expr, $table:ident, $ids:expr) => {{
        use diesel::prelude::*;
        use $crate::db::schema::$table;
        let ids: &[i64] = $ids;
        if ids.is_empty() {
            Ok(Vec::new())
        } else {
            $table::table
                .filter($table::id.eq_any(ids.to_vec()))
                .filter($table::deleted_at.is_null())
                .select($table::all_columns)
                .load($conn)
        }
    }};
}
pub(crate) use live_by_ids;
