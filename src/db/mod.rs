//! Everything diesel: the connection type over both backends, the pool, migrations, and one
//! module of row types and query functions per resource. This is the only code that must
//! compile for SQLite and PostgreSQL alike.

pub mod articles;
pub mod events;
pub mod organizations;
pub mod people;
pub mod schema;
pub mod seed;
pub mod slugs;
pub mod tags;
pub mod tokens;
pub mod visits;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

use crate::error::ApiError;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConnection>>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Which backend a `DATABASE_URL` names. The scheme decides, so that a connection failure is
/// reported as itself (the multi-backend `establish` swallows it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The SQLite file path of a `sqlite://` URL or a plain path.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database setup failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migrate(String),
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot create the database directory {0}: {1}")]
    Directory(String, std::io::Error),
}

/// Opens one connection of the backend the URL names, reporting the backend's own error.
pub fn establish(url: &str) -> Result<DbConnection, DbSetupError> {
    Ok(match Backend::of(url) {
        Backend::Postgres => DbConnection::Pg(PgConnection::establish(url)?),
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() && !dir.exists() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| DbSetupError::Directory(dir.display().to_string(), e))?;
                }
            }
            DbConnection::Sqlite(SqliteConnection::establish(path)?)
        }
    })
}

/// Applies the embedded migrations of the connection's backend.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, DbSetupError> {
    let applied = match conn {
        DbConnection::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| DbSetupError::Migrate(e.to_string()))
}

/// Per-connection SQLite settings. WAL is set once, before the pool exists (see `build_pool`).
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Connects, migrates, and builds the pool. Migrations run before the pool is built so that no
/// request ever sees an old schema.
pub fn build_pool(url: &str, max_size: u32) -> Result<DbPool, DbSetupError> {
    let mut first = establish(url)?;
    if let DbConnection::Sqlite(c) = &mut first {
        c.batch_execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
    }
    migrate(&mut first)?;
    drop(first);
    let manager = ConnectionManager::<DbConnection>::new(match Backend::of(url) {
        Backend::Postgres => url,
        Backend::Sqlite => sqlite_path(url),
    });
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(5))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)?;
    Ok(pool)
}

/// Runs blocking diesel work on the blocking thread pool with a pooled connection: sync diesel
/// never runs on an actix worker thread.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))?
}

/// The sort value of the last row of a page, for keyset pagination (`cursor`).
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    Text(String),
    Time(chrono::NaiveDateTime),
    Date(chrono::NaiveDate),
    /// The row had no value (an undated event); such rows sort last.
    Null,
    /// The sort key is the id itself.
    Id,
}

/// Where a keyset page starts: after the row with this sort value and id.
#[derive(Debug, Clone, PartialEq)]
pub struct After {
    pub value: KeyValue,
    pub id: i64,
}

/// Rows after (`value`, `id`) in the order `column` (asc or desc), then `id` ascending.
#[macro_export]
macro_rules! keyset {
    ($query:expr, $column:expr, $value:expr, $desc:expr, $id_column:expr, $id:expr) => {{
        let value = $value;
        if $desc {
            $query.filter(
                $column
                    .lt(value.clone())
                    .or($column.eq(value).and($id_column.gt($id))),
            )
        } else {
            $query.filter(
                $column
                    .gt(value.clone())
                    .or($column.eq(value).and($id_column.gt($id))),
            )
        }
    }};
}

/// Rows after `id` when the sort key is the id.
#[macro_export]
macro_rules! keyset_id {
    ($query:expr, $desc:expr, $id_column:expr, $id:expr) => {
        if $desc {
            $query.filter($id_column.lt($id))
        } else {
            $query.filter($id_column.gt($id))
        }
    };
}

/// A transaction that writes. On SQLite it takes the write lock first: a transaction that reads
/// and then writes cannot wait for a concurrent writer (SQLite answers BUSY at once rather than
/// deadlock), so two editors saving together got a 500 instead of one of them a 412.
pub fn write_transaction<T, F>(conn: &mut DbConnection, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError>,
{
    conn.transaction(|conn| {
        if let DbConnection::Sqlite(c) = conn {
            // A write that changes nothing, to hold the lock (waiting up to busy_timeout).
            c.batch_execute("UPDATE slug_history SET id = id WHERE 0")?;
        }
        work(conn)
    })
}

/// `UPDATE <table> SET <changes>, version = version + 1 WHERE id = ? AND version = ? AND
/// deleted_at IS NULL`: true when it applied. One statement, so two writers of the same version
/// cannot both win.
#[macro_export]
macro_rules! versioned_update {
    ($conn:expr, $table:ident, $id:expr, $expected:expr, $changes:expr) => {{
        use diesel::prelude::*;
        use $crate::db::schema::$table;
        diesel::update(
            $table::table
                .find($id)
                .filter($table::version.eq($expected))
                .filter($table::deleted_at.is_null()),
        )
        .set(($changes, $table::version.eq($table::version + 1)))
        .execute($conn)
        .map(|n| n == 1)
    }};
}

/// Soft delete with the same version check.
#[macro_export]
macro_rules! versioned_delete {
    ($conn:expr, $table:ident, $id:expr, $expected:expr, $now:expr) => {{
        use diesel::prelude::*;
        use $crate::db::schema::$table;
        diesel::update(
            $table::table
                .find($id)
                .filter($table::version.eq($expected))
                .filter($table::deleted_at.is_null()),
        )
        .set((
            $table::deleted_at.eq(Some($now)),
            $table::updated_at.eq($now),
            $table::version.eq($table::version + 1),
        ))
        .execute($conn)
        .map(|n| n == 1)
    }};
}

/// The ids from `$id` up through its `parent_id`s, to refuse a parent that would make a cycle.
#[macro_export]
macro_rules! ancestors {
    ($conn:expr, $table:ident, $id:expr) => {{
        use diesel::prelude::*;
        use $crate::db::schema::$table;
        let mut chain = vec![$id];
        let mut current = $id;
        loop {
            let parent: Option<i64> = $table::table
                .find(current)
                .select($table::parent_id)
                .first::<Option<i64>>($conn)
                .optional()?
                .flatten();
            match parent {
                Some(parent) if !chain.contains(&parent) && chain.len() < 64 => {
                    chain.push(parent);
                    current = parent;
                }
                _ => break,
            }
        }
        Ok::<Vec<i64>, diesel::result::Error>(chain)
    }};
}

/// A key that is an id when numeric, a slug otherwise (a slug always has a letter).
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Id(i64),
    Slug(String),
}

impl Key {
    pub fn parse(raw: &str) -> Key {
        match raw.parse::<i64>() {
            Ok(id) if !raw.starts_with('+') => Key::Id(id),
            _ => Key::Slug(raw.to_owned()),
        }
    }
}

/// Resolves a key to an id with one query for slugs; `None` when no row has that slug.
#[macro_export]
macro_rules! resolve_key {
    ($conn:expr, $table:ident, $key:expr) => {{
        use diesel::prelude::*;
        match $key {
            $crate::db::Key::Id(id) => Ok(Some(*id)),
            $crate::db::Key::Slug(slug) => $crate::db::schema::$table::table
                .filter($crate::db::schema::$table::slug.eq(slug.as_str()))
                .select($crate::db::schema::$table::id)
                .first::<i64>($conn)
                .optional(),
        }
    }};
}

/// Resolves an optional filter key: `Ok(None)` when there is no filter, `Ok(Some(None))` when
/// the key names nothing (the list is then empty).
#[macro_export]
macro_rules! resolve_filter {
    ($conn:expr, $table:ident, $key:expr) => {
        match $key {
            None => Ok(None),
            Some(key) => $crate::resolve_key!($conn, $table, key).map(Some),
        }
    };
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Id(id) => write!(f, "{id}"),
            Key::Slug(slug) => f.write_str(slug),
        }
    }
}
