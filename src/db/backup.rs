//! Online backups of the embedded SQLite database, and restoring one. PostgreSQL has its own
//! tools for both (`pg_dump`, `pg_restore`; docs/operations.md).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::path::Path;

use super::{sqlite_path, Backend};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "{0} is a PostgreSQL database: back it up with pg_dump and restore with pg_restore \
         (docs/operations.md)"
    )]
    Postgres(String),
    #[error("{0} already exists: a backup never overwrites a file")]
    Exists(String),
    #[error("{0} is not a newsroom database: {1}")]
    NotNewsroom(String, String),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("cannot open the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

/// What a backup or restore copied.
#[derive(Debug)]
pub struct Copied {
    pub bytes: u64,
    pub articles: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// Writes a consistent snapshot of the SQLite database at `url` to `output` (`VACUUM INTO`):
/// one read transaction, so writers go on while it runs and the copy holds exactly what was
/// committed when it began. The copy is checked before this returns.
pub fn backup(url: &str, output: &Path) -> Result<Copied, BackupError> {
    if Backend::of(url) == Backend::Postgres {
        return Err(BackupError::Postgres(redacted(url)));
    }
    if output.exists() {
        return Err(BackupError::Exists(output.display().to_string()));
    }
    let mut conn = SqliteConnection::establish(sqlite_path(url))?;
    conn.batch_execute("PRAGMA busy_timeout = 5000;")?;
    let target = output.to_string_lossy().replace('\'', "''");
    conn.batch_execute(&format!("VACUUM INTO '{target}'"))?;
    check(output)
}

/// Replaces the SQLite database at `url` with the backup at `input`, after checking the backup.
/// The service must be stopped: a running one would keep writing to the replaced file.
pub fn restore(input: &Path, url: &str) -> Result<Copied, BackupError> {
    if Backend::of(url) == Backend::Postgres {
        return Err(BackupError::Postgres(redacted(url)));
    }
    let copied = check(input)?;
    let target = Path::new(sqlite_path(url));
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Copy beside the target, flush it to disk, then swap it in with one rename: a crash
    // leaves either the old database or the restored one, never half of each.
    let staging = target.with_extension("restoring");
    std::fs::copy(input, &staging)?;
    std::fs::File::open(&staging)?.sync_all()?;
    // The old database's write-ahead log belongs to the old file: applied to the new one it
    // would corrupt it.
    for suffix in ["-wal", "-shm"] {
        let side = format!("{}{suffix}", target.display());
        match std::fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    std::fs::rename(&staging, target)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(copied)
}

/// A file is a sound newsroom database: SQLite's integrity check passes and the schema is ours.
fn check(path: &Path) -> Result<Copied, BackupError> {
    let name = path.display().to_string();
    let not_ours = |why: String| BackupError::NotNewsroom(name.clone(), why);
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .map_err(|e| not_ours(e.to_string()))?;
    let lines: Vec<Line> =
        diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check()")
            .load(&mut conn)
            .map_err(|e| not_ours(e.to_string()))?;
    if lines.len() != 1 || lines[0].line != "ok" {
        let found: Vec<String> = lines.into_iter().map(|l| l.line).take(5).collect();
        return Err(not_ours(format!("integrity check: {}", found.join("; "))));
    }
    let articles: Count = diesel::sql_query("SELECT count(*) AS count FROM articles")
        .get_result(&mut conn)
        .map_err(|e| not_ours(e.to_string()))?;
    Ok(Copied {
        bytes: std::fs::metadata(path)?.len(),
        articles: articles.count,
    })
}

/// A database URL without its password, for messages.
fn redacted(url: &str) -> String {
    match url.split_once('@') {
        Some((_, host)) => format!("postgres://…@{host}"),
        None => url.to_owned(),
    }
}
