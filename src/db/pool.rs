//! The pool's connections: diesel's r2d2 manager, with a check on checkout that costs a
//! statement only when the connection may have gone stale.
//!
//! r2d2 asks the manager whether a connection still works each time it is handed out, and
//! diesel's manager answers with `SELECT 1`: a third of the statements of a cold read on
//! PostgreSQL (the lookup, the stored representation, the check). A connection that finished
//! some work without an error less than `FRESH` ago is handed out as it is; one idle for longer,
//! or whose last work failed, is checked as before, so a restarted server's closed connections
//! are still found and replaced before anyone uses them, and at worst a request within `FRESH`
//! of a server restart gets the 503 of a lost connection. An SQLite connection is a file handle
//! that cannot go away: never checked.

use diesel::r2d2::{ConnectionManager, ManageConnection, R2D2Connection};
use std::time::{Duration, Instant};

use super::DbConnection;

/// How long after a connection's last successful work it is handed out unchecked.
const FRESH: Duration = Duration::from_secs(1);

/// A pooled connection and when its last work succeeded. Derefs to the connection.
pub struct Pooled {
    conn: DbConnection,
    worked: Option<Instant>,
}

impl Pooled {
    /// Records how the work done with it ended: a success spares the next checkout its check,
    /// a failure (perhaps a lost connection) makes it certain.
    pub fn worked(&mut self, ok: bool) {
        self.worked = ok.then(Instant::now);
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// diesel's manager, handing out `Pooled` connections.
pub struct Manager(ConnectionManager<DbConnection>);

impl Manager {
    pub fn new(url: &str) -> Manager {
        Manager(ConnectionManager::new(url))
    }
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        Ok(Pooled {
            conn: self.0.connect()?,
            worked: None,
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), Self::Error> {
        let fresh = conn.worked.is_some_and(|at| at.elapsed() < FRESH);
        match &mut conn.conn {
            DbConnection::Sqlite(_) => Ok(()),
            DbConnection::Pg(_) if fresh => Ok(()),
            DbConnection::Pg(c) => c.ping().map_err(diesel::r2d2::Error::QueryError),
        }
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        self.0.has_broken(&mut conn.conn)
    }
}
