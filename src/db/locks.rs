//! Locks the operating system or PostgreSQL holds for a process, released when it dies however
//! it dies (decision 0019; never a PID file, which outlives a `kill -9`).
//!
//! - **Occupancy**: every server holds a shared lock on its database for as long as it runs;
//!   `restore` and `import` need it exclusively and refuse while any server holds it. `token`,
//!   `backup`, `export` and `migrate` take none and work beside a server.
//! - **Setup**: migrations, the search index's one-time fill and the demo seed run under an
//!   exclusive lock, so that instances started together take turns: the first does the work,
//!   the others wait and find it done.
//!
//! On SQLite both are `flock`s on files beside the database (`<db>.lock`, `<db>.setup-lock`);
//! SQLite's own locks are POSIX locks on the database file, which `flock` does not touch. On
//! PostgreSQL they are session advisory locks on a connection of their own.

use std::fs::{File, OpenOptions, TryLockError};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::{establish, parent_directory, sqlite_path, Backend, DbConnection, DbSetupError};

/// The advisory locks' first keys ("news" in ASCII, and the next number); the second key is
/// the schema's name hashed, so that databases in schemas of one PostgreSQL database (as the
/// tests run) are locked apart.
const OCCUPANCY_KEY: i32 = 0x6e65_7773;
const SETUP_KEY: i32 = OCCUPANCY_KEY + 1;

fn advisory(function: &str, key: i32) -> String {
    format!("SELECT {function}({key}, hashtext(current_schema()))")
}

/// A lock held until dropped (or until the process dies).
pub struct Held {
    _holder: Holder,
}

#[allow(dead_code)] // held only to be dropped: that is what releases the lock
enum Holder {
    File(File),
    Connection(Box<DbConnection>),
}

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Bool)]
    taken: bool,
}

/// The lock file beside an SQLite database, and its path (for errors).
fn lock_file(url: &str, suffix: &str) -> Result<(File, String), DbSetupError> {
    let path = format!("{}{suffix}", sqlite_path(url));
    parent_directory(&path)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| DbSetupError::Lock(path.clone(), e))?;
    Ok((file, path))
}

/// What a server holds while it runs: the database is in use.
pub fn occupy(url: &str) -> Result<Held, DbSetupError> {
    wait_for(
        url,
        ".lock",
        ("pg_advisory_lock_shared", OCCUPANCY_KEY),
        File::lock_shared,
    )
}

/// Takes a lock, waiting for it: a file lock beside an SQLite database (`suffix`), or an
/// advisory lock on a connection of its own.
fn wait_for(
    url: &str,
    suffix: &str,
    (function, key): (&str, i32),
    lock: fn(&File) -> std::io::Result<()>,
) -> Result<Held, DbSetupError> {
    match Backend::of(url) {
        Backend::Sqlite => {
            let (file, path) = lock_file(url, suffix)?;
            lock(&file).map_err(|e| DbSetupError::Lock(path, e))?;
            Ok(Held {
                _holder: Holder::File(file),
            })
        }
        Backend::Postgres => {
            let mut conn = establish(url)?;
            conn.batch_execute(&advisory(function, key))?;
            Ok(Held {
                _holder: Holder::Connection(Box::new(conn)),
            })
        }
    }
}

/// The database to oneself, for `restore` and `import`: `None` when a server has it open.
pub fn take_over(url: &str) -> Result<Option<Held>, DbSetupError> {
    match Backend::of(url) {
        Backend::Sqlite => {
            let (file, path) = lock_file(url, ".lock")?;
            match file.try_lock() {
                Ok(()) => Ok(Some(Held {
                    _holder: Holder::File(file),
                })),
                Err(TryLockError::WouldBlock) => Ok(None),
                Err(TryLockError::Error(e)) => Err(DbSetupError::Lock(path, e)),
            }
        }
        Backend::Postgres => {
            let mut conn = establish(url)?;
            let taken: Taken = diesel::sql_query(format!(
                "{} AS taken",
                advisory("pg_try_advisory_lock", OCCUPANCY_KEY)
            ))
            .get_result(&mut conn)?;
            Ok(taken.taken.then(|| Held {
                _holder: Holder::Connection(Box::new(conn)),
            }))
        }
    }
}

/// The setup lock, waited for: one instance at a time migrates, fills and seeds.
pub fn setup(url: &str) -> Result<Held, DbSetupError> {
    wait_for(
        url,
        ".setup-lock",
        ("pg_advisory_lock", SETUP_KEY),
        File::lock,
    )
}
