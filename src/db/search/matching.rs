//! Asking the index for a query's items on either backend, and ranking them (`domain::search::score`).

use super::*;
use crate::domain::languages::Lang;

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

/// How the index is asked for a query's items: a condition on `search_index s` with a `?` for
/// each bind (numbered on PostgreSQL by `numbered`), and the binds in order.
pub(super) struct Match {
    condition: String,
    binds: Vec<String>,
}

/// Each phrase of two words or more is asked for by its pair tokens (`_an_ninh _ninh_mang`: short
/// lists even when each syllable is in most articles), a one-word phrase by its word; a prefix
/// is the last token's (`_vinh_ha _ha_lo*` finds `vịnh Hạ Long`). Every phrase is required.
/// `completions`: what a one-word prefix at the end stands for (`completions`).
pub(super) fn match_of(backend: Backend, query: &Query, completions: Option<&[String]>) -> Match {
    match backend {
        Backend::Sqlite => Match {
            condition: "search_index MATCH ?".to_owned(),
            binds: vec![fts5_expression(query, completions)],
        },
        Backend::Postgres => {
            let (words, pairs) = tsquery_expressions(query, completions);
            let mut conditions = Vec::new();
            let mut binds = Vec::new();
            if let Some(words) = words {
                conditions.push("s.words @@ to_tsquery('simple', ?)");
                binds.push(words);
            }
            if let Some(pairs) = pairs {
                conditions.push("s.pairs @@ CAST(? AS tsquery)");
                binds.push(pairs);
            }
            Match {
                condition: conditions.join(" AND "),
                binds,
            }
        }
    }
}

/// The FTS5 expression of a query: each phrase quoted (its tokens are letters, digits and the
/// pair joiner `_`, so nothing in it is syntax), a prefix phrase followed by `*`, all required.
pub(super) fn fts5_expression(query: &Query, completions: Option<&[String]>) -> String {
    query
        .phrases
        .iter()
        .map(|p| match (p.folded.len(), p.prefix, completions) {
            (1, true, Some(words)) => {
                let mut words = match words {
                    [] => vec![format!("\"{}\"", p.folded[0])],
                    words => words.iter().map(|w| format!("\"{w}\"")).collect(),
                };
                words.extend(p.also.iter().map(|w| format!("\"{w}\"")));
                format!("{{title lead body}} : ({})", words.join(" OR "))
            }
            (1, prefix, _) if !p.also.is_empty() => {
                let star = if prefix { " *" } else { "" };
                let mut words = vec![format!("\"{}\"{star}", p.folded[0])];
                words.extend(p.also.iter().map(|w| format!("\"{w}\"")));
                format!("{{title lead body}} : ({})", words.join(" OR "))
            }
            (_, true, Some(words)) => {
                let phrases: Vec<String> = completed_pairs(p, words)
                    .iter()
                    .map(|pairs| format!("\"{}\"", pairs.join(" ")))
                    .collect();
                format!("pairs : ({})", phrases.join(" OR "))
            }
            _ => {
                let (column, tokens) = match p.folded.len() {
                    1 => ("{title lead body}", p.folded.join(" ")),
                    _ => ("pairs", p.pairs().join(" ")),
                };
                let star = if p.prefix { " *" } else { "" };
                format!("{column} : \"{tokens}\"{star}")
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The two `tsquery` expressions of a query: one-word phrases over `words`, the pairs of the
/// longer ones over `pairs`, each token quoted, a phrase's pairs adjacent (`<->`), a prefix
/// ending in `:*`.
pub(super) fn tsquery_expressions(
    query: &Query,
    completions: Option<&[String]>,
) -> (Option<String>, Option<String>) {
    let mut words = Vec::new();
    let mut pairs = Vec::new();
    for p in &query.phrases {
        let star = if p.prefix { ":*" } else { "" };
        match (p.folded.len(), p.prefix, completions) {
            (1, true, Some(found)) => {
                let mut found = match found {
                    [] => vec![format!("'{}'", p.folded[0])],
                    found => found.iter().map(|w| format!("'{w}'")).collect(),
                };
                found.extend(p.also.iter().map(|w| format!("'{w}'")));
                words.push(format!("({})", found.join(" | ")));
            }
            (1, _, _) => {
                let mut found = vec![format!("'{}'{star}", p.folded[0])];
                found.extend(p.also.iter().map(|w| format!("'{w}'")));
                words.push(format!("({})", found.join(" | ")));
            }
            (_, true, Some(found)) => {
                let phrases: Vec<String> = completed_pairs(p, found)
                    .iter()
                    .map(|pairs| {
                        let tokens: Vec<String> = pairs.iter().map(|t| format!("'{t}'")).collect();
                        format!("({})", tokens.join(" <-> "))
                    })
                    .collect();
                pairs.push(format!("({})", phrases.join(" | ")));
            }
            _ => pairs.push(format!(
                "({}{star})",
                p.pairs()
                    .iter()
                    .map(|t| format!("'{t}'"))
                    .collect::<Vec<_>>()
                    .join(" <-> ")
            )),
        }
    }
    let all = |parts: Vec<String>| (!parts.is_empty()).then(|| parts.join(" & "));
    (all(words), all(pairs))
}

/// The pair tokens of a phrase of two words or more whose last word is a prefix, once for
/// each word it stands for (`completions`; the prefix itself when it stands for none).
fn completed_pairs(phrase: &crate::domain::search::Phrase, words: &[String]) -> Vec<Vec<String>> {
    let words = match (words, phrase.folded.last()) {
        ([], Some(typed)) => std::slice::from_ref(typed),
        (words, _) => words,
    };
    let mut completed = phrase.clone();
    words
        .iter()
        .map(|word| {
            if let Some(last) = completed.folded.last_mut() {
                last.clone_from(word);
            }
            completed.pairs()
        })
        .collect()
}

/// The pair tokens of a document as a `tsvector` literal, positions in order (PostgreSQL: the
/// `pairs` column, written as Rust split it, as FTS5 receives it).
pub(super) fn pairs_vector(pairs: &[String]) -> String {
    let mut vector = String::new();
    for (i, pair) in pairs.iter().enumerate() {
        if i > 0 {
            vector.push(' ');
        }
        // Positions above 16383 are 16383 to PostgreSQL: phrases deeper than that in a very
        // long body match as if their pairs were anywhere there.
        vector.push_str(&format!("'{pair}':{}", (i + 1).min(16383)));
    }
    vector
}

/// `?` placeholders as PostgreSQL numbers them (`$1`, `$2`, ...); SQLite keeps them.
pub(super) fn numbered(backend: Backend, sql: &str) -> String {
    match backend {
        Backend::Sqlite => sql.to_owned(),
        Backend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// The SQL that finds `kind`'s matching items the viewer may see: `select` columns, then the
/// joins and conditions; binds are the match's, then the moment for anonymous viewers.
pub(super) fn matching_sql(
    backend: Backend,
    kind: Kind,
    viewer: Viewer,
    select: &str,
    m: &Match,
    language: Option<&str>,
) -> String {
    let (table, _, public) = kind.table();
    let mut conditions = vec![m.condition.clone(), "t.deleted_at IS NULL".to_owned()];
    if !viewer.previews && !public.is_empty() {
        conditions.push(public.to_owned());
    }
    if let Some(language) = articles_in(kind, language) {
        conditions.push(format!("t.language = '{language}'"));
    }
    let conditions = conditions.join(" AND ");
    match backend {
        Backend::Sqlite => format!(
            "SELECT {select} FROM search_index s JOIN {table} t{hint} ON t.id = s.rowid - {base} \
             WHERE {conditions} AND s.rowid BETWEEN {base} AND {last}",
            base = kind.base(),
            last = kind.base() + (1 << 40) - 1,
            // Articles are wide rows: their visibility is read from a narrow index instead
            // (migration 000024). Its condition is the query's own `deleted_at IS NULL`.
            hint = match kind {
                Kind::Article => " INDEXED BY articles_search_visible_idx",
                _ => "",
            },
        ),
        Backend::Postgres => format!(
            "SELECT {select} FROM search_index s JOIN {table} t ON t.id = s.item_id \
             WHERE {conditions} AND s.kind = {code}",
            code = kind.code(),
        ),
    }
}

/// The language articles are narrowed to: written into the SQL, so only a tag of letters,
/// digits and `-` (`check::language_ok`) is; other kinds carry every language's names and are
/// not narrowed.
fn articles_in(kind: Kind, language: Option<&str>) -> Option<&str> {
    language.filter(|tag| kind == Kind::Article && crate::domain::check::language_ok(tag))
}

/// Whether anonymous viewers of `kind` are limited by the moment (a bind after the match's).
pub(super) fn timed(kind: Kind, viewer: Viewer) -> bool {
    !viewer.previews && !kind.table().2.is_empty()
}

/// The last-created `limit` items of `kind` that match every phrase of the query (by the index:
/// the words are checked again when scored), last first. Creation order is the index's own
/// order, so the window costs the same whatever the number of matches (a sort by publish time
/// would read every match); each candidate carries its recency for ties.
pub fn candidates(
    conn: &mut DbConnection,
    kind: Kind,
    query: &Query,
    completions: Option<&[String]>,
    viewer: Viewer,
    language: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Candidate>> {
    let backend = conn.backend();
    let (_, recency, _) = kind.table();
    // The index's own order: FTS5 walks its rowids backwards and stops at the limit (ordering
    // by an expression of the rowid made it sort every match: 300 ms for a common word at 100k).
    let (id, order) = match backend {
        Backend::Sqlite => (format!("s.rowid - {}", kind.base()), "s.rowid"),
        Backend::Postgres => ("s.item_id".to_owned(), "s.item_id"),
    };
    let recency = match recency {
        "" => "''".to_owned(),
        column => format!("COALESCE(CAST(t.{column} AS TEXT), '')"),
    };
    let select = format!(
        "{id} AS item_id, {recency} AS recency, \
         s.title, s.lead, s.body, s.title_exact, s.lead_exact, s.body_exact"
    );
    let m = match_of(backend, query, completions);
    let sql = format!(
        "{} ORDER BY {order} DESC LIMIT ?",
        matching_sql(backend, kind, viewer, &select, &m, language)
    );
    let mut statement = diesel::sql_query(numbered(backend, &sql)).into_boxed();
    for bind in m.binds {
        statement = statement.bind::<Text, _>(bind);
    }
    if timed(kind, viewer) {
        statement = statement.bind::<Timestamp, _>(viewer.now);
    }
    statement.bind::<BigInt, _>(limit).load(conn)
}

#[derive(QueryableByName)]
pub(super) struct Total {
    #[diesel(sql_type = BigInt)]
    pub(super) total: i64,
}

/// How many items of `kind` the viewer may see match the query (`completions`: what its last
/// word stands for, as `completions` found).
pub fn count(
    conn: &mut DbConnection,
    kind: Kind,
    query: &Query,
    completions: Option<&[String]>,
    viewer: Viewer,
    language: Option<&str>,
) -> QueryResult<i64> {
    let narrowed = articles_in(kind, language).is_some();
    if kind == Kind::Article
        && !narrowed
        && timed(kind, viewer)
        && conn.backend() == Backend::Sqlite
    {
        return count_public_articles(conn, query, completions, viewer);
    }
    count_joined(conn, kind, query, completions, viewer, language)
}

/// Every match read with its item's visibility: one lookup a match (14k for a common phrase
/// at a million articles, three quarters of such a query's time when asked for its total).
fn count_joined(
    conn: &mut DbConnection,
    kind: Kind,
    query: &Query,
    completions: Option<&[String]>,
    viewer: Viewer,
    language: Option<&str>,
) -> QueryResult<i64> {
    let backend = conn.backend();
    let m = match_of(backend, query, completions);
    let sql = matching_sql(backend, kind, viewer, "count(*) AS total", &m, language);
    let mut statement = diesel::sql_query(numbered(backend, &sql)).into_boxed();
    for bind in m.binds {
        statement = statement.bind::<Text, _>(bind);
    }
    if timed(kind, viewer) {
        statement = statement.bind::<Timestamp, _>(viewer.now);
    }
    let total: Total = statement.get_result(conn)?;
    Ok(total.total)
}

/// The ids of the articles the public may not see: the deleted ones (migration 000025), and
/// the complement of `Kind::table`'s condition among the rest, as four ranges of
/// `articles_listed_idx` (status, publish time; `?1` is the moment). An `OR` of them would scan
/// the whole index.
const HIDDEN_ARTICLES: &str = "\
    SELECT t.id FROM articles t INDEXED BY articles_deleted_idx WHERE t.deleted_at IS NOT NULL \
    UNION ALL SELECT t.id FROM articles t INDEXED BY articles_listed_idx \
    WHERE t.deleted_at IS NULL AND t.status < 'published' \
    UNION ALL SELECT t.id FROM articles t INDEXED BY articles_listed_idx \
    WHERE t.deleted_at IS NULL AND t.status > 'published' \
    UNION ALL SELECT t.id FROM articles t INDEXED BY articles_listed_idx \
    WHERE t.deleted_at IS NULL AND t.status = 'published' AND t.published_at > ?1 \
    UNION ALL SELECT t.id FROM articles t INDEXED BY articles_listed_idx \
    WHERE t.deleted_at IS NULL AND t.status = 'published' AND t.published_at IS NULL";

/// The public articles matching a query, counted on SQLite without a lookup a match when
/// fewer articles are hidden than match: every match in the index (its doclists alone), less
/// the hidden articles that match, each asked of the index by its rowid. Exact as long as
/// every article the index holds a row for exists, and articles are never removed (only
/// marked deleted), even when a script left a deleted or unpublished article's row. Hidden
/// articles are counted up to the number of matches only: when as many are hidden, every
/// match is looked up as before (`count_joined`), so neither way costs more than a lookup a
/// match.
fn count_public_articles(
    conn: &mut DbConnection,
    query: &Query,
    completions: Option<&[String]>,
    viewer: Viewer,
) -> QueryResult<i64> {
    let m = match_of(Backend::Sqlite, query, completions);
    let [bind] = m.binds.as_slice() else {
        return count_joined(conn, Kind::Article, query, completions, viewer, None);
    };
    let (base, last) = (Kind::Article.base(), Kind::Article.base() + (1 << 40) - 1);
    let matches: Total = diesel::sql_query(format!(
        "SELECT count(*) AS total FROM search_index s \
         WHERE {} AND s.rowid BETWEEN {base} AND {last}",
        m.condition
    ))
    .bind::<Text, _>(bind)
    .get_result(conn)?;
    if matches.total == 0 {
        return Ok(0);
    }
    let hidden: Total = diesel::sql_query(format!(
        "SELECT count(*) AS total FROM ({HIDDEN_ARTICLES} LIMIT ?2)"
    ))
    .bind::<Timestamp, _>(viewer.now)
    .bind::<BigInt, _>(matches.total)
    .get_result(conn)?;
    if hidden.total >= matches.total {
        return count_joined(conn, Kind::Article, query, completions, viewer, None);
    }
    // Hidden articles first (CROSS JOIN keeps that order): each is a rowid the index is asked
    // whether it matches.
    let hidden_matches: Total = diesel::sql_query(format!(
        "SELECT count(*) AS total FROM ({HIDDEN_ARTICLES}) h \
         CROSS JOIN search_index s ON s.rowid = h.id + {base} WHERE {}",
        m.condition.replace('?', "?2")
    ))
    .bind::<Timestamp, _>(viewer.now)
    .bind::<Text, _>(bind)
    .get_result(conn)?;
    Ok(matches.total - hidden_matches.total)
}

/// Whether any row of the index holds the phrase: how a query without a whole-phrase match is
/// cut into the longest phrases that do exist (`api::search`).
pub fn exists(conn: &mut DbConnection, query: &Query) -> QueryResult<bool> {
    let backend = conn.backend();
    let completions = completions(conn, query)?;
    let m = match_of(backend, query, completions.as_deref());
    let sql = format!(
        "SELECT count(*) AS total FROM (SELECT 1 FROM search_index s WHERE {} LIMIT 1) AS found",
        m.condition
    );
    let mut statement = diesel::sql_query(numbered(backend, &sql)).into_boxed();
    for bind in m.binds {
        statement = statement.bind::<Text, _>(bind);
    }
    let total: Total = statement.get_result(conn)?;
    Ok(total.total > 0)
}

/// An item's slug and its title (an article) or name in `lang` (the rest); `None` when it is
/// gone.
pub fn label(
    conn: &mut DbConnection,
    kind: Kind,
    id: i64,
    lang: Lang,
) -> QueryResult<Option<(String, String)>> {
    let named: Option<(String, String, String)> = match kind {
        Kind::Article => {
            return articles::table
                .find(id)
                .select((articles::slug, articles::title))
                .first(conn)
                .optional()
        }
        Kind::Event => events::table
            .find(id)
            .select((events::slug, events::name, events::names))
            .first(conn)
            .optional()?,
        Kind::Person => people::table
            .find(id)
            .select((people::slug, people::name, people::names))
            .first(conn)
            .optional()?,
        Kind::Organization => organizations::table
            .find(id)
            .select((
                organizations::slug,
                organizations::name,
                organizations::names,
            ))
            .first(conn)
            .optional()?,
    };
    Ok(named.map(|(slug, name, names)| (slug, lang.name_in(name, &names))))
}

/// A condition on `id_column` (as SQL, `articles.id`): the item is one the index matches.
pub fn matching<QS>(
    backend: Backend,
    kind: Kind,
    id_column: &str,
    query: &Query,
) -> Box<dyn BoxableExpression<QS, crate::db::MultiBackend, SqlType = diesel::sql_types::Bool>> {
    // No connection here: a one-word prefix is the index's own prefix match.
    let m = match_of(backend, query, None);
    let open = match backend {
        Backend::Sqlite => format!(
            "{id_column} IN (SELECT s.rowid - {base} FROM search_index s \
             WHERE s.rowid BETWEEN {base} AND {last} AND ",
            base = kind.base(),
            last = kind.base() + (1 << 40) - 1,
        ),
        Backend::Postgres => format!(
            "{id_column} IN (SELECT s.item_id FROM search_index s WHERE s.kind = {} AND ",
            kind.code()
        ),
    };
    // The condition's text between its binds: diesel numbers the binds itself here.
    let mut pieces = m.condition.split('?');
    let mut binds = m.binds.into_iter();
    let first = format!("{open}{}", pieces.next().unwrap_or_default());
    let condition = match (binds.next(), binds.next()) {
        (Some(a), None) => Box::new(
            diesel::dsl::sql::<diesel::sql_types::Bool>(&first)
                .bind::<Text, _>(a)
                .sql(&format!("{})", pieces.next().unwrap_or_default())),
        )
            as Box<dyn BoxableExpression<QS, crate::db::MultiBackend, SqlType = _>>,
        (Some(a), Some(b)) => Box::new(
            diesel::dsl::sql::<diesel::sql_types::Bool>(&first)
                .bind::<Text, _>(a)
                .sql(pieces.next().unwrap_or_default())
                .bind::<Text, _>(b)
                .sql(&format!("{})", pieces.next().unwrap_or_default())),
        ),
        // A query always has a phrase, so a match has a bind; without one nothing matches.
        _ => Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0")),
    };
    condition
}

/// Matches ranked per type at most: relevance is judged among each type's newest matches, so a
/// query for a common word costs a bounded amount (decision 0013). Pages reach this far.
pub const WINDOW: i64 = 500;

/// Weights of a match in an item's title (names), lead (theme, positions) and body.
pub(super) const WEIGHTS: [f64; 3] = [4.0, 2.0, 1.0];

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
/// `completions`: what the query's last word stands for, as `completions` found (once a
/// request: it is a statement of its own).
pub fn rank(
    conn: &mut DbConnection,
    query: &Query,
    completions: Option<&[String]>,
    kinds: &[Kind],
    viewer: Viewer,
    language: Option<&str>,
) -> QueryResult<Vec<Ranked>> {
    let mut ranked = Vec::new();
    for kind in kinds {
        for candidate in candidates(conn, *kind, query, completions, viewer, language, WINDOW)? {
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

pub(super) fn fields(candidate: &Candidate) -> [Field<'_>; 3] {
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
