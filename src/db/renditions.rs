//! Stored public representations (decision 0020): an item's public JSON, kept when it is first
//! rendered, so that a cold read of it is one lookup rather than a dozen queries.
//!
//! They are derived data, and never wrong:
//! - every change to an item deletes, in the change's own transaction (`changes::record`), the
//!   representations that read that item (`rendition_keys`), its own among them;
//! - a representation is stored only if no change was logged between the moment its rendering
//!   began and the store, which holds the change log's head row while it writes (content writes
//!   take that row first), so no change can commit in between;
//! - one that leaves out something scheduled for later is not used from that moment on;
//! - what changes without a content write (the view count) is added when it is read.
//!
//! Export leaves them out; import and `newsroom reindex` start them over; the background fill
//! renders those missing.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

use super::fragments::{constant, Constant};
use super::schema::{change_log_head, rendition_keys, renditions};
use super::DbConnection;
use crate::domain::resources::Resource;
use crate::views::keys::Marks;
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};

/// Which representation of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// At the item's own URL.
    Item,
    /// As a list shows it.
    Summary,
}

impl Form {
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Item => "item",
            Form::Summary => "summary",
        }
    }
}

/// The language column of representations in the default language: names as the items' own
/// columns have them.
const OWN_LANGUAGE: &str = "";

/// The language column of representations naming things in `lang` (decision 0028): `''` for
/// the default, the language's tag otherwise. Read beside an article's row (`article_beside`)
/// only in the default language; the others are found by `find`.
pub fn language_of(lang: crate::domain::languages::Lang) -> &'static str {
    match lang.is_default() {
        true => OWN_LANGUAGE,
        false => lang.code,
    }
}

/// A rendered representation: the JSON, where the view count goes, and what it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    pub body: String,
    /// The byte offset where `"view_count":N,` is put when read.
    pub view_count_at: Option<usize>,
    /// The item keys it shows (`Surrogate-Key`).
    pub shown: Vec<String>,
}

/// The placeholder a rendering writes as the view count, found and cut out before storing.
pub const VIEW_COUNT_PLACEHOLDER: i64 = i64::MIN;

impl Rendition {
    /// A representation rendered with `VIEW_COUNT_PLACEHOLDER` as its view count (if it has
    /// one): the placeholder is cut out and its place remembered. `None` when the placeholder
    /// is not followed by another member (nowhere to cut it cleanly): such a rendering is not
    /// stored.
    pub fn from_rendered(mut body: String, shown: Vec<String>) -> Option<Rendition> {
        let member = format!("\"view_count\":{VIEW_COUNT_PLACEHOLDER}");
        // A key cannot occur inside a JSON string (its quotes would be escaped): a match is
        // the member itself.
        let Some(at) = body.find(&member) else {
            return Some(Rendition {
                body,
                view_count_at: None,
                shown,
            });
        };
        if body.as_bytes().get(at + member.len()) != Some(&b',') {
            return None;
        }
        body.replace_range(at..=at + member.len(), "");
        Some(Rendition {
            body,
            view_count_at: Some(at),
            shown,
        })
    }

    /// A representation as its row keeps it: the JSON, the view count's offset, the item keys
    /// it shows separated by spaces.
    fn stored(body: String, view_count_at: Option<i32>, shown: String) -> Rendition {
        Rendition {
            body,
            view_count_at: view_count_at.and_then(|at| usize::try_from(at).ok()),
            shown: shown.split_whitespace().map(str::to_owned).collect(),
        }
    }

    /// The JSON as sent: the view count in its place.
    pub fn with_view_count(&self, view_count: i64) -> String {
        match self
            .view_count_at
            .filter(|at| self.body.is_char_boundary(*at))
        {
            Some(at) => {
                let (before, after) = self.body.split_at(at);
                format!("{before}\"view_count\":{view_count},{after}")
            }
            None => self.body.clone(),
        }
    }
}

type StoredRow = (i64, String, Option<i32>, String, Option<NaiveDateTime>);

/// The stored representations of these items that are still right at `now`.
pub fn find(
    conn: &mut DbConnection,
    resource: &Resource,
    form: Form,
    ids: &[i64],
    language: &str,
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, Rendition>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let query = renditions::table
        .filter(renditions::resource.eq(resource.collection))
        .filter(renditions::form.eq(form.as_str()))
        .filter(renditions::language.eq(language))
        .select((
            renditions::item_id,
            renditions::body,
            renditions::view_count_at,
            renditions::shown,
            renditions::valid_until,
        ));
    // Each a statement prepared once per connection, run on the backend's own connection (the
    // multi-backend wrapper writes the SQL out again on every run). A list of ids is one
    // parameter: `IN (?, ?, ...)` is a new statement for every length, parsed on every read.
    let rows: Vec<StoredRow> = match (conn, ids) {
        (conn, [id]) => {
            let query = query.filter(renditions::item_id.eq(*id));
            on_backend!(conn, |c| query.load(c))?
        }
        (DbConnection::Pg(c), _) => query.filter(renditions::item_id.eq_any(ids)).load(c)?,
        (DbConnection::Sqlite(c), _) => query
            .filter(super::fragments::ids_in("\"renditions\".\"item_id\"", ids))
            .load(c)?,
    };
    Ok(rows
        .into_iter()
        .filter(|(.., until)| until.is_none_or(|until| until > now))
        .map(|(id, body, at, shown, _)| (id, Rendition::stored(body, at, shown)))
        .collect())
}

/// An article's stored representation in one form, read beside its row in a list's own
/// statement (decision 0023): `(body, view_count_at, shown, valid_until)`, all `NULL` when none
/// is stored. One statement for a page and its items, where `find` is a second.
pub type Beside = (
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<NaiveDateTime>,
);

/// The columns `Beside` is read from: a subquery per column, on the primary key.
pub type BesideColumns = (
    Constant<Nullable<Text>>,
    Constant<Nullable<Integer>>,
    Constant<Nullable<Text>>,
    Constant<Nullable<Timestamp>>,
);

macro_rules! beside {
    ($form:literal) => {{
        macro_rules! column {
            ($column:literal) => {
                constant(concat!(
                    "(SELECT \"renditions\".\"",
                    $column,
                    "\" FROM \"renditions\" WHERE \"renditions\".\"resource\" = 'articles' \
                     AND \"renditions\".\"item_id\" = \"articles\".\"id\" \
                     AND \"renditions\".\"form\" = '",
                    $form,
                    "' AND \"renditions\".\"language\" = '')"
                ))
            };
        }
        (
            column!("body"),
            column!("view_count_at"),
            column!("shown"),
            column!("valid_until"),
        )
    }};
}

/// What to select beside an article's row for its stored representation in `form`.
pub const fn article_beside(form: Form) -> BesideColumns {
    match form {
        Form::Item => beside!("item"),
        Form::Summary => beside!("summary"),
    }
}

/// The rows, their stored representations that are still right at `now` put in `found`.
pub fn kept_beside<R>(
    rows: Vec<(R, Beside)>,
    id_of: impl Fn(&R) -> i64,
    now: NaiveDateTime,
    found: &mut HashMap<i64, Rendition>,
) -> Vec<R> {
    rows.into_iter()
        .map(|(row, beside)| {
            if let (Some(body), at, Some(shown), until) = beside {
                if until.is_none_or(|until| until > now) {
                    found.insert(id_of(&row), Rendition::stored(body, at, shown));
                }
            }
            row
        })
        .collect()
}

/// Finds a stored representation by its item's key: the representation and the item's view
/// count.
pub type FindAtKey = fn(
    &mut DbConnection,
    Form,
    &crate::domain::key::Key,
    &str,
    NaiveDateTime,
) -> QueryResult<Option<(Rendition, i64)>>;

/// The stored representation of the article `key` names (its current slug or id), with its
/// view count, in one statement prepared once per connection: an anonymous read at the
/// article's own URL that finds one needs nothing else, since one is stored only while the item
/// is public and every change to the item deletes it (the module's rules). `None`: the full
/// lookup decides (a former slug's 301, a 404, a 410, or a rendering).
pub fn find_article_at_key(
    conn: &mut DbConnection,
    form: Form,
    key: &crate::domain::key::Key,
    language: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(Rendition, i64)>> {
    use super::schema::articles;
    use crate::domain::key::Key;
    let query = renditions::table
        .inner_join(articles::table.on(articles::id.eq(renditions::item_id)))
        .filter(renditions::resource.eq(crate::domain::resources::ARTICLE.collection))
        .filter(renditions::form.eq(form.as_str()))
        .filter(renditions::language.eq(language))
        .select((
            renditions::body,
            renditions::view_count_at,
            renditions::shown,
            renditions::valid_until,
            articles::view_count,
        ));
    type Row = (String, Option<i32>, String, Option<NaiveDateTime>, i64);
    // On the backend's own connection: the multi-backend wrapper writes the SQL out anew.
    let found: Option<Row> = match key {
        Key::Id(id) => {
            let query = query.filter(articles::id.eq(*id));
            on_backend!(conn, |c| query.first(c).optional())?
        }
        Key::Slug(slug) => {
            let query = query.filter(articles::slug.eq(slug.as_str()));
            on_backend!(conn, |c| query.first(c).optional())?
        }
    };
    Ok(found
        .filter(|(.., until, _)| until.is_none_or(|until| until > now))
        .map(|(body, at, shown, _, view_count)| (Rendition::stored(body, at, shown), view_count)))
}

/// Where renderings start: the number of the last logged change. Read it before reading what
/// is rendered.
pub fn stamp(conn: &mut DbConnection) -> QueryResult<i64> {
    head(conn)
}

/// The change log's head, read here rather than through `changes` (which calls `forget`).
fn head(conn: &mut DbConnection) -> QueryResult<i64> {
    change_log_head::table
        .find(1)
        .select(change_log_head::seq)
        .first(conn)
}

/// One representation to store: the item, its form, the rendering and what it read.
pub struct ToStore {
    pub item_id: i64,
    pub form: Form,
    pub rendition: Rendition,
    pub marks: Marks,
}

/// Stores representations rendered from what was read after `stamp`, unless a change was
/// logged since (it may have touched what they show): then nothing is stored, and a later read
/// renders again. Holds the change log's head row while it writes, so no change commits in
/// between. Returns whether they were stored.
pub fn store(
    conn: &mut DbConnection,
    resource: &Resource,
    stamp: i64,
    items: Vec<ToStore>,
    language: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if items.is_empty() {
        return Ok(true);
    }
    // A replica is read-only: the primary's readers and its fill store them (decision 0027).
    if super::replica::on_replica() {
        return Ok(false);
    }
    conn.transaction(|conn| {
        let head: i64 = match conn {
            // Shared: stores run side by side, a content write (which takes it for update)
            // waits for them, and they wait for it.
            DbConnection::Pg(c) => change_log_head::table
                .find(1)
                .select(change_log_head::seq)
                .for_share()
                .first(c)?,
            DbConnection::Sqlite(_) => {
                super::take_write_lock(conn)?;
                head(conn)?
            }
        };
        if head != stamp {
            return Ok(false);
        }
        for item in items {
            let ToStore {
                item_id,
                form,
                rendition,
                marks,
            } = item;
            let view_count_at = rendition
                .view_count_at
                .and_then(|at| i32::try_from(at).ok());
            let values = (
                renditions::resource.eq(resource.collection),
                renditions::item_id.eq(item_id),
                renditions::form.eq(form.as_str()),
                renditions::language.eq(language),
                renditions::body.eq(&rendition.body),
                renditions::view_count_at.eq(view_count_at),
                renditions::shown.eq(rendition.shown.join(" ")),
                renditions::valid_until.eq(marks.until),
                renditions::rendered_at.eq(now),
            );
            // Another reader may have stored the same rendering meanwhile: the same bytes.
            diesel::delete(
                renditions::table
                    .filter(renditions::resource.eq(resource.collection))
                    .filter(renditions::item_id.eq(item_id))
                    .filter(renditions::form.eq(form.as_str()))
                    .filter(renditions::language.eq(language)),
            )
            .execute(conn)?;
            diesel::insert_into(renditions::table)
                .values(values)
                .execute(conn)?;
            let own = resource.item_key(item_id);
            let keys: Vec<_> = marks
                .read
                .iter()
                .chain(std::iter::once(&own))
                .map(|key| {
                    (
                        rendition_keys::key.eq(key.as_str()),
                        rendition_keys::resource.eq(resource.collection),
                        rendition_keys::item_id.eq(item_id),
                    )
                })
                .collect();
            for key in keys {
                on_backend!(conn, |c| diesel::insert_into(rendition_keys::table)
                    .values(key)
                    .on_conflict_do_nothing()
                    .execute(c))?;
            }
        }
        Ok(true)
    })
}

/// Deletes the representations that read the item `key` names (`article-3`): inside the
/// transaction that changes it, after the change log's head row was taken.
pub fn forget(conn: &mut DbConnection, key: &str) -> QueryResult<usize> {
    let readers = rendition_keys::table
        .filter(rendition_keys::key.eq(key))
        .select((rendition_keys::resource, rendition_keys::item_id))
        .load::<(String, i64)>(conn)?;
    if readers.is_empty() {
        return Ok(0);
    }
    let mut by_resource: HashMap<String, Vec<i64>> = HashMap::new();
    for (resource, item_id) in readers {
        by_resource.entry(resource).or_default().push(item_id);
    }
    let mut deleted = 0;
    for (resource, ids) in by_resource {
        // Bounded binds per statement (SQLite allows 32,766).
        for chunk in ids.chunks(10_000) {
            deleted += diesel::delete(
                renditions::table
                    .filter(renditions::resource.eq(&resource))
                    .filter(renditions::item_id.eq_any(chunk.to_vec())),
            )
            .execute(conn)?;
            // No representation of these items is left: neither is what they read.
            diesel::delete(
                rendition_keys::table
                    .filter(rendition_keys::resource.eq(&resource))
                    .filter(rendition_keys::item_id.eq_any(chunk.to_vec())),
            )
            .execute(conn)?;
        }
    }
    Ok(deleted)
}

/// Deletes every stored representation (import, `newsroom reindex`): they are rendered again.
pub fn clear(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(rendition_keys::table).execute(conn)?;
    diesel::delete(renditions::table).execute(conn)?;
    Ok(())
}

/// How many representations are stored (diagnostics, tests).
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    renditions::table.count().get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_representation_read_beside_its_article_is_the_one_find_reads() {
        for form in [Form::Item, Form::Summary] {
            let query = super::super::schema::articles::table.select(article_beside(form));
            let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
            let resource = crate::domain::resources::ARTICLE.collection;
            for condition in [
                format!("\"renditions\".\"resource\" = '{resource}'"),
                format!("\"renditions\".\"form\" = '{}'", form.as_str()),
                format!("\"renditions\".\"language\" = '{OWN_LANGUAGE}')"),
                "\"renditions\".\"item_id\" = \"articles\".\"id\"".to_owned(),
            ] {
                assert_eq!(sql.matches(&condition).count(), 4, "{condition} in {sql}");
            }
        }
    }

    #[test]
    fn one_read_beside_is_kept_until_the_publication_it_leaves_out() {
        let at = |h| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, 4)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default()
        };
        let rows = vec![
            (
                1_i64,
                (Some("{}".into()), None, Some("article-1".into()), None),
            ),
            (2, (Some("{}".into()), None, Some("".into()), Some(at(9)))),
            (3, (Some("{}".into()), None, Some("".into()), Some(at(8)))),
            (4, (None, None, None, None)),
        ];
        let mut found = HashMap::new();
        let kept = kept_beside(rows, |id| *id, at(8), &mut found);
        assert_eq!(kept, [1, 2, 3, 4]);
        let mut ids: Vec<i64> = found.keys().copied().collect();
        ids.sort();
        assert_eq!(ids, [1, 2], "3 is out of date at 8:00, 4 has none stored");
        assert_eq!(found[&1].shown, ["article-1"]);
    }
}
