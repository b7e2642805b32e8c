//! The service's own keys (migration 000009): made by the first instance that needs one, read by
//! every other, so that what one instance signs all of them accept.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::service_keys;
use super::DbConnection;

/// The secret stored under `name`, storing `fresh` first when there is none yet. Two instances
/// starting at once both insert; the key stays the one that landed first.
pub fn service_key(
    conn: &mut DbConnection,
    name: &str,
    fresh: &str,
    now: NaiveDateTime,
) -> QueryResult<String> {
    on_backend!(conn, |c| diesel::insert_into(service_keys::table)
        .values((
            service_keys::name.eq(name),
            service_keys::secret.eq(fresh),
            service_keys::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    service_keys::table
        .find(name)
        .select(service_keys::secret)
        .first(conn)
}
