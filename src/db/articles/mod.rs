//! Articles and their links to tags, events, people and organizations: rows and queries.
//!
//! Visibility lives here, once: an article is public when it is `published`, its `published_at`
//! has passed and it is not deleted. Every list, count and sub-collection goes through
//! `listed_article_ids!` or `filtered`, so a draft or a scheduled article cannot leak on one path only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::renditions;
use crate::db::schema::{
    article_events, article_organizations, article_people, article_revisions, article_tags,
    articles, tags,
};
use crate::db::{After, DbConnection, Key, KeyValue, MultiBackend};
use crate::domain::kinds::ArticleStatus;

mod columns;
pub use columns::Columns;
use columns::{HEADS, PUBLISHED};
#[macro_use]
mod listed;
use listed::*;
mod writes;
pub use writes::*;
pub mod translations;

#[derive(Debug, Clone, Queryable)]
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub lead: Option<String>,
    pub body: String,
    pub source_id: Option<i64>,
    pub byline: Option<String>,
    pub language: String,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub notes: Option<String>,
    pub search_key: String,
    pub sort_key: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// All-time page views, added to by the visit flush.
    pub view_count: i64,
    /// The primary section.
    pub section_id: Option<i64>,
}

impl ArticleRow {
    /// Whether anonymous callers may see the article at its own URL (archived ones included).
    pub fn is_public_at(&self, now: NaiveDateTime) -> bool {
        self.deleted_at.is_none() && self.was_published_by(now)
    }

    /// Whether the article was out in public by `now`, ignoring deletion: a deleted article that
    /// was public answers 410, one that never was answers 404.
    pub fn was_published_by(&self, now: NaiveDateTime) -> bool {
        self.status.is_out() && self.published_at.is_some_and(|at| at <= now)
    }
}

// Drafts and scheduled articles exist only for preview tokens; a deleted article that was out
// answers 410, one that never was 404; an old slug redirects once the article was out.
super::record!(ArticleRow, ArticleChanges, articles, "article", {
    fn seen(&self, viewer: crate::db::Viewer) -> crate::db::Seen {
        let visible = match viewer.previews {
            true => self.deleted_at.is_none(),
            false => self.is_public_at(viewer.now),
        };
        if visible {
            crate::db::Seen::Visible
        } else if self.deleted_at.is_some()
            && (viewer.previews || self.was_published_by(viewer.now))
        {
            crate::db::Seen::Gone
        } else {
            crate::db::Seen::Hidden
        }
    }
    fn redirects(&self, viewer: crate::db::Viewer) -> bool {
        viewer.previews || self.was_published_by(viewer.now)
    }
});

/// Which related resource a link table points at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Relation {
    Tags,
    Events,
    People,
    Organizations,
}

#[derive(Debug, Default, Clone)]
pub struct ArticleFilter {
    pub status: Option<ArticleStatus>,
    pub event: Option<Key>,
    pub person: Option<Key>,
    pub organization: Option<Key>,
    pub tag: Option<String>,
    pub source: Option<Key>,
    /// Only articles in this section or one below it, as primary or further section.
    pub section: Option<Key>,
    /// Only articles this author wrote.
    pub author: Option<Key>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    pub updated_after: Option<NaiveDateTime>,
    /// Only articles whose text names this person, else organization, else event (its id or
    /// slug): `mentions`.
    pub mentions: Option<Key>,
    /// `q`: items the search index matches (`db::search`).
    pub search: Option<crate::domain::search::Query>,
    /// Only these items (a page ranked by relevance narrowed by the other filters).
    pub only: Option<Vec<i64>>,
    /// Only articles written in this language (BCP 47).
    pub language: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArticleSort {
    PublishedAt,
    Title,
    Id,
    UpdatedAt,
    /// All-time page views: a live value, so no cursor.
    ViewCount,
}

type Boxed<'a> = articles::BoxedQuery<'a, MultiBackend>;

/// Ids of the articles listed in public (published, out by `now`, not deleted), as an unboxed
/// subquery: boxed subqueries do not compose on the multi-backend connection.
macro_rules! listed_article_ids {
    ($now:expr) => {
        $crate::db::schema::articles::table
            .filter(
                $crate::db::schema::articles::status
                    .eq($crate::domain::kinds::ArticleStatus::Published),
            )
            .filter($crate::db::schema::articles::published_at.le($now))
            .filter($crate::db::schema::articles::deleted_at.is_null())
            .select($crate::db::schema::articles::id)
    };
}
pub(crate) use listed_article_ids;

/// The filter's keys as ids; `None` when one of them names nothing.
struct FilterIds {
    event: Option<i64>,
    person: Option<i64>,
    organization: Option<i64>,
    source: Option<i64>,
    tag: Option<i64>,
    /// `(kind, id)` of the `mentions` filter.
    mentioned: Option<(i16, i64)>,
    /// The `section` filter's section and every one below it.
    sections: Option<Vec<i64>>,
    author: Option<i64>,
}

fn resolve(conn: &mut DbConnection, filter: &ArticleFilter) -> QueryResult<Option<FilterIds>> {
    let event = crate::db::resolve_filter!(conn, events, &filter.event)?;
    let person = crate::db::resolve_filter!(conn, people, &filter.person)?;
    let organization = crate::db::resolve_filter!(conn, organizations, &filter.organization)?;
    let source = crate::db::resolve_filter!(conn, organizations, &filter.source)?;
    let tag = match &filter.tag {
        None => None,
        Some(slug) => Some(
            tags::table
                .filter(tags::slug.eq(slug.as_str()))
                .select(tags::id)
                .first::<i64>(conn)
                .optional()?,
        ),
    };
    let mentioned = match &filter.mentions {
        None => None,
        Some(key) => {
            use crate::db::search::Kind;
            let mut found = None;
            if let Some(id) = crate::db::resolve_key!(conn, people, key)? {
                found = Some((Kind::Person as i16, id));
            } else if let Some(id) = crate::db::resolve_key!(conn, organizations, key)? {
                found = Some((Kind::Organization as i16, id));
            } else if let Some(id) = crate::db::resolve_key!(conn, events, key)? {
                found = Some((Kind::Event as i16, id));
            }
            match found {
                Some(target) => Some(target),
                None => return Ok(None),
            }
        }
    };
    let section = crate::db::resolve_filter!(conn, sections, &filter.section)?;
    let author = crate::db::resolve_filter!(conn, authors, &filter.author)?;
    let all = [event, person, organization, source, tag, section, author];
    if all.iter().any(|k| matches!(k, Some(None))) {
        return Ok(None);
    }
    let sections = match section.flatten() {
        Some(id) => Some(crate::db::sections::with_descendants(conn, id)?),
        None => None,
    };
    Ok(Some(FilterIds {
        event: event.flatten(),
        person: person.flatten(),
        organization: organization.flatten(),
        source: source.flatten(),
        tag: tag.flatten(),
        mentioned,
        sections,
        author: author.flatten(),
    }))
}

/// The articles `filter` and `viewer` select. `until` (a descending cursor's publish time)
/// tightens the publish bound to one value: SQLite ranges an index over one upper bound only,
/// and with `now` it scanned from the newest article down to the cursor.
fn filtered(
    backend: super::Backend,
    filter: &ArticleFilter,
    ids: &FilterIds,
    viewer: crate::db::Viewer,
    until: Option<NaiveDateTime>,
) -> Boxed<'static> {
    let mut query = articles::table
        .filter(articles::deleted_at.is_null())
        .into_boxed();
    let bound = match (viewer.previews, until) {
        (false, Some(until)) => Some(until.min(viewer.now)),
        (false, None) => Some(viewer.now),
        (true, until) => until,
    };
    if !viewer.previews {
        query = query.filter(PUBLISHED);
    }
    if let Some(bound) = bound {
        query = query.filter(articles::published_at.le(bound));
    }
    if let Some(status) = &filter.status {
        query = query.filter(articles::status.eq(*status));
    }
    if let Some(id) = ids.event {
        query = crate::db::through!(
            query,
            articles::id,
            article_events.article_id,
            event_id == id
        );
    }
    if let Some(id) = ids.person {
        query = crate::db::through!(
            query,
            articles::id,
            article_people.article_id,
            person_id == id
        );
    }
    if let Some(id) = ids.organization {
        query = crate::db::through!(
            query,
            articles::id,
            article_organizations.article_id,
            organization_id == id
        );
    }
    if let Some(id) = ids.tag {
        query = crate::db::through!(query, articles::id, article_tags.article_id, tag_id == id);
    }
    if let Some(id) = ids.source {
        query = query.filter(articles::source_id.eq(id));
    }
    if let Some(language) = &filter.language {
        query = query.filter(articles::language.eq(language.clone()));
    }
    if let Some(after) = filter.published_after {
        query = query.filter(articles::published_at.ge(after));
    }
    if let Some(before) = filter.published_before {
        query = query.filter(articles::published_at.le(before));
    }
    if let Some(after) = filter.updated_after {
        query = query.filter(articles::updated_at.ge(after));
    }
    if let Some((kind, item)) = ids.mentioned {
        use crate::db::schema::article_mentions as mentions;
        query = query.filter(
            articles::id.eq_any(
                mentions::table
                    .filter(mentions::kind.eq(kind))
                    .filter(mentions::item_id.eq(item))
                    .select(mentions::article_id),
            ),
        );
    }
    if let Some(ids) = &filter.only {
        query = query.filter(articles::id.eq_any(ids.clone()));
    }
    if let Some(id) = ids.author {
        query = crate::db::through!(
            query,
            articles::id,
            article_authors.article_id,
            author_id == id
        );
    }
    if let Some(sections) = &ids.sections {
        use crate::db::schema::article_sections;
        query = query.filter(
            articles::section_id
                .eq_any(sections.clone())
                .or(articles::id.eq_any(
                    article_sections::table
                        .filter(article_sections::section_id.eq_any(sections.clone()))
                        .select(article_sections::article_id),
                )),
        );
    }
    if let Some(search) = &filter.search {
        query = query.filter(crate::db::search::matching(
            backend,
            crate::db::search::Kind::Article,
            "articles.id",
            search,
        ));
    }
    query
}

#[allow(clippy::too_many_arguments)]
pub fn list(
    conn: &mut DbConnection,
    filter: &ArticleFilter,
    viewer: crate::db::Viewer,
    sort: &[(ArticleSort, bool)],
    after: Option<&After>,
    offset: i64,
    limit: i64,
    columns: Columns,
) -> QueryResult<Vec<ArticleRow>> {
    let Some(ids) = resolve(conn, filter)? else {
        return Ok(Vec::new());
    };
    if let Some(link) = listed_link(filter, &ids, viewer, sort) {
        return listed_through(
            conn,
            link,
            filter,
            viewer.now,
            after,
            (offset, limit),
            columns,
        );
    }
    let until = match (after, sort.first()) {
        (
            Some(After {
                value: KeyValue::Time(t),
                ..
            }),
            Some((ArticleSort::PublishedAt, true)),
        ) if !viewer.previews => Some(*t),
        _ => None,
    };
    let mut query = filtered(conn.backend(), filter, &ids, viewer, until);
    if let (Some(after), Some((key, desc))) = (after, sort.first()) {
        query = match (key, &after.value) {
            // Editors' lists: the drafts after every dated article.
            (ArticleSort::PublishedAt, KeyValue::Time(t)) if viewer.previews => {
                let undated = articles::published_at.is_null();
                match *desc {
                    true => query.filter(
                        articles::published_at
                            .lt(*t)
                            .or(articles::published_at.eq(*t).and(articles::id.lt(after.id)))
                            .or(undated),
                    ),
                    false => query.filter(
                        articles::published_at
                            .gt(*t)
                            .or(articles::published_at.eq(*t).and(articles::id.gt(after.id)))
                            .or(undated),
                    ),
                }
            }
            (ArticleSort::PublishedAt, KeyValue::Time(t)) => {
                crate::db::keyset!(
                    query,
                    articles::published_at,
                    *t,
                    *desc,
                    articles::id,
                    after.id
                )
            }
            (ArticleSort::UpdatedAt, KeyValue::Time(t)) => {
                crate::db::keyset!(
                    query,
                    articles::updated_at,
                    *t,
                    *desc,
                    articles::id,
                    after.id
                )
            }
            (ArticleSort::Title, KeyValue::Text(t)) => {
                crate::db::keyset!(
                    query,
                    articles::sort_key,
                    t.clone(),
                    *desc,
                    articles::id,
                    after.id
                )
            }
            // Drafts have no publish time: they come last in either direction (editorial lists
            // only), ties by id the same way.
            (ArticleSort::PublishedAt, KeyValue::Null) => match *desc {
                true => query.filter(
                    articles::published_at
                        .is_null()
                        .and(articles::id.lt(after.id)),
                ),
                false => query.filter(
                    articles::published_at
                        .is_null()
                        .and(articles::id.gt(after.id)),
                ),
            },
            (ArticleSort::Id, _) => crate::db::keyset_id!(query, *desc, articles::id, after.id),
            // The API only builds cursors that match the sort; anything else matches nothing.
            _ => return Ok(Vec::new()),
        };
    }
    for (key, desc) in sort {
        query = match (key, desc) {
            // Drafts (no publish time) last in either direction, on both backends (SQLite and
            // PostgreSQL put NULL at opposite ends). Only editors list drafts: the public order
            // stays one the index serves.
            (ArticleSort::PublishedAt, desc) if viewer.previews => crate::db::ordered!(
                query.then_order_by(articles::published_at.is_null()),
                articles::published_at,
                *desc
            ),
            (ArticleSort::PublishedAt, desc) => {
                crate::db::ordered!(query, articles::published_at, *desc)
            }
            (ArticleSort::Title, desc) => crate::db::ordered!(query, articles::sort_key, *desc),
            (ArticleSort::UpdatedAt, desc) => {
                crate::db::ordered!(query, articles::updated_at, *desc)
            }
            (ArticleSort::ViewCount, desc) => {
                crate::db::ordered!(query, articles::view_count, *desc)
            }
            (ArticleSort::Id, desc) => crate::db::ordered!(query, articles::id, *desc),
        };
    }
    match columns {
        Columns::All => crate::db::page!(conn, query, articles, sort, offset, limit),
        Columns::Heads => crate::db::page!(conn, query, articles, sort, offset, limit, HEADS),
        Columns::HeadsAndStored { form, now, found } => {
            let beside = renditions::article_beside(form);
            let rows =
                crate::db::page!(conn, query, articles, sort, offset, limit, (HEADS, beside))?;
            Ok(renditions::kept_beside(
                rows,
                |row: &ArticleRow| row.id,
                now,
                found,
            ))
        }
    }
}

pub fn count(
    conn: &mut DbConnection,
    filter: &ArticleFilter,
    viewer: crate::db::Viewer,
) -> QueryResult<i64> {
    let Some(ids) = resolve(conn, filter)? else {
        return Ok(0);
    };
    match listed_link(filter, &ids, viewer, &[(ArticleSort::PublishedAt, true)]) {
        Some(link) => link_range!(link, filter, viewer.now, None).count(conn),
        None => filtered(conn.backend(), filter, &ids, viewer, None)
            .count()
            .get_result(conn),
    }
}

/// The value a cursor records for the row under this sort key.
pub fn cursor_value(row: &ArticleRow, key: ArticleSort) -> KeyValue {
    match key {
        ArticleSort::PublishedAt => row.published_at.map_or(KeyValue::Null, KeyValue::Time),
        ArticleSort::UpdatedAt => KeyValue::Time(row.updated_at),
        ArticleSort::Title => KeyValue::Text(row.sort_key.clone()),
        ArticleSort::Id | ArticleSort::ViewCount => KeyValue::Id,
    }
}

/// Articles by id, whatever their state (callers filter).
pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ArticleRow>> {
    rows_of(conn, ids, Columns::All)
}

/// These articles' rows, in no order; one statement prepared once per connection whatever
/// the number of ids (decision 0023).
pub fn rows_of(
    conn: &mut DbConnection,
    ids: &[i64],
    columns: Columns,
) -> QueryResult<Vec<ArticleRow>> {
    use crate::db::fragments::ids_in;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    macro_rules! rows {
        ($conn:expr, $of:expr) => {{
            let query = articles::table.filter($of);
            match columns {
                Columns::All => query.select(articles::all_columns).load($conn),
                Columns::Heads => query.select(HEADS).load($conn),
                Columns::HeadsAndStored { form, now, found } => {
                    let beside = renditions::article_beside(form);
                    let rows = query.select((HEADS, beside)).load($conn)?;
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
    match conn {
        DbConnection::Pg(c) => rows!(c, articles::id.eq_any(ids)),
        DbConnection::Sqlite(c) => rows!(c, ids_in("\"articles\".\"id\"", ids)),
    }
}

/// (article id, related id) pairs for several articles, in their stored order.
pub fn links(
    conn: &mut DbConnection,
    relation: Relation,
    article_ids: &[i64],
) -> QueryResult<Vec<(i64, i64)>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = article_ids.to_vec();
    match relation {
        Relation::Tags => article_tags::table
            .filter(article_tags::article_id.eq_any(ids))
            .order((article_tags::article_id, article_tags::position))
            .select((article_tags::article_id, article_tags::tag_id))
            .load(conn),
        Relation::Events => article_events::table
            .filter(article_events::article_id.eq_any(ids))
            .order((article_events::article_id, article_events::position))
            .select((article_events::article_id, article_events::event_id))
            .load(conn),
        Relation::People => article_people::table
            .filter(article_people::article_id.eq_any(ids))
            .order((article_people::article_id, article_people::position))
            .select((article_people::article_id, article_people::person_id))
            .load(conn),
        Relation::Organizations => article_organizations::table
            .filter(article_organizations::article_id.eq_any(ids))
            .order((
                article_organizations::article_id,
                article_organizations::position,
            ))
            .select((
                article_organizations::article_id,
                article_organizations::organization_id,
            ))
            .load(conn),
    }
}

/// Sets the editorial notes the seed keeps beside an article (never on the wire).
pub fn set_notes(conn: &mut DbConnection, id: i64, notes: Option<&str>) -> QueryResult<()> {
    diesel::update(articles::table.find(id))
        .set(articles::notes.eq(notes))
        .execute(conn)
        .map(|_| ())
}

/// Links an article to related items, in the given order.
pub fn link(
    conn: &mut DbConnection,
    relation: Relation,
    article_id: i64,
    related_ids: &[i64],
) -> QueryResult<()> {
    for (position, related) in related_ids.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        match relation {
            Relation::Tags => diesel::insert_into(article_tags::table)
                .values((
                    article_tags::article_id.eq(article_id),
                    article_tags::tag_id.eq(related),
                    article_tags::position.eq(position),
                ))
                .execute(conn)?,
            Relation::Events => diesel::insert_into(article_events::table)
                .values((
                    article_events::article_id.eq(article_id),
                    article_events::event_id.eq(related),
                    article_events::position.eq(position),
                ))
                .execute(conn)?,
            Relation::People => diesel::insert_into(article_people::table)
                .values((
                    article_people::article_id.eq(article_id),
                    article_people::person_id.eq(related),
                    article_people::position.eq(position),
                ))
                .execute(conn)?,
            Relation::Organizations => diesel::insert_into(article_organizations::table)
                .values((
                    article_organizations::article_id.eq(article_id),
                    article_organizations::organization_id.eq(related),
                    article_organizations::position.eq(position),
                ))
                .execute(conn)?,
        };
    }
    Ok(())
}

pub fn slug_taken(conn: &mut DbConnection, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        articles::table.filter(articles::slug.eq(slug)),
    ))
    .get_result(conn)
}

/// The editable columns of an article, written whole by create, replace and patch (a create
/// also sets `created_at` to `updated_at`).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct ArticleChanges {
    pub slug: String,
    pub title: String,
    pub lead: Option<String>,
    pub body: String,
    pub source_id: Option<i64>,
    pub byline: Option<String>,
    pub language: String,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub search_key: String,
    pub sort_key: String,
    pub updated_at: NaiveDateTime,
    pub section_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_status_written_out_is_the_stored_one() {
        let published = ArticleStatus::Published.as_str();
        let query = articles::table.filter(PUBLISHED).select(articles::id);
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
        assert!(sql.contains(&format!("\"articles\".\"status\" = '{published}'")));
    }
}
