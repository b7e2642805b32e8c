//! The search index (migration 000010, decision 0013): one row per searchable item with its
//! words folded and exact, kept by the same transaction as every write of the item. SQLite
//! matches with FTS5, PostgreSQL with a GIN-indexed `tsvector`; both only split the words this
//! module wrote, so both match the same words. Ranking is not theirs: `domain::search::score`.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::{articles, events, organizations, people, person_aliases, positions};
use super::{Backend, DbConnection, Viewer};
use crate::domain::languages::{parse_stored, Names, Titles};
use crate::domain::search::{exact_text, folded_pairs, folded_text, score, Field, Query};

mod fill;
pub use fill::*;

mod matching;
pub use matching::*;

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

    /// The kind a collection's items are, if they are searchable (its descriptor says so, and
    /// a test checks that every searchable descriptor has a kind).
    pub fn of_collection(collection: &str) -> Option<Kind> {
        let resource = crate::domain::resources::by_collection(collection)?;
        if !resource.searchable {
            return None;
        }
        Kind::parse(resource.kind)
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
            .map(|(title, lead, body)| article_document(title, lead, &body)),
        Kind::Event => events::table
            .find(id)
            .filter(events::deleted_at.is_null())
            .select((
                events::name,
                events::names,
                events::short_name,
                events::theme,
                events::description,
            ))
            .first::<(
                String,
                String,
                Option<String>,
                Option<String>,
                Option<String>,
            )>(conn)
            .optional()?
            .map(|(name, names, short_name, theme, description)| {
                let names = parse_stored::<Names>(&names);
                Document {
                    title: join(titled(name, &names, short_name)),
                    lead: theme.unwrap_or_default(),
                    body: join(descriptions(description, &names)),
                }
            }),
        Kind::Person => {
            let Some((name, names, honorific, bio)) = people::table
                .find(id)
                .filter(people::deleted_at.is_null())
                .select((people::name, people::names, people::honorific, people::bio))
                .first::<(String, String, Option<String>, Option<String>)>(conn)
                .optional()?
            else {
                return Ok(None);
            };
            let names = parse_stored::<Names>(&names);
            let aliases: Vec<String> = person_aliases::table
                .filter(person_aliases::person_id.eq(id))
                .order(person_aliases::position)
                .select(person_aliases::name)
                .load(conn)?;
            let held: Vec<(String, String)> = positions::table
                .filter(positions::person_id.eq(id))
                .order(positions::position)
                .select((positions::title, positions::titles))
                .load(conn)?;
            let mut title = titled(name, &names, None);
            title.extend(aliases.into_iter().map(Some));
            let mut lead = vec![honorific];
            for (title, titles) in held {
                lead.push(Some(title));
                lead.extend(parse_stored::<Titles>(&titles).into_values().map(Some));
            }
            Some(Document {
                title: join(title),
                lead: join(lead),
                body: join(descriptions(bio, &names)),
            })
        }
        Kind::Organization => organizations::table
            .find(id)
            .filter(organizations::deleted_at.is_null())
            .select((
                organizations::name,
                organizations::names,
                organizations::short_name,
                organizations::description,
            ))
            .first::<(String, String, Option<String>, Option<String>)>(conn)
            .optional()?
            .map(|(name, names, short_name, description)| {
                let names = parse_stored::<Names>(&names);
                Document {
                    title: join(titled(name, &names, short_name)),
                    lead: String::new(),
                    body: join(descriptions(description, &names)),
                }
            }),
    })
}

/// An item's name, its names in other languages and its short name: what its title matches.
fn titled(name: String, names: &Names, short_name: Option<String>) -> Vec<Option<String>> {
    let mut title = vec![Some(name)];
    title.extend(names.values().map(|localized| Some(localized.name.clone())));
    title.push(short_name);
    title
}

/// An item's description and its descriptions in other languages.
fn descriptions(description: Option<String>, names: &Names) -> Vec<Option<String>> {
    let mut body = vec![description];
    body.extend(
        names
            .values()
            .map(|localized| localized.description.clone()),
    );
    body
}

/// The searchable texts of several items (those not deleted), by id: articles, most of any
/// database, in one query; the rest one by one.
fn documents(
    conn: &mut DbConnection,
    kind: Kind,
    ids: &[i64],
) -> QueryResult<Vec<(i64, Document)>> {
    if kind != Kind::Article {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(document) = document(conn, kind, *id)? {
                found.push((*id, document));
            }
        }
        return Ok(found);
    }
    let rows: Vec<(i64, String, Option<String>, String)> = articles::table
        .filter(articles::id.eq_any(ids))
        .filter(articles::deleted_at.is_null())
        .select((
            articles::id,
            articles::title,
            articles::lead,
            articles::body,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, lead, body)| (id, article_document(title, lead, &body)))
        .collect())
}

/// The slug, title (name) and searchable texts of several items of `kind`, by id (those gone
/// are left out): a search page's results. Articles in one statement; the rest one by one.
pub fn described(
    conn: &mut DbConnection,
    kind: Kind,
    ids: &[i64],
    lang: crate::domain::languages::Lang,
) -> QueryResult<Vec<(i64, String, String, Document)>> {
    if kind != Kind::Article {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some((slug, title)) = label(conn, kind, *id, lang)? {
                let document = document(conn, kind, *id)?.unwrap_or_default();
                found.push((*id, slug, title, document));
            }
        }
        return Ok(found);
    }
    let query = articles::table.select((
        articles::id,
        articles::slug,
        articles::title,
        articles::lead,
        articles::body,
    ));
    type Row = (i64, String, String, Option<String>, String);
    let rows: Vec<Row> = match conn {
        DbConnection::Pg(c) => query.filter(articles::id.eq_any(ids)).load(c)?,
        DbConnection::Sqlite(c) => query
            .filter(super::fragments::ids_in("\"articles\".\"id\"", ids))
            .load(c)?,
    };
    Ok(rows
        .into_iter()
        .map(|(id, slug, title, lead, body)| {
            let document = article_document(title.clone(), lead, &body);
            (id, slug, title, document)
        })
        .collect())
}

/// An article's searchable texts from its stored columns.
fn article_document(title: String, lead: Option<String>, body: &str) -> Document {
    let blocks: Vec<crate::domain::body::Block> = serde_json::from_str(body).unwrap_or_default();
    Document {
        title,
        lead: lead.unwrap_or_default(),
        body: crate::domain::body::to_text(&blocks),
    }
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
        Some(document) => {
            insert(conn, kind, id, &document, Conflict::Replace)?;
            record_terms(conn, &terms_of([&document]))
        }
        None => Ok(()),
    }
}

/// What an insert does when the item has a row already: a write's row replaces it (the fill
/// may have added one from before the write), the fill's row gives way (a write was first).
#[derive(Clone, Copy, PartialEq)]
enum Conflict {
    Replace,
    Keep,
}

/// Adds the item's row. On SQLite writers take turns, so the caller knows there is none; on
/// PostgreSQL the fill and a write may meet, and `conflict` says who wins.
fn insert(
    conn: &mut DbConnection,
    kind: Kind,
    id: i64,
    d: &Document,
    conflict: Conflict,
) -> QueryResult<()> {
    // Pairs of each field, never across two: a phrase is inside one field, as the words are.
    let mut pairs = folded_pairs(&d.title);
    pairs.extend(folded_pairs(&d.lead));
    pairs.extend(folded_pairs(&d.body));
    let (sql, pairs) = match conn {
        DbConnection::Sqlite(_) => (
            "INSERT INTO search_index \
             (rowid, title, lead, body, title_exact, lead_exact, body_exact, pairs) \
             VALUES (? + ? * 1099511627776, ?, ?, ?, ?, ?, ?, ?)",
            pairs.join(" "),
        ),
        DbConnection::Pg(_) => (
            "INSERT INTO search_index \
             (item_id, kind, title, lead, body, title_exact, lead_exact, body_exact, pairs) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS tsvector)) \
             ON CONFLICT (kind, item_id) DO NOTHING",
            pairs_vector(&pairs),
        ),
    };
    let sql = match (conn.backend(), conflict) {
        (Backend::Postgres, Conflict::Replace) => sql.replace(
            "DO NOTHING",
            "DO UPDATE SET title = excluded.title, lead = excluded.lead, body = excluded.body, \
             title_exact = excluded.title_exact, lead_exact = excluded.lead_exact, \
             body_exact = excluded.body_exact, pairs = excluded.pairs",
        ),
        _ => sql.to_owned(),
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
        .bind::<Text, _>(pairs)
        .execute(conn)?;
    Ok(())
}

/// The distinct folded words of some documents, in byte order.
fn terms_of<'a>(documents: impl IntoIterator<Item = &'a Document>) -> Vec<String> {
    let mut terms = std::collections::BTreeSet::new();
    for d in documents {
        for text in [&d.title, &d.lead, &d.body] {
            terms.extend(
                crate::domain::search::words(text)
                    .into_iter()
                    .map(|w| w.folded),
            );
        }
    }
    terms.into_iter().collect()
}

/// Adds words to `search_terms` (those known already are skipped). In byte order, so that two
/// writers adding the same new words on PostgreSQL never wait for each other in a circle.
fn record_terms(conn: &mut DbConnection, terms: &[String]) -> QueryResult<()> {
    if terms.is_empty() {
        return Ok(());
    }
    let sql = match conn.backend() {
        Backend::Sqlite => {
            "INSERT OR IGNORE INTO search_terms (term) SELECT value FROM json_each(?) ORDER BY value"
        }
        Backend::Postgres => {
            "INSERT INTO search_terms (term) \
             SELECT jsonb_array_elements_text(CAST($1 AS jsonb)) ON CONFLICT DO NOTHING"
        }
    };
    let json = serde_json::to_string(terms).unwrap_or_else(|_| "[]".to_owned());
    diesel::sql_query(sql).bind::<Text, _>(json).execute(conn)?;
    Ok(())
}

/// A one-word prefix stands for at most this many words; one that begins more (a letter or two
/// typed) is left to the index's own prefix match, which gathers every list it begins.
const MAX_COMPLETIONS: usize = 64;

#[derive(QueryableByName)]
struct Term {
    #[diesel(sql_type = Text)]
    term: String,
}

/// The words the query's last word stands for when it is typed as a prefix (`mang`: `mang`,
/// `mangan`), from `search_terms`, so that the index reads each word's list (or each pair's,
/// `_an_ninh` for `an ninh`) from its newest end instead of gathering every list the prefix
/// begins whole (a common syllable's prefix cost 0.15 s at 100k articles; a common pair's was a
/// fifth of a common two-word query at a million). `None` when the last phrase is no prefix or
/// its last word begins too many words.
pub fn completions(conn: &mut DbConnection, query: &Query) -> QueryResult<Option<Vec<String>>> {
    let Some(last) = query.phrases.last() else {
        return Ok(None);
    };
    let Some(prefix) = last.folded.last().filter(|_| last.prefix) else {
        return Ok(None);
    };
    let backend = conn.backend();
    let terms: Vec<Term> = diesel::sql_query(numbered(
        backend,
        "SELECT term FROM search_terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?",
    ))
    .bind::<Text, _>(prefix)
    .bind::<Text, _>(format!("{prefix}\u{10FFFF}"))
    .bind::<BigInt, _>(MAX_COMPLETIONS as i64 + 1)
    .load(conn)?;
    Ok((terms.len() <= MAX_COMPLETIONS).then(|| terms.into_iter().map(|t| t.term).collect()))
}

/// Gives each one-word phrase of the query (not in quotes) the indexed words that share its
/// stem in English, French or Spanish (`stems`; only `language`'s when it is given): `ministers`
/// also finds `minister`. One range of `search_terms` per stem, read up to 200 words.
pub fn stem_forms(
    conn: &mut DbConnection,
    query: &mut Query,
    language: Option<&str>,
) -> QueryResult<()> {
    use crate::domain::search::stems;
    let stemmers = stems::stemmers(language);
    if stemmers.is_empty() {
        return Ok(());
    }
    let backend = conn.backend();
    for phrase in query.phrases.iter_mut() {
        let [word] = phrase.folded.as_slice() else {
            continue;
        };
        if phrase.quoted || !stems::stemmable(word) {
            continue;
        }
        let mut forms: Vec<String> = Vec::new();
        for stemmer in &stemmers {
            let stem = stems::stem(stemmer, word);
            let Some(prefix) = stems::scan_prefix(&stem) else {
                continue;
            };
            let terms: Vec<Term> = diesel::sql_query(numbered(
                backend,
                "SELECT term FROM search_terms WHERE term >= ? AND term < ? ORDER BY term LIMIT 200",
            ))
            .bind::<Text, _>(&prefix)
            .bind::<Text, _>(format!("{prefix}\u{10FFFF}"))
            .load(conn)?;
            forms.extend(
                terms
                    .into_iter()
                    .map(|t| t.term)
                    .filter(|term| term != word && stems::stem(stemmer, term) == stem),
            );
        }
        forms.sort();
        forms.dedup();
        forms.truncate(stems::MAX_FORMS);
        phrase.also = forms;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Indexes every item of every kind again; returns how many items are indexed.
pub fn reindex_all(conn: &mut DbConnection) -> QueryResult<u64> {
    match conn {
        DbConnection::Sqlite(c) => {
            c.batch_execute("DELETE FROM search_index; DELETE FROM search_terms")?
        }
        DbConnection::Pg(c) => {
            c.batch_execute("DELETE FROM search_index; DELETE FROM search_terms")?
        }
    }
    let mut indexed = 0;
    for kind in Kind::ALL {
        let mut after = 0;
        while let Some(filled) = fill_batch(conn, kind, after, FILL_BATCH)? {
            after = filled.last;
            indexed += filled.added;
        }
    }
    Ok(indexed)
}

/// `reindex_all` in one transaction (`newsroom reindex`), which also completes a pending fill.
pub fn reindex_all_now(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<u64> {
    conn.transaction(|conn| {
        let indexed = reindex_all(conn)?;
        if fill_pending(conn)? {
            finish_fill(conn, now)?;
        }
        Ok(indexed)
    })
}

#[cfg(test)]
mod tests {
    use super::Kind;
    use crate::domain::resources::RESOURCES;

    #[test]
    fn a_phrase_typed_as_a_prefix_asks_for_the_pairs_of_each_word_it_stands_for() {
        use super::matching::{fts5_expression, tsquery_expressions};
        use crate::domain::search::Query;
        let query = Query::parse("an ninh mạ").expect("words");
        let words = ["ma".to_owned(), "mang".to_owned()];
        assert_eq!(
            fts5_expression(&query, Some(&words)),
            r#"pairs : ("_an_ninh _ninh_ma" OR "_an_ninh _ninh_mang")"#
        );
        assert_eq!(
            tsquery_expressions(&query, Some(&words)),
            (
                None,
                Some("(('_an_ninh' <-> '_ninh_ma') | ('_an_ninh' <-> '_ninh_mang'))".to_owned())
            )
        );
        // Too many words begin it: the index's own prefix match.
        assert_eq!(
            fts5_expression(&query, None),
            r#"pairs : "_an_ninh _ninh_ma" *"#
        );
        // No word begins it: the prefix as a word, which matches nothing.
        assert_eq!(
            fts5_expression(&query, Some(&[])),
            r#"pairs : ("_an_ninh _ninh_ma")"#
        );
    }

    #[test]
    fn every_searchable_resource_has_a_kind_and_no_other_does() {
        for resource in RESOURCES {
            assert_eq!(
                Kind::of_collection(resource.collection).is_some(),
                resource.searchable,
                "{}",
                resource.kind
            );
        }
        for kind in Kind::ALL {
            assert!(RESOURCES
                .iter()
                .any(|r| r.searchable && r.kind == kind.as_str()));
        }
    }
}
