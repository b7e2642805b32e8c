//! Everything diesel: the connection type over both backends, the pool, migrations, and one
//! module of row types and query functions per resource. This is the only code that must
//! compile for SQLite and PostgreSQL alike.

/// Runs the same diesel statement on whichever backend the connection is.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            DbConnection::Pg($c) => $body,
            DbConnection::Sqlite($c) => $body,
        }
    };
}

pub mod articles;
pub mod authors;
pub mod backup;
pub mod changes;
pub mod events;
pub mod export;
pub mod fragments;
pub mod keys;
pub mod locks;
pub mod media;
pub mod mentions;
pub mod organizations;
pub mod people;
pub mod previews;
pub mod renditions;
pub mod schema;
pub mod search;
pub mod sections;
pub mod seed;
pub mod slots;
pub mod slugs;
pub mod stored;
pub mod tags;
pub mod tokens;
pub mod visits;
pub mod webhooks;

mod pool;
pub mod replica;
pub use pool::{Manager, Pooled};
mod records;
pub use records::*;
pub(crate) use records::{live_by_ids, record};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, Pool};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

use crate::domain::check::Checks;
pub use crate::domain::key::Key;
use crate::domain::key::Reference;
use crate::error::ApiError;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// A connection pool, and one permit per connection for the service's database work (`run`):
/// requests beyond the pool's size wait on the async side for a permit, not on a blocking thread
/// parked inside `get()`, so the blocking threads (each with its stack and allocator arena) stay
/// as few as the connections. Derefs to the r2d2 pool for synchronous callers (CLI, tests).
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<pool::Manager>,
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl std::ops::Deref for DbPool {
    type Target = Pool<pool::Manager>;
    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

/// How long database work waits for a connection before the caller gets a 503.
const CONNECTION_WAIT: Duration = Duration::from_secs(5);

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Which backend a `DATABASE_URL` names. The scheme decides, so that a connection failure is
/// reported as itself (the multi-backend `establish` swallows it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Pg(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
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
pub(crate) fn sqlite_path(url: &str) -> &str {
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
    #[error("{0}")]
    Setting(String),
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot create the database directory {0}: {1}")]
    Directory(String, std::io::Error),
    #[error("cannot lock {0}: {1}")]
    Lock(String, std::io::Error),
}

/// Makes the directory a file of the database goes in, when it is missing.
pub(crate) fn parent_directory(path: &str) -> Result<(), DbSetupError> {
    if let Some(dir) = std::path::Path::new(path).parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbSetupError::Directory(dir.display().to_string(), e))?;
        }
    }
    Ok(())
}

/// Makes every SQLite connection this process opens keep one plan per statement, whatever its
/// parameters (`SQLITE_DBCONFIG_ENABLE_QPSG`). Without it SQLite re-prepares a statement on every
/// run when a bound value could change its plan, and diesel binds every `LIMIT`: each cached
/// statement with a limit (a lookup by slug, every list) was parsed and planned again per
/// request, the larger part of a cold read's database time. The plans do not depend on the
/// values here: no statistics are gathered on SQLite, and no `LIKE` pattern is a prefix
/// searched through an index.
fn sqlite_plans_stay_put() {
    use std::os::raw::{c_char, c_int};
    static ONCE: std::sync::Once = std::sync::Once::new();
    unsafe extern "C" fn on_open(
        db: *mut libsqlite3_sys::sqlite3,
        _error: *mut *mut c_char,
        _api: *const libsqlite3_sys::sqlite3_api_routines,
    ) -> c_int {
        // SAFETY: SQLite calls this with the connection it is opening; the option takes an
        // int and a nullable pointer to read the setting back into.
        unsafe {
            libsqlite3_sys::sqlite3_db_config(
                db,
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                1 as c_int,
                std::ptr::null_mut::<c_int>(),
            )
        }
    }
    ONCE.call_once(|| {
        // SAFETY: registers a function with the signature SQLite's auto-extensions have; it
        // runs for each connection opened from now on.
        unsafe {
            libsqlite3_sys::sqlite3_auto_extension(Some(on_open));
        }
    });
}

/// Opens one connection of the backend the URL names, reporting the backend's own error.
pub fn establish(url: &str) -> Result<DbConnection, DbSetupError> {
    Ok(match Backend::of(url) {
        Backend::Postgres => DbConnection::Pg(PgConnection::establish(url)?),
        Backend::Sqlite => {
            sqlite_plans_stay_put();
            let path = sqlite_path(url);
            parent_directory(path)?;
            let mut conn = SqliteConnection::establish(path)?;
            // Wait for a lock rather than fail at once, as pooled connections do: a connection
            // closing elsewhere checkpoints the write-ahead log under an exclusive lock (a
            // scratch database's first write lost that race under load: the flaky
            // `export::bad_exports_and_callers_are_refused`).
            conn.batch_execute("PRAGMA busy_timeout = 5000;")?;
            DbConnection::Sqlite(conn)
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

/// Per-connection settings. SQLite: its pragmas (WAL is set once, before the pool exists, see
/// `build_pool`). PostgreSQL: prepared statements run on their generic plan. Left to choose,
/// PostgreSQL planned every execution anew (a custom plan for each `now`, never the generic one),
/// a quarter of its work on a cold list (decision 0023). Conditions a partial index depends on
/// are written as literals (`PUBLISHED`), so a generic plan can still prove them.
#[derive(Debug)]
struct SessionSettings;

impl CustomizeConnection<Pooled, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut Pooled) -> Result<(), diesel::r2d2::Error> {
        let settings = match &mut **conn {
            DbConnection::Sqlite(c) => c.batch_execute(
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;",
            ),
            DbConnection::Pg(c) => c.batch_execute("SET plan_cache_mode = force_generic_plan"),
        };
        settings.map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Connects, migrates, and builds the pool. Migrations run before the pool is built so that no
/// request ever sees an old schema.
pub fn build_pool(url: &str, max_size: u32) -> Result<DbPool, DbSetupError> {
    migrate_once(url)?;
    connect_pool(url, max_size)
}

/// Applies pending migrations under the setup lock (instances started together take turns:
/// the others find them applied); the number applied.
pub fn migrate_once(url: &str) -> Result<usize, DbSetupError> {
    let _setup = locks::setup(url)?;
    let mut first = establish(url)?;
    if let DbConnection::Sqlite(c) = &mut first {
        c.batch_execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
    }
    migrate(&mut first)
}

/// A pool on a database `build_pool` already prepared (another pool beside the first).
pub fn connect_pool(url: &str, max_size: u32) -> Result<DbPool, DbSetupError> {
    if Backend::of(url) == Backend::Sqlite {
        sqlite_plans_stay_put();
    }
    let manager = pool::Manager::new(match Backend::of(url) {
        Backend::Postgres => url,
        Backend::Sqlite => sqlite_path(url),
    });
    let pool = Pool::builder()
        .max_size(max_size)
        // A checkout asks PostgreSQL whether a connection idle for a while still works (a
        // restarted server closes it): `pool::Manager::is_valid`.
        .test_on_check_out(true)
        .connection_timeout(CONNECTION_WAIT)
        .connection_customizer(Box::new(SessionSettings))
        .build(manager)?;
    Ok(DbPool {
        permits: std::sync::Arc::new(tokio::sync::Semaphore::new(max_size as usize)),
        pool,
    })
}

/// A pool on a streaming replica (`replica`): built without waiting for a connection (a replica
/// down at start must not stop the node), and quick to give up on one, so that a read falls
/// back to the primary rather than wait.
pub fn replica_pool(url: &str, max_size: u32) -> Result<DbPool, DbSetupError> {
    if Backend::of(url) != Backend::Postgres {
        return Err(DbSetupError::Setting(
            "a read replica (NEWSROOM_READ_DATABASE_URL) must be a postgres:// URL".into(),
        ));
    }
    let pool = Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .test_on_check_out(true)
        .connection_timeout(REPLICA_CONNECTION_WAIT)
        .connection_customizer(Box::new(SessionSettings))
        .build_unchecked(pool::Manager::new(url));
    Ok(DbPool {
        permits: std::sync::Arc::new(tokio::sync::Semaphore::new(max_size as usize)),
        pool,
    })
}

/// How long a read waits for a replica connection before the primary serves it.
const REPLICA_CONNECTION_WAIT: Duration = Duration::from_millis(500);

/// Runs blocking diesel work on the blocking thread pool with a pooled connection: sync diesel
/// never runs on an actix worker thread.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let permit = match pool.permits.clone().try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => {
            let metrics = &crate::metrics::METRICS;
            metrics.pool_waits.inc();
            let waited = std::time::Instant::now();
            let permit =
                actix_web::rt::time::timeout(CONNECTION_WAIT, pool.permits.clone().acquire_owned())
                    .await;
            metrics
                .pool_wait_seconds
                .observe(waited.elapsed().as_secs_f64());
            permit
                .map_err(|_| ApiError::Unavailable)?
                .map_err(|_| ApiError::Unavailable)?
        }
    };
    let pool = pool.pool.clone();
    actix_web::web::block(move || {
        let _permit = permit;
        let mut conn = pool.get()?;
        let done = work(&mut conn);
        // A client's error (a 404) says nothing about the connection; a server's may.
        conn.worked(match &done {
            Ok(_) => true,
            Err(e) => !actix_web::ResponseError::status_code(e).is_server_error(),
        });
        done
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

/// Rows after (`value`, `id`) in the order `column` (asc or desc), then `id` in the same
/// direction.
macro_rules! keyset {
    ($query:expr, $column:expr, $value:expr, $desc:expr, $id_column:expr, $id:expr) => {{
        let value = $value;
        // The plain bound first: it lets the index start at the cursor instead of filtering
        // every row before it (the `OR` alone scanned half a million rows at a million).
        if $desc {
            $query.filter($column.le(value.clone())).filter(
                $column
                    .lt(value.clone())
                    .or($column.eq(value).and($id_column.lt($id))),
            )
        } else {
            $query.filter($column.ge(value.clone())).filter(
                $column
                    .gt(value.clone())
                    .or($column.eq(value).and($id_column.gt($id))),
            )
        }
    }};
}

/// Narrows `$query` to the rows whose `$id` a link table pairs with `$value`: "the articles
/// about this event" is `through!(query, articles::id, article_events.article_id, event_id == id)`.
macro_rules! through {
    ($query:expr, $id:expr, $link:ident . $owner:ident, $key:ident == $value:expr) => {
        $query.filter(
            $id.eq_any(
                $crate::db::schema::$link::table
                    .filter($crate::db::schema::$link::$key.eq($value))
                    .select($crate::db::schema::$link::$owner),
            ),
        )
    };
}

/// `$query` ordered next by `$column`, descending when `$desc`.
macro_rules! ordered {
    ($query:expr, $column:expr, $desc:expr) => {
        if $desc {
            $query.then_order_by($column.desc())
        } else {
            $query.then_order_by($column.asc())
        }
    };
}

/// The page of `$query` at `$offset`, every column of `$table`. Ties are broken by id in the
/// direction of the first sort key, so that an index on (key, id) serves the whole order (a
/// descending key with an ascending id made SQLite sort every matching row on each request).
macro_rules! page {
    ($conn:expr, $query:expr, $table:ident, $sort:expr, $offset:expr, $limit:expr) => {
        $crate::db::page!(
            $conn,
            $query,
            $table,
            $sort,
            $offset,
            $limit,
            $crate::db::schema::$table::all_columns
        )
    };
    ($conn:expr, $query:expr, $table:ident, $sort:expr, $offset:expr, $limit:expr, $columns:expr) => {{
        let descending = $sort.first().is_some_and(|(_, desc)| *desc);
        $crate::db::ordered!($query, $crate::db::schema::$table::id, descending)
            .offset($offset)
            .limit($limit)
            .select($columns)
            .load($conn)
    }};
}

/// Rows after `id` when the sort key is the id.
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
        take_write_lock(conn)?;
        work(conn)
    })
}

/// On SQLite, takes the write lock inside the current transaction with a write that changes
/// nothing (waiting up to busy_timeout); PostgreSQL needs nothing.
pub fn take_write_lock(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    if let DbConnection::Sqlite(c) = conn {
        c.batch_execute("UPDATE slug_history SET id = id WHERE 0")?;
    }
    Ok(())
}

/// Inside a transaction, what `content_transaction` takes first: the write lock, and on
/// PostgreSQL the change log's head row.
pub fn take_content_lock(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    take_write_lock(conn)?;
    if let DbConnection::Pg(c) = conn {
        c.batch_execute("SELECT seq FROM change_log_head WHERE id = 1 FOR UPDATE")?;
    }
    Ok(())
}

/// A transaction that changes content: a write transaction that first takes the change log's
/// head row, so content writes run one at a time on either backend and number their changes in
/// commit order (decision 0008). Every content change goes through here.
pub fn content_transaction<T, F>(conn: &mut DbConnection, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError>,
{
    conn.transaction(|conn| {
        take_content_lock(conn)?;
        work(conn)
    })
}

/// `UPDATE <table> SET <changes>, version = version + 1 WHERE id = ? AND version = ? AND
/// deleted_at IS NULL`: true when it applied. One statement, so two writers of the same version
/// cannot both win.
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

/// The ids from `$id` up through its `parent_id`s, to refuse a parent that would make a cycle.
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

/// Resolves a key to an id with one query for slugs; `None` when no row has that slug.
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
macro_rules! resolve_filter {
    ($conn:expr, $table:ident, $key:expr) => {
        match $key {
            None => Ok(None),
            Some(key) => $crate::db::resolve_key!($conn, $table, key).map(Some),
        }
    };
}

/// Two functions for an ordered link table `(owner, item, position)`: `$set` makes an owner's
/// items be a list, in order; `$of` reads the lists of many owners (owner id -> item ids).
macro_rules! ordered_links {
    ($set:ident, $of:ident, $table:ident, $owner:ident, $item:ident) => {
        /// Makes the owner's items be `ids`, in order.
        pub fn $set(
            conn: &mut $crate::db::DbConnection,
            owner: i64,
            ids: &[i64],
        ) -> diesel::QueryResult<()> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            diesel::delete($table::table.filter($table::$owner.eq(owner))).execute(conn)?;
            for (position, id) in ids.iter().enumerate() {
                diesel::insert_into($table::table)
                    .values((
                        $table::$owner.eq(owner),
                        $table::$item.eq(id),
                        $table::position.eq(position as i32),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        }

        /// The items of these owners, in order: owner id -> item ids.
        pub fn $of(
            conn: &mut $crate::db::DbConnection,
            owners: &[i64],
        ) -> diesel::QueryResult<std::collections::HashMap<i64, Vec<i64>>> {
            use diesel::prelude::*;
            use $crate::db::schema::$table;
            if owners.is_empty() {
                return Ok(Default::default());
            }
            let rows: Vec<(i64, i64)> = $table::table
                .filter($table::$owner.eq_any(owners.to_vec()))
                .order(($table::$owner, $table::position))
                .select(($table::$owner, $table::$item))
                .load(conn)?;
            let mut map: std::collections::HashMap<i64, Vec<i64>> =
                std::collections::HashMap::new();
            for (owner, item) in rows {
                map.entry(owner).or_default().push(item);
            }
            Ok(map)
        }
    };
}

pub(crate) use {
    ancestors, keyset, keyset_id, ordered, ordered_links, page, resolve_filter, resolve_key,
    through, versioned_update,
};

#[cfg(test)]
mod tests {
    /// Every SQLite connection opened after the first pool keeps one plan per statement.
    #[test]
    fn sqlite_connections_keep_one_plan_whatever_the_values_bound() {
        use std::os::raw::c_int;
        super::sqlite_plans_stay_put();
        let mut db: *mut libsqlite3_sys::sqlite3 = std::ptr::null_mut();
        let mut stable: c_int = -1;
        // SAFETY: an in-memory database opened, asked for one setting (-1 leaves it as it is
        // and writes it back), and closed.
        let opened = unsafe {
            let opened = libsqlite3_sys::sqlite3_open(c":memory:".as_ptr(), &mut db);
            libsqlite3_sys::sqlite3_db_config(
                db,
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                -1 as c_int,
                &mut stable as *mut c_int,
            );
            libsqlite3_sys::sqlite3_close(db);
            opened
        };
        assert_eq!(opened, libsqlite3_sys::SQLITE_OK);
        assert_eq!(stable, 1);
    }
}
