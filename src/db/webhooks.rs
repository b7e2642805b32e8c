//! Webhook endpoints, the outbox of their deliveries, and each attempt (migration 000014,
//! decision 0016). Deliveries are written by `changes::record` in the change's own transaction;
//! workers take due ones with one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so with
//! several instances each delivery is taken by one of them at a time.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{webhook_attempts, webhook_deliveries, webhooks};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub events: String,
    pub secret: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub deleted_at: Option<NaiveDateTime>,
}

impl WebhookRow {
    /// The subscribed events, as stored between commas.
    pub fn event_list(&self) -> Vec<String> {
        self.events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// The stored form of an event list: `,a,b,` so that one `LIKE '%,a,%'` finds subscribers.
pub fn stored_events(events: &[String]) -> String {
    format!(",{},", events.join(","))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub seq: i64,
    pub event: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

pub fn insert(
    conn: &mut DbConnection,
    url: &str,
    description: &str,
    events: &[String],
    secret: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::url.eq(url),
            webhooks::description.eq(description),
            webhooks::events.eq(stored_events(events)),
            webhooks::secret.eq(secret),
            webhooks::version.eq(1),
            webhooks::created_at.eq(now),
            webhooks::updated_at.eq(now),
        ))
        .returning(webhooks::id)
        .get_result(conn)
}

/// A webhook, deleted or not.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<WebhookRow>> {
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection, offset: i64, limit: i64) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .order(webhooks::id.asc())
        .offset(offset)
        .limit(limit)
        .select(WebhookRow::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// What an edit sets.
pub struct WebhookChanges<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a [String],
    /// Whether it delivers; turning it on again clears why it was turned off.
    pub enabled: bool,
}

/// Writes an edit if the version is still `expected`.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    expected: i32,
    changes: &WebhookChanges<'_>,
    disabled_at: Option<NaiveDateTime>,
    disabled_reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let (disabled_at, reason) = if changes.enabled {
        (None, None)
    } else {
        (
            disabled_at.or(Some(now)),
            disabled_reason.or(Some("turned off by an admin")),
        )
    };
    let n = diesel::update(
        webhooks::table
            .find(id)
            .filter(webhooks::version.eq(expected))
            .filter(webhooks::deleted_at.is_null()),
    )
    .set((
        webhooks::url.eq(changes.url),
        webhooks::description.eq(changes.description),
        webhooks::events.eq(stored_events(changes.events)),
        webhooks::disabled_at.eq(disabled_at),
        webhooks::disabled_reason.eq(reason),
        webhooks::updated_at.eq(now),
        webhooks::version.eq(webhooks::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes an endpoint at version `expected`: it receives nothing more; its pending
/// deliveries are dropped.
pub fn delete(
    conn: &mut DbConnection,
    id: i64,
    expected: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        webhooks::table
            .find(id)
            .filter(webhooks::version.eq(expected))
            .filter(webhooks::deleted_at.is_null()),
    )
    .set((
        webhooks::deleted_at.eq(now),
        webhooks::updated_at.eq(now),
        webhooks::version.eq(webhooks::version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(id))
            .filter(webhook_deliveries::status.eq(PENDING)),
    )
    .set((
        webhook_deliveries::status.eq(FAILED),
        webhook_deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
        webhook_deliveries::last_error.eq("the webhook was deleted"),
    ))
    .execute(conn)?;
    Ok(true)
}

/// The outbox write: one pending delivery of change `seq` for every live endpoint subscribed to
/// `event`, due now. Runs inside the change's transaction.
pub fn enqueue(
    conn: &mut DbConnection,
    seq: i64,
    event: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let subscribers: Vec<i64> = webhooks::table
        .filter(webhooks::deleted_at.is_null())
        .filter(webhooks::disabled_at.is_null())
        .filter(webhooks::events.like(format!("%,{event},%")))
        .select(webhooks::id)
        .load(conn)?;
    for webhook in &subscribers {
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::webhook_id.eq(webhook),
                webhook_deliveries::seq.eq(seq),
                webhook_deliveries::event.eq(event),
                webhook_deliveries::status.eq(PENDING),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(Some(now)),
                webhook_deliveries::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(subscribers.len())
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Takes up to `limit` due deliveries of live endpoints for one worker: moves each one's due
/// time to `lease_until` (a worker that dies lets it fall due again then) and returns their ids.
/// One statement; on PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent workers take disjoint
/// sets without waiting for each other.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    through_seq: i64,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    use diesel::sql_types::{BigInt, Timestamp};
    const DUE: &str =
        "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
        WHERE d.status = 'pending' AND d.next_attempt_at <= $2 AND d.seq <= $3 \
        AND w.disabled_at IS NULL AND w.deleted_at IS NULL \
        ORDER BY d.next_attempt_at, d.id LIMIT $4";
    let claimed: Vec<Claimed> = match conn {
        DbConnection::Pg(c) => diesel::sql_query(format!(
            "UPDATE webhook_deliveries SET next_attempt_at = $1 \
             WHERE id IN ({DUE} FOR UPDATE OF d SKIP LOCKED) RETURNING id"
        ))
        .bind::<Timestamp, _>(lease_until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(through_seq)
        .bind::<BigInt, _>(limit)
        .load(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(format!(
            "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id IN ({DUE}) RETURNING id"
        ))
        .bind::<Timestamp, _>(lease_until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(through_seq)
        .bind::<BigInt, _>(limit)
        .load(c)?,
    };
    Ok(claimed.into_iter().map(|c| c.id).collect())
}

/// A delivery and its endpoint: what a worker needs beside the change itself.
pub fn job(
    conn: &mut DbConnection,
    delivery_id: i64,
) -> QueryResult<Option<(DeliveryRow, WebhookRow)>> {
    let Some(delivery) = webhook_deliveries::table
        .find(delivery_id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let webhook = webhooks::table
        .find(delivery.webhook_id)
        .select(WebhookRow::as_select())
        .first(conn)?;
    Ok(Some((delivery, webhook)))
}

/// How one attempt went.
pub struct AttemptOutcome<'a> {
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
    /// `delivered`, `failed` (no more attempts) or `pending` (another at `next_attempt_at`).
    pub status: &'a str,
    pub next_attempt_at: Option<NaiveDateTime>,
    /// The endpoint is turned off (it answered 410 Gone), with this reason.
    pub disable: Option<&'a str>,
}

/// Records an attempt and its consequence in one transaction.
pub fn finish(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    outcome: &AttemptOutcome<'_>,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        super::take_write_lock(conn)?;
        diesel::insert_into(webhook_attempts::table)
            .values((
                webhook_attempts::delivery_id.eq(delivery.id),
                webhook_attempts::at.eq(outcome.at),
                webhook_attempts::status_code.eq(outcome.status_code),
                webhook_attempts::error.eq(outcome.error),
                webhook_attempts::duration_ms.eq(outcome.duration_ms),
            ))
            .execute(conn)?;
        diesel::update(webhook_deliveries::table.find(delivery.id))
            .set((
                webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                webhook_deliveries::status.eq(outcome.status),
                webhook_deliveries::next_attempt_at.eq(outcome.next_attempt_at),
                webhook_deliveries::last_status.eq(outcome.status_code),
                webhook_deliveries::last_error.eq(outcome.error),
                webhook_deliveries::last_attempt_at.eq(outcome.at),
                webhook_deliveries::delivered_at
                    .eq((outcome.status == DELIVERED).then_some(outcome.at)),
            ))
            .execute(conn)?;
        if let Some(reason) = outcome.disable {
            diesel::update(webhooks::table.find(delivery.webhook_id))
                .set((
                    webhooks::disabled_at.eq(outcome.at),
                    webhooks::disabled_reason.eq(reason),
                    webhooks::version.eq(webhooks::version + 1),
                    webhooks::updated_at.eq(outcome.at),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// An endpoint's deliveries, newest first.
pub fn deliveries(
    conn: &mut DbConnection,
    webhook_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .order(webhook_deliveries::id.desc())
        .offset(offset)
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)
}

pub fn count_deliveries(conn: &mut DbConnection, webhook_id: i64) -> QueryResult<i64> {
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .count()
        .get_result(conn)
}

/// The attempts of these deliveries, oldest first.
pub fn attempts_of(conn: &mut DbConnection, deliveries: &[i64]) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(deliveries.to_vec()))
        .order(webhook_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)
}

pub fn find_delivery(
    conn: &mut DbConnection,
    webhook_id: i64,
    delivery_id: i64,
) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .find(delivery_id)
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// A delivery retried by hand: due now, whatever it came to before (a delivered one is sent
/// again, with the same `webhook-id`).
pub fn retry(conn: &mut DbConnection, delivery_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(webhook_deliveries::table.find(delivery_id))
        .set((
            webhook_deliveries::status.eq(PENDING),
            webhook_deliveries::next_attempt_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Deliveries waiting to be sent (the outbox's depth).
pub fn pending(conn: &mut DbConnection) -> QueryResult<i64> {
    webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(PENDING))
        .count()
        .get_result(conn)
}

/// The earliest due time of a pending delivery.
pub fn next_due(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(PENDING))
        .select(diesel::dsl::min(webhook_deliveries::next_attempt_at))
        .first(conn)
}

/// Forgets up to 10,000 deliveries that ended (delivered or failed) before `before`, with
/// their attempts: the outbox keeps what is pending and a month of history.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    conn.transaction(|conn| {
        super::take_write_lock(conn)?;
        let ended: Vec<i64> = webhook_deliveries::table
            .filter(webhook_deliveries::status.ne(PENDING))
            .filter(webhook_deliveries::created_at.lt(before))
            .select(webhook_deliveries::id)
            .limit(10_000)
            .load(conn)?;
        diesel::delete(
            webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(ended.clone())),
        )
        .execute(conn)?;
        diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(ended)))
            .execute(conn)
    })
}
