//! Public article lists read from a link table's `listed` index (decision 0010): a range of it, whatever the database's size.

use super::*;

/// The one relation a public list narrows by, when that and the publish-time window are all it
/// narrows by and it is in the default order (newest first): such a list is a range of the link
/// table's `listed` index (migration 000008), whatever the database's size.
#[derive(Debug, Clone, Copy)]
pub(super) enum ListedLink {
    Tag(i64),
    Event(i64),
    Person(i64),
    Organization(i64),
}

pub(super) fn listed_link(
    filter: &ArticleFilter,
    ids: &FilterIds,
    viewer: crate::db::Viewer,
    sort: &[(ArticleSort, bool)],
) -> Option<ListedLink> {
    let plain = !viewer.previews
        && sort == [(ArticleSort::PublishedAt, true)]
        && filter.status.is_none()
        && ids.source.is_none()
        && filter.language.is_none()
        && filter.updated_after.is_none()
        && filter.search.is_none()
        && ids.mentioned.is_none()
        && ids.sections.is_none()
        && ids.author.is_none()
        && filter.only.is_none();
    let links = [
        ids.tag.map(ListedLink::Tag),
        ids.event.map(ListedLink::Event),
        ids.person.map(ListedLink::Person),
        ids.organization.map(ListedLink::Organization),
    ];
    let mut named = links.into_iter().flatten();
    match (plain, named.next(), named.next()) {
        (true, Some(link), None) => Some(link),
        _ => None,
    }
}

/// The listed links of `$link` in the publish window `filter` and `now` (and a descending
/// cursor's time) allow, newest first, as a boxed query on the link table of article ids.
macro_rules! link_range {
    ($link:expr, $filter:expr, $now:expr, $until:expr) => {{
        macro_rules! range {
            ($table:ident, $key:ident, $id:expr) => {{
                let bound: NaiveDateTime =
                    $until.map_or($now, |until: NaiveDateTime| until.min($now));
                let mut query = $table::table
                    .filter($table::$key.eq($id))
                    // The bare column: a partial index `WHERE listed` serves only a query
                    // that says the same (a bound `listed = ?` proves nothing to SQLite).
                    .filter($table::listed)
                    .filter($table::published_at.le(bound))
                    .select($table::article_id)
                    .into_boxed::<MultiBackend>();
                if let Some(after) = $filter.published_after {
                    query = query.filter($table::published_at.ge(after));
                }
                if let Some(before) = $filter.published_before {
                    query = query.filter($table::published_at.le(before));
                }
                query
            }};
        }
        match $link {
            ListedLink::Tag(id) => LinkRange::Tags(range!(article_tags, tag_id, id)),
            ListedLink::Event(id) => LinkRange::Events(range!(article_events, event_id, id)),
            ListedLink::Person(id) => LinkRange::People(range!(article_people, person_id, id)),
            ListedLink::Organization(id) => {
                LinkRange::Organizations(range!(article_organizations, organization_id, id))
            }
        }
    }};
}

/// A range of one link table (its own query type per table).
pub(super) enum LinkRange {
    Tags(article_tags::BoxedQuery<'static, MultiBackend, diesel::sql_types::BigInt>),
    Events(article_events::BoxedQuery<'static, MultiBackend, diesel::sql_types::BigInt>),
    People(article_people::BoxedQuery<'static, MultiBackend, diesel::sql_types::BigInt>),
    Organizations(
        article_organizations::BoxedQuery<'static, MultiBackend, diesel::sql_types::BigInt>,
    ),
}

impl LinkRange {
    /// How many links the range holds.
    pub(super) fn count(self, conn: &mut DbConnection) -> QueryResult<i64> {
        match self {
            LinkRange::Tags(q) => q.count().get_result(conn),
            LinkRange::Events(q) => q.count().get_result(conn),
            LinkRange::People(q) => q.count().get_result(conn),
            LinkRange::Organizations(q) => q.count().get_result(conn),
        }
    }
}

/// A page of a `listed_link` list: the link table's index range joined to the articles, newest
/// first, in one statement that is prepared once (its text never changes: an absent bound or
/// cursor is one that passes every row).
pub(super) fn listed_through(
    conn: &mut DbConnection,
    link: ListedLink,
    filter: &ArticleFilter,
    now: NaiveDateTime,
    after: Option<&After>,
    (offset, limit): (i64, i64),
    columns: Columns,
) -> QueryResult<Vec<ArticleRow>> {
    let cursor = match after {
        None => None,
        Some(After {
            value: KeyValue::Time(t),
            id,
        }) => Some((*t, *id)),
        // A cursor of another sort matches nothing, as on the general path.
        Some(_) => return Ok(Vec::new()),
    };
    // SQLite ranges an index over one upper bound: the lowest of them all.
    let until = [Some(now), cursor.map(|(t, _)| t), filter.published_before]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now);
    let since = filter.published_after.unwrap_or_else(earliest);
    let (cursor_at, cursor_id) = cursor.unwrap_or_else(|| (latest(), i64::MAX));
    macro_rules! page {
        ($table:ident, $key:ident, $id:expr) => {{
            let query = $table::table
                .inner_join(articles::table.on(articles::id.eq($table::article_id)))
                .filter($table::$key.eq($id))
                // The bare column: a partial index `WHERE listed` serves only a query that
                // says the same (a bound `listed = ?` proves nothing to SQLite).
                .filter($table::listed)
                .filter($table::published_at.le(until))
                .filter($table::published_at.ge(since))
                .filter(
                    $table::published_at.lt(cursor_at).or($table::published_at
                        .eq(cursor_at)
                        .and($table::article_id.lt(cursor_id))),
                )
                .order(($table::published_at.desc(), $table::article_id.desc()))
                .offset(offset)
                .limit(limit);
            match columns {
                Columns::All => query.select(articles::all_columns).load(conn),
                Columns::Heads => query.select(HEADS).load(conn),
                Columns::HeadsAndStored { form, now, found } => {
                    let beside = renditions::article_beside(form);
                    let rows = query.select((HEADS, beside)).load(conn)?;
                    Ok(renditions::kept_beside(
                        rows,
                        |row: &ArticleRow| row.id,
                        now,
                        found,
                    ))
                }
            }
        }};
    }
    match link {
        ListedLink::Tag(id) => page!(article_tags, tag_id, id),
        ListedLink::Event(id) => page!(article_events, event_id, id),
        ListedLink::Person(id) => page!(article_people, person_id, id),
        ListedLink::Organization(id) => page!(article_organizations, organization_id, id),
    }
}

/// Bounds that pass every publish time where a list has none of its own: the first and last
/// moments both databases store and compare alike (SQLite compares the text: a four-digit year).
fn earliest() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

fn latest() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|day| day.and_hms_opt(23, 59, 59))
        .unwrap_or_default()
}
