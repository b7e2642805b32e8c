//! NDJSON export and import of everything a newsroom owns (decision 0016): content, relations,
//! aliases, positions, revisions, slug history, mentions, media metadata, visit totals and the
//! change log, one stored row a line, in a fixed order, with values in one canonical form. An
//! export of SQLite and one of PostgreSQL holding the same data are the same bytes, and an
//! import keeps ids, versions and times. Never exported: tokens, webhooks and their secrets,
//! service keys, visit salts, and what is derived (the search index, queues).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, SmallInt, Text, Timestamp};
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

use super::DbConnection;

/// A column's type, which decides its canonical form.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Small,
    Big,
    Str,
    Flag,
    /// UTC, written `YYYY-MM-DDTHH:MM:SS.ffffff` (microseconds: what both backends keep).
    Time,
    Day,
}

use Kind::*;

mod tables;
pub use tables::*;

/// A table: its name, its key columns (the export's order), and every column with its type.
pub struct Table {
    pub name: &'static str,
    key: &'static [&'static str],
    columns: &'static [(&'static str, Kind)],
}

impl Table {
    /// The exported columns' names.
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|(name, _)| *name)
    }
}

const fn table(
    name: &'static str,
    key: &'static [&'static str],
    columns: &'static [(&'static str, Kind)],
) -> Table {
    Table { name, key, columns }
}

/// Columns that point at another row of their own table (a tree): the import writes them once
/// every row of the table is in, since a parent may have a larger id than its child.
const SELF_REFERENCES: &[(&str, &str)] = &[
    ("organizations", "parent_id"),
    ("events", "parent_id"),
    ("sections", "parent_id"),
];

/// Tables the export leaves out, each with the reason (a test fails for a table of the schema
/// that is neither exported nor listed here).
pub const EXCLUDED: &[(&str, &str)] = &[
    (
        "api_tokens",
        "credentials: tokens are made anew on the new system",
    ),
    (
        "webhooks",
        "holds signing secrets; endpoints are registered anew",
    ),
    (
        "webhook_deliveries",
        "delivery state of the webhooks left out",
    ),
    (
        "webhook_attempts",
        "delivery state of the webhooks left out",
    ),
    (
        "service_keys",
        "the service's own secrets (cursor and media naming keys)",
    ),
    (
        "visit_salts",
        "secrets that make visitors unlinkable; a day's salt never leaves it",
    ),
    ("visit_keys", "short-lived dedupe keys of the visit counter"),
    (
        "preview_links",
        "signed with a service key that is not exported; they last 7 days at most",
    ),
    (
        "search_index",
        "derived: rebuilt by import (`newsroom reindex`)",
    ),
    ("search_terms", "derived: rebuilt with the search index"),
    (
        "renditions",
        "derived: stored public representations, rendered again on first read",
    ),
    (
        "rendition_keys",
        "derived: what the stored representations read",
    ),
    (
        "relink_jobs",
        "derived: a queue; import rebuilds the index the relinker reads",
    ),
    (
        "maintenance_steps",
        "derived: markers of one-time fills, which import redoes",
    ),
    (
        "__diesel_schema_migrations",
        "the schema's own version, set by migrations",
    ),
];

/// Columns the export leaves out of tables it carries: copies kept by triggers, written again
/// when the row is inserted.
pub const DERIVED_COLUMNS: &[(&str, &str)] = &[
    ("article_tags", "published_at"),
    ("article_tags", "listed"),
    ("article_events", "published_at"),
    ("article_events", "listed"),
    ("article_people", "published_at"),
    ("article_people", "listed"),
    ("article_organizations", "published_at"),
    ("article_organizations", "listed"),
];

/// Tables that belong to no one resource: the history and counters every resource shares.
pub const SHARED: &[&str] = &[
    "slug_history",
    "visit_daily",
    "change_log",
    "change_log_head",
];

/// Tables whose one row a fresh database already has: the import replaces it.
const PRESET: &[&str] = &["change_log_head"];

/// The first line of every export.
const HEADER: &str = r#"{"format":"newsroom-export","version":1}"#;

/// Rows read per query.
const BATCH: i64 = 1000;

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("cannot write or read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {message}")]
    Format { line: usize, message: String },
    #[error("the database is not empty ({0} has rows): import into a new one")]
    NotEmpty(&'static str),
}

fn bad(line: usize, message: impl Into<String>) -> ExportError {
    ExportError::Format {
        line,
        message: message.into(),
    }
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// A value in its canonical form, from what a backend's JSON functions gave.
fn canonical(kind: Kind, value: &Value) -> Option<Value> {
    Some(match (kind, value) {
        (_, Value::Null) => Value::Null,
        (Flag, Value::Bool(b)) => Value::Bool(*b),
        (Flag, Value::Number(n)) => Value::Bool(n.as_i64()? != 0),
        (Int | Small | Big, Value::Number(n)) => Value::from(n.as_i64()?),
        (Time, Value::String(s)) => Value::from(parse_time(s)?.format(TIME_FORMAT).to_string()),
        (Day, Value::String(s)) => {
            Value::from(NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?.to_string())
        }
        (Str, Value::String(s)) => Value::from(s.clone()),
        _ => return None,
    })
}

/// A stored time: `T` or a space between date and time, any fraction; to microseconds.
fn parse_time(text: &str) -> Option<NaiveDateTime> {
    let text = text.replacen('T', " ", 1);
    let time =
        NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%d %H:%M:%S%.f").ok()?;
    chrono::DateTime::from_timestamp_micros(time.and_utc().timestamp_micros())
        .map(|t| t.naive_utc())
}

/// Writes the export of everything, in one consistent snapshot.
pub fn export(conn: &mut DbConnection, out: &mut dyn Write) -> Result<usize, ExportError> {
    snapshot(conn, |conn| {
        writeln!(out, "{HEADER}")?;
        let mut lines = 1;
        for table in TABLES {
            lines += export_table(conn, table, out)?;
        }
        Ok(lines)
    })
}

/// Runs `work` in a read-only transaction that sees one moment (REPEATABLE READ on PostgreSQL;
/// a read transaction on SQLite's WAL).
fn snapshot<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ExportError>,
) -> Result<T, ExportError> {
    match conn {
        DbConnection::Pg(_) => {
            conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        }
        DbConnection::Sqlite(_) => conn.batch_execute("BEGIN")?,
    }
    let result = work(conn);
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    conn.batch_execute(end)?;
    result
}

fn export_table(
    conn: &mut DbConnection,
    table: &Table,
    out: &mut dyn Write,
) -> Result<usize, ExportError> {
    let pairs: Vec<String> = table
        .columns
        .iter()
        .map(|(name, _)| format!("'{name}', {name}"))
        .collect();
    let object = match conn {
        DbConnection::Pg(_) => format!("json_build_object({})::text", pairs.join(", ")),
        DbConnection::Sqlite(_) => format!("json_object({})", pairs.join(", ")),
    };
    let key = table.key.join(", ");
    let mut after: Option<Map<String, Value>> = None;
    let mut written = 0;
    loop {
        let mut sql = format!("SELECT {object} AS line FROM {}", table.name);
        if let Some(last) = &after {
            // Keyset on the key columns: `(a, b) > (x, y)`, with the values as literals of
            // their own type (numbers, or dates, which are checked ISO strings).
            let values: Vec<String> = table
                .key
                .iter()
                .map(|k| match &last[*k] {
                    Value::String(s) => format!("'{}'", s.replace('\'', "''")),
                    other => other.to_string(),
                })
                .collect();
            sql.push_str(&format!(" WHERE ({key}) > ({})", values.join(", ")));
        }
        sql.push_str(&format!(" ORDER BY {key} LIMIT {BATCH}"));
        let rows: Vec<Line> = on_backend!(conn, |c| diesel::sql_query(&sql).load(c))?;
        for row in &rows {
            let raw: Map<String, Value> = serde_json::from_str(&row.line)
                .map_err(|e| bad(0, format!("{}: unreadable row: {e}", table.name)))?;
            let mut clean = Map::new();
            for (name, kind) in table.columns {
                let value = raw.get(*name).unwrap_or(&Value::Null);
                let value = canonical(*kind, value).ok_or_else(|| {
                    bad(
                        0,
                        format!("{}.{name}: unexpected value {value}", table.name),
                    )
                })?;
                clean.insert((*name).to_owned(), value);
            }
            let line = serde_json::json!({"table": table.name, "row": clean});
            writeln!(out, "{line}")?;
            after = Some(clean);
            written += 1;
        }
        if (rows.len() as i64) < BATCH {
            return Ok(written);
        }
    }
}

/// Loads an export into an empty database of either backend, keeping ids, versions and times;
/// the search index is rebuilt after. Returns the rows loaded.
pub fn import(conn: &mut DbConnection, input: &mut dyn BufRead) -> Result<usize, ExportError> {
    for table in TABLES.iter().filter(|t| !PRESET.contains(&t.name)) {
        let count: i64 = on_backend!(conn, |c| {
            diesel::sql_query(format!("SELECT COUNT(*) AS line FROM {}", table.name))
                .load::<Count>(c)
        })?
        .first()
        .map_or(0, |c| c.line);
        if count > 0 {
            return Err(ExportError::NotEmpty(table.name));
        }
    }
    let loaded = conn.transaction(|conn| {
        super::take_write_lock(conn)?;
        // Derived from the content being replaced: rendered again from what is loaded.
        super::renditions::clear(conn)?;
        let mut lines = input.lines().enumerate();
        match lines.next() {
            Some((_, Ok(first))) if first == HEADER => {}
            _ => return Err(bad(1, "not a newsroom export (the first line is its header)")),
        }
        let mut cleared: Vec<&str> = Vec::new();
        let mut parents: Vec<(&str, &str, i64, i64)> = Vec::new();
        let mut loaded = 0;
        for (index, line) in lines {
            let number = index + 1;
            let line = line?;
            if line.is_empty() {
                continue;
            }
            let object: Value = serde_json::from_str(&line)
                .map_err(|e| bad(number, format!("not JSON: {e}")))?;
            let name = object["table"].as_str().unwrap_or_default();
            let table = TABLES
                .iter()
                .find(|t| t.name == name)
                .ok_or_else(|| bad(number, format!("unknown table `{name}`")))?;
            let row = object["row"]
                .as_object()
                .ok_or_else(|| bad(number, "no `row` object"))?;
            if PRESET.contains(&table.name) && !cleared.contains(&table.name) {
                conn.batch_execute(&format!("DELETE FROM {}", table.name))?;
                cleared.push(table.name);
            }
            // A tree's parent is written once every row of the table is in.
            let mut row = row.clone();
            for (_, column) in SELF_REFERENCES.iter().filter(|(t, _)| *t == table.name) {
                if let Some(parent) = row.get_mut(*column).filter(|v| !v.is_null()) {
                    let parent = parent.take().as_i64().ok_or_else(|| {
                        bad(number, format!("{}.{column} is not a whole number", table.name))
                    })?;
                    let id = row["id"].as_i64().ok_or_else(|| bad(number, "no `id`"))?;
                    parents.push((table.name, *column, id, parent));
                }
            }
            insert(conn, table, &row).map_err(|e| match e {
                ExportError::Format { message, .. } => bad(number, message),
                other => other,
            })?;
            loaded += 1;
        }
        for (table, column, id, parent) in parents {
            let sql = format!("UPDATE {table} SET {column} = {parent} WHERE id = {id}");
            conn.batch_execute(&sql)?;
        }
        if let DbConnection::Pg(_) = conn {
            // Identity columns continue after the imported ids.
            for table in TABLES.iter().filter(|t| t.key == ["id"] && !PRESET.contains(&t.name)) {
                conn.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {0}), false)",
                    table.name
                ))?;
            }
        }
        Ok::<_, ExportError>(loaded)
    })?;
    Ok(loaded)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    line: i64,
}

/// One row's `INSERT`, each value bound with its column's type.
fn insert(
    conn: &mut DbConnection,
    table: &Table,
    row: &Map<String, Value>,
) -> Result<(), ExportError> {
    for key in row.keys() {
        if !table.columns.iter().any(|(name, _)| name == key) {
            return Err(bad(0, format!("{} has no column `{key}`", table.name)));
        }
    }
    let names: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    let placeholders: Vec<String> = match conn {
        DbConnection::Pg(_) => (1..=names.len()).map(|i| format!("${i}")).collect(),
        DbConnection::Sqlite(_) => names.iter().map(|_| "?".to_owned()).collect(),
    };
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        names.join(", "),
        placeholders.join(", ")
    );
    macro_rules! bound {
        ($c:expr, $backend:ty) => {{
            let mut query = diesel::sql_query(&sql).into_boxed::<$backend>();
            for (name, kind) in table.columns {
                let value = row.get(*name).unwrap_or(&Value::Null);
                let wrong = || {
                    bad(
                        0,
                        format!("{}.{name}: {value} is not a {kind:?}", table.name),
                    )
                };
                query = match kind {
                    Int => query.bind::<Nullable<Integer>, _>(
                        number(value)
                            .map(i32::try_from)
                            .transpose()
                            .map_err(|_| wrong())?,
                    ),
                    Small => query.bind::<Nullable<SmallInt>, _>(
                        number(value)
                            .map(i16::try_from)
                            .transpose()
                            .map_err(|_| wrong())?,
                    ),
                    Big => query.bind::<Nullable<BigInt>, _>(number(value)),
                    Str => query.bind::<Nullable<Text>, _>(value.as_str().map(str::to_owned)),
                    Flag => query.bind::<Nullable<Bool>, _>(value.as_bool()),
                    Time => query.bind::<Nullable<Timestamp>, _>(match value.as_str() {
                        Some(s) => Some(parse_time(s).ok_or_else(wrong)?),
                        None => None,
                    }),
                    Day => query.bind::<Nullable<Date>, _>(match value.as_str() {
                        Some(s) => {
                            Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| wrong())?)
                        }
                        None => None,
                    }),
                };
                if !value.is_null() && !fits(*kind, value) {
                    return Err(wrong());
                }
            }
            query.execute($c)?;
        }};
    }
    match conn {
        DbConnection::Pg(c) => bound!(c, diesel::pg::Pg),
        DbConnection::Sqlite(c) => bound!(c, diesel::sqlite::Sqlite),
    }
    Ok(())
}

fn number(value: &Value) -> Option<i64> {
    value.as_i64()
}

/// Whether a non-null value has its column's JSON type.
fn fits(kind: Kind, value: &Value) -> bool {
    match kind {
        Int | Small | Big => value.is_i64(),
        Flag => value.is_boolean(),
        Str | Time | Day => value.is_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_carries_every_resource_table_in_the_descriptors_order() {
        use crate::domain::resources::RESOURCES;
        let declared: Vec<&str> = RESOURCES
            .iter()
            .flat_map(|r| r.tables.iter().copied())
            .chain(SHARED.iter().copied())
            .collect();
        let exported: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        assert_eq!(
            exported, declared,
            "export what the descriptors own, parents first"
        );
        for (table, _) in EXCLUDED {
            assert!(
                !exported.contains(table),
                "{table} is exported and excluded"
            );
        }
        for (table, column) in SELF_REFERENCES.iter().chain(DERIVED_COLUMNS) {
            assert!(exported.contains(table), "{table}.{column}");
        }
    }

    #[test]
    fn values_take_one_form_whichever_backend_wrote_them() {
        for stored in [
            "2022-10-21 01:24:00",
            "2022-10-21T01:24:00",
            "2022-10-21 01:24:00.000000",
        ] {
            assert_eq!(
                canonical(Time, &Value::from(stored)),
                Some(Value::from("2022-10-21T01:24:00.000000"))
            );
        }
        assert_eq!(
            canonical(Time, &Value::from("2026-11-25 03:00:00.123456789")),
            Some(Value::from("2026-11-25T03:00:00.123456")),
            "nanoseconds SQLite kept are cut to what PostgreSQL keeps"
        );
        assert_eq!(canonical(Flag, &Value::from(1)), Some(Value::Bool(true)));
        assert_eq!(
            canonical(Flag, &Value::Bool(false)),
            Some(Value::Bool(false))
        );
        assert_eq!(canonical(Int, &Value::from("1")), None);
    }
}
