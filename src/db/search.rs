//! The search index (migration 000010, decision 0013): one row per searchable item with its
//! words folded and exact, kept by the same transaction as every write of the item. SQLite
//! matches with FTS5, PostgreSQL with a GIN-indexed `tsvector`; both only split the words this
//! module wrote, so both match the same words. Ranking is not theirs: `domain::search::score`.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::{articles, events, organizations, people, person_aliases, positions};
use super::{DbConnection, Viewer};
use crate::domain::search::{exact_text, folded_text, score, Field, Query};

/// What can be searched, with its code in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Article = 0,
    Event = 1,
    Person = 2,
    Organization = 3,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Article, Kind::Event, Kind::Person, Kind::Organization];

    /// The `type` of a search result.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Event => "event",
            Kind::Person => "person",
            Kind::Organization => "organization",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kind a collection's items are, if they are searchable.
    pub fn of_collection(collection: &str) -> Option<Kind> {
        match collection {
            "articles" => Some(Kind::Article),
            "events" => Some(Kind::Event),
            "people" => Some(Kind::Person),
            "organizations" => Some(Kind::Organization),
            _ => None,
        }
    }

    fn code(self) -> i64 {
        self as i64
    }

    /// The first SQLite rowid of the kind: rowid = kind × 2⁴⁰ + item id, so each kind is one
    /// range of the FTS5 table and a search of one kind never walks another's matches.
    fn base(self) -> i64 {
        self.code() << 40
    }

    /// The table, its recency column for ties (none: the id decides), and its visibility
    /// condition for anonymous callers (`?` is the moment).
    fn table(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::Article => (
                "articles",
                "published_at",
                "t.status = 'published' AND t.published_at <= ?",
            ),
            Kind::Event => ("events", "starts_on", ""),
            Kind::Person => ("people", "", ""),
            Kind::Organization => ("organizations", "", ""),
        }
    }
}

/// The texts of an item that search reads: a title (or names), a lead, a body.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub lead: String,
    pub body: String,
}

/// The item's searchable texts as stored now; `None` when it is deleted or missing.
pub fn document(conn: &mut DbConnection, kind: Kind, id: i64) -> QueryResult<Option<Document>> {
    let join = |parts: Vec<Option<String>>| -> String {
        parts
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    Ok(match kind {
        Kind::Article => articles::table
            .find(id)
            .filter(articles::deleted_at.is_null())
            .select((articles::title, articles::lead, articles::body))
            .first::<(String, Option<String>, String)>(conn)
            .optional()?
            .map(|(title, lead, body)| {
                let blocks: Vec<crate::domain::body::Block> =
                    serde_json::from_str(&body).unwrap_or_default();
                Document {
                    title,
                    lead: lead.unwrap_or_default(),
                    body: crate::domain::body::to_text(&blocks),
                }
            }),
        Kind::Event => events::table
            .find(id)
            .filter(events::deleted_at.is_null())
            .select((
                events::name,
                events::name_en,
                events::short_name,
                events::theme,
                events::description,
            ))
            .first::<(
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            )>(conn)
            .optional()?
            .map(|(name, name_en, short_name, theme, description)| Document {
                title: join(vec![Some(name), name_en, short_name]),
                lead: theme.unwrap_or_default(),
                body: description.unwrap_or_default(),
            }),
        Kind::Person => {
            let Some((name, honorific, bio)) = people::table
                .find(id)
                .filter(people::deleted_at.is_null())
                .select((people::name, people::honorific, people::bio))
                .first::<(String, Option<String>, Option<String>)>(conn)
                .optional()?
            else {
                return Ok(None);
            };
            let aliases: Vec<String> = person_aliases::table
                .filter(person_aliases::person_id.eq(id))
                .order(person_aliases::position)
                .select(person_aliases::name)
                .load(conn)?;
            let held: Vec<(String, Option<String>)> = positions::table
                .filter(positions::person_id.eq(id))
                .order(positions::position)
                .select((positions::title, positions::title_en))
                .load(conn)?;
            let mut names = vec![Some(name)];
            names.extend(aliases.into_iter().map(Some));
            let mut lead = vec![honorific];
            for (title, title_en) in held {
                lead.push(Some(title));
                lead.push(title_en);
            }
            Some(Document {
                title: join(names),
                lead: join(lead),
                body: bio.unwrap_or_default(),
            })
        }
        Kind::Organization => organizations::table
            .find(id)
            .filter(organizations::deleted_at.is_null())
            .select((
                organizations::name,
                organizations::name_en,
                organizations::short_name,
                organizations::description,
            ))
            .first::<(String, Option<String>, Option<String>, Option<String>)>(conn)
            .optional()?
            .map(|(name, name_en, short_name, description)| Document {
                title: join(vec![Some(name), name_en, short_name]),
                lead: String::new(),
                body: description.unwrap_or_default(),
            }),
    })
}

/// Writes the item's row of the index as the item now stands (removes it when deleted). Called
/// inside the write's transaction.
pub fn reindex(conn: &mut DbConnection, kind: Kind, id: i64) -> QueryResult<()> {
    let document = document(conn, kind, id)?;
    let rowid = kind.base() + id;
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query("DELETE FROM search_index WHERE rowid = ?")
            .bind::<BigInt, _>(rowid)
            .execute(c)?,
        DbConnection::Pg(c) => {
            diesel::sql_query("DELETE FROM search_index WHERE kind = $1 AND item_id = $2")
                .bind::<diesel::sql_types::SmallInt, _>(kind.code() as i16)
                .bind::<BigInt, _>(id)
                .execute(c)?
        }
    };
    match document {
        Some(document) => insert(conn, kind, id, &document),
        None => Ok(()),
    }
}

/// Adds the item's row (there is none yet).
fn insert(conn: &mut DbConnection, kind: Kind, id: i64, d: &Document) -> QueryResult<()> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "INSERT INTO search_index (rowid, title, lead, body, title_exact, lead_exact, body_exact) \
             VALUES (? + ? * 1099511627776, ?, ?, ?, ?, ?, ?)"
        }
        DbConnection::Pg(_) => {
            "INSERT INTO search_index (item_id, kind, title, lead, body, title_exact, lead_exact, body_exact) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        }
    };
    diesel::sql_query(sql)
        .bind::<BigInt, _>(id)
        .bind::<diesel::sql_types::SmallInt, _>(kind.code() as i16)
        .bind::<Text, _>(folded_text(&d.title))
        .bind::<Text, _>(folded_text(&d.lead))
        .bind::<Text, _>(folded_text(&d.body))
        .bind::<Text, _>(exact_text(&d.title))
        .bind::<Text, _>(exact_text(&d.lead))
        .bind::<Text, _>(exact_text(&d.body))
        .execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Indexes every item of every kind again; returns how many items are indexed.
pub fn reindex_all(conn: &mut DbConnection) -> QueryResult<usize> {
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("DELETE FROM search_index")?,
        DbConnection::Pg(c) => c.batch_execute("DELETE FROM search_index")?,
    }
    let mut indexed = 0;
    for kind in Kind::ALL {
        let (table, _, _) = kind.table();
        let ids: Vec<Id> = diesel::sql_query(format!(
            "SELECT id FROM {table} WHERE deleted_at IS NULL ORDER BY id"
        ))
        .load(conn)?;
        for Id { id } in ids {
            if let Some(document) = document(conn, kind, id)? {
                insert(conn, kind, id, &document)?;
                indexed += 1;
            }
        }
    }
    Ok(indexed)
}

/// `reindex_all` in one transaction (`newsroom reindex`).
pub fn reindex_all_now(conn: &mut DbConnection) -> QueryResult<usize> {
    conn.transaction(reindex_all)
}

/// The name under which filling the index for existing rows is recorded.
const BACKFILL: &str = "search-index-2";

/// Fills the index for rows written before it existed, once per database: afterwards start-up
/// only reads `maintenance_steps`. Returns how many items were indexed, `None` when it was done.
pub fn backfill(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Option<usize>> {
    use super::schema::maintenance_steps;
    let done: i64 = maintenance_steps::table
        .filter(maintenance_steps::name.eq(BACKFILL))
        .count()
        .get_result(conn)?;
    if done > 0 {
        return Ok(None);
    }
    conn.transaction(|conn| {
        let indexed = reindex_all(conn)?;
        diesel::insert_into(maintenance_steps::table)
            .values((
                maintenance_steps::name.eq(BACKFILL),
                maintenance_steps::done_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Some(indexed))
    })
}

/// A matching item, with the words ranking reads.
#[derive(Debug, QueryableByName)]
pub struct Candidate {
    #[diesel(sql_type = BigInt)]
    pub item_id: i64,
    /// The publish time (articles) or start day (events) as sortable text; empty otherwise.
    #[diesel(sql_type = Text)]
    pub recency: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub lead: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Text)]
    pub title_exact: String,
    #[diesel(sql_type = Text)]
    pub lead_exact: String,
    #[diesel(sql_type = Text)]
    pub body_exact: String,
}

/// The FTS5 expression of a query: each phrase quoted (its words are letters and digits only,
/// so nothing in it is syntax), a prefix phrase followed by `*`, all of them required.
fn fts5_expression(query: &Query) -> String {
    query
        .phrases
        .iter()
        .map(|p| {
            let words = p.folded.join(" ");
            if p.prefix {
                format!("\"{words}\" *")
            } else {
                format!("\"{words}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The `to_tsquery` expression of a query: each word quoted, words of a phrase adjacent
/// (`<->`), a prefix ending in `:*`, all phrases required.
fn tsquery_expression(query: &Query) -> String {
    query
        .phrases
        .iter()
        .map(|p| {
            let n = p.folded.len();
            let words: Vec<String> = p
                .folded
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if p.prefix && i + 1 == n {
                        format!("'{w}':*")
                    } else {
                        format!("'{w}'")
                    }
                })
                .collect();
            format!("({})", words.join(" <-> "))
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The SQL that finds `kind`'s matching items the viewer may see: `select` columns, then the
/// joins and conditions; binds are the match expression, then the moment for anonymous viewers.
fn matching_sql(conn: &DbConnection, kind: Kind, viewer: Viewer, select: &str) -> String {
    let (table, _, public) = kind.table();
    let mut conditions = vec!["t.deleted_at IS NULL".to_owned()];
    if !viewer.previews && !public.is_empty() {
        conditions.push(public.to_owned());
    }
    match conn {
        DbConnection::Sqlite(_) => format!(
            "SELECT {select} FROM search_index s JOIN {table} t ON t.id = s.rowid - {base} \
             WHERE search_index MATCH ? AND s.rowid BETWEEN {base} AND {last} AND {conditions}",
            base = kind.base(),
            last = kind.base() + (1 << 40) - 1,
            conditions = conditions.join(" AND "),
        ),
        DbConnection::Pg(_) => {
            // Numbered placeholders: the moment is the second bind.
            let conditions = conditions.join(" AND ").replace('?', "$2");
            format!(
                "SELECT {select} FROM search_index s JOIN {table} t ON t.id = s.item_id \
                 WHERE s.words @@ to_tsquery('simple', $1) AND s.kind = {code} AND {conditions}",
                code = kind.code(),
            )
        }
    }
}

fn expression(conn: &DbConnection, query: &Query) -> String {
    match conn {
        DbConnection::Sqlite(_) => fts5_expression(query),
        DbConnection::Pg(_) => tsquery_expression(query),
    }
}

/// The last-created `limit` items of `kind` that match every phrase of the query (by the index:
/// the words are checked again when scored), last first. Creation order is the index's own
/// order, so the window costs the same whatever the number of matches (a sort by publish time
/// would read every match); each candidate carries its recency for ties.
pub fn candidates(
    conn: &mut DbConnection,
    kind: Kind,
    query: &Query,
    viewer: Viewer,
    limit: i64,
) -> QueryResult<Vec<Candidate>> {
    let (_, recency, public) = kind.table();
    // The index's own order: FTS5 walks its rowids backwards and stops at the limit (ordering
    // by an expression of the rowid made it sort every match: 300 ms for a common word at 100k).
    let (id, order) = match conn {
        DbConnection::Sqlite(_) => (format!("s.rowid - {}", kind.base()), "s.rowid"),
        DbConnection::Pg(_) => ("s.item_id".to_owned(), "s.item_id"),
    };
    let recency = match recency {
        "" => "''".to_owned(),
        column => format!("COALESCE(CAST(t.{column} AS TEXT), '')"),
    };
    let select = format!(
        "{id} AS item_id, {recency} AS recency, \
         s.title, s.lead, s.body, s.title_exact, s.lead_exact, s.body_exact"
    );
    let limit_placeholder = match conn {
        DbConnection::Sqlite(_) => "?".to_owned(),
        DbConnection::Pg(_) if viewer.previews || public.is_empty() => "$2".to_owned(),
        DbConnection::Pg(_) => "$3".to_owned(),
    };
    let sql = format!(
        "{} ORDER BY {order} DESC LIMIT {limit_placeholder}",
        matching_sql(conn, kind, viewer, &select)
    );
    let expression = expression(conn, query);
    let timed = !viewer.previews && !public.is_empty();
    let statement = diesel::sql_query(sql).into_boxed();
    let statement = statement.bind::<Text, _>(expression);
    if timed {
        statement
            .bind::<Timestamp, _>(viewer.now)
            .bind::<BigInt, _>(limit)
            .load(conn)
    } else {
        statement.bind::<BigInt, _>(limit).load(conn)
    }
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// How many items of `kind` the viewer may see match the query.
pub fn count(
    conn: &mut DbConnection,
    kind: Kind,
    query: &Query,
    viewer: Viewer,
) -> QueryResult<i64> {
    let (_, _, public) = kind.table();
    let sql = matching_sql(conn, kind, viewer, "count(*) AS total");
    let expression = expression(conn, query);
    let statement = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Text, _>(expression);
    let total: Total = if !viewer.previews && !public.is_empty() {
        statement
            .bind::<Timestamp, _>(viewer.now)
            .get_result(conn)?
    } else {
        statement.get_result(conn)?
    };
    Ok(total.total)
}

/// Whether any row of the index holds the phrase: how a query without a whole-phrase match is
/// cut into the longest phrases that do exist (`api::search`).
pub fn exists(conn: &mut DbConnection, query: &Query) -> QueryResult<bool> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT count(*) AS total FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT 1)"
        }
        DbConnection::Pg(_) => {
            "SELECT count(*) AS total FROM (SELECT 1 FROM search_index WHERE words @@ to_tsquery('simple', $1) LIMIT 1) AS found"
        }
    };
    let expression = expression(conn, query);
    let total: Total = diesel::sql_query(sql)
        .bind::<Text, _>(expression)
        .get_result(conn)?;
    Ok(total.total > 0)
}

/// An item's slug and its title (an article) or name (the rest); `None` when it is gone.
pub fn label(
    conn: &mut DbConnection,
    kind: Kind,
    id: i64,
) -> QueryResult<Option<(String, String)>> {
    match kind {
        Kind::Article => articles::table
            .find(id)
            .select((articles::slug, articles::title))
            .first(conn)
            .optional(),
        Kind::Event => events::table
            .find(id)
            .select((events::slug, events::name))
            .first(conn)
            .optional(),
        Kind::Person => people::table
            .find(id)
            .select((people::slug, people::name))
            .first(conn)
            .optional(),
        Kind::Organization => organizations::table
            .find(id)
            .select((organizations::slug, organizations::name))
            .first(conn)
            .optional(),
    }
}

/// A condition on `id_column` (as SQL, `articles.id`): the item is one the index matches.
pub fn matching<QS>(
    backend: super::Backend,
    kind: Kind,
    id_column: &str,
    query: &Query,
) -> Box<dyn BoxableExpression<QS, super::MultiBackend, SqlType = diesel::sql_types::Bool>> {
    let code = kind.code();
    let (open, close, expression) = match backend {
        super::Backend::Sqlite => (
            format!(
                "{id_column} IN (SELECT rowid - {base} FROM search_index WHERE search_index MATCH ",
                base = kind.base()
            ),
            format!(
                " AND rowid BETWEEN {} AND {})",
                kind.base(),
                kind.base() + (1 << 40) - 1
            ),
            fts5_expression(query),
        ),
        super::Backend::Postgres => (
            format!(
                "{id_column} IN (SELECT item_id FROM search_index WHERE kind = {code} AND words @@ to_tsquery('simple', "
            ),
            "))".to_owned(),
            tsquery_expression(query),
        ),
    };
    Box::new(
        diesel::dsl::sql::<diesel::sql_types::Bool>(&open)
            .bind::<Text, _>(expression)
            .sql(&close),
    )
}

/// Matches ranked per type at most: relevance is judged among each type's newest matches, so a
/// query for a common word costs a bounded amount (decision 0013). Pages reach this far.
pub const WINDOW: i64 = 500;

/// Weights of a match in an item's title (names), lead (theme, positions) and body.
const WEIGHTS: [f64; 3] = [4.0, 2.0, 1.0];

/// A scored match.
#[derive(Debug)]
pub struct Ranked {
    pub kind: Kind,
    pub id: i64,
    pub score: f64,
    /// What breaks ties, newest first: the publish time or start day as sortable text, then
    /// the id.
    recency: String,
}

/// Every kind's newest matches, scored, best first (newer first among equals).
pub fn rank(
    conn: &mut DbConnection,
    query: &Query,
    kinds: &[Kind],
    viewer: Viewer,
) -> QueryResult<Vec<Ranked>> {
    let mut ranked = Vec::new();
    for kind in kinds {
        for candidate in candidates(conn, *kind, query, viewer, WINDOW)? {
            if let Some(score) = score(query, &fields(&candidate)) {
                ranked.push(Ranked {
                    kind: *kind,
                    id: candidate.item_id,
                    score,
                    recency: candidate.recency,
                });
            }
        }
    }
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.recency.cmp(&a.recency))
            .then(b.id.cmp(&a.id))
            .then((a.kind as u8).cmp(&(b.kind as u8)))
    });
    Ok(ranked)
}

fn fields(candidate: &Candidate) -> [Field<'_>; 3] {
    [
        Field {
            folded: &candidate.title,
            exact: &candidate.title_exact,
            weight: WEIGHTS[0],
        },
        Field {
            folded: &candidate.lead,
            exact: &candidate.lead_exact,
            weight: WEIGHTS[1],
        },
        Field {
            folded: &candidate.body,
            exact: &candidate.body_exact,
            weight: WEIGHTS[2],
        },
    ]
}
