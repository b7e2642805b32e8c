//! The media library's rows (migration 000013, decision 0015): items, who purged what, and which
//! articles use which items.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{article_media, articles, media, media_purges};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media)]
pub struct MediaRow {
    pub id: i64,
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: i32,
    pub height: i32,
    pub has_alpha: bool,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub search_key: String,
    pub color: String,
    pub blurhash: String,
    pub variants_done_at: Option<NaiveDateTime>,
    pub claimed_until: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub purged_at: Option<NaiveDateTime>,
}

/// The texts an editor writes.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset)]
#[diesel(table_name = media, treat_none_as_null = true)]
pub struct MediaTexts {
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub search_key: String,
}

/// A new item: what the upload found, and its texts.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia {
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: i32,
    pub height: i32,
    pub has_alpha: bool,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub search_key: String,
    pub color: String,
    pub blurhash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<MediaRow>> {
    media::table
        .find(id)
        .select(MediaRow::as_select())
        .first(conn)
        .optional()
}

/// The item holding these bytes (purged items give their bytes back).
pub fn by_sha256(conn: &mut DbConnection, sha256: &str) -> QueryResult<Option<MediaRow>> {
    media::table
        .filter(media::sha256.eq(sha256))
        .filter(media::purged_at.is_null())
        .select(MediaRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewMedia) -> QueryResult<i64> {
    diesel::insert_into(media::table)
        .values(new)
        .returning(media::id)
        .get_result(conn)
}

/// Brings a deleted item back (its bytes were uploaded again).
pub fn restore(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        media::table
            .find(id)
            .filter(media::deleted_at.is_not_null()),
    )
    .set((
        media::deleted_at.eq(None::<NaiveDateTime>),
        media::updated_at.eq(now),
        media::version.eq(media::version + 1),
    ))
    .execute(conn)?;
    Ok(())
}

/// How the library is listed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MediaOrder {
    NewestFirst,
    OldestFirst,
}

/// A page of the items not deleted, whose texts hold the folded phrase `q` (a `search_key`
/// pattern, see `domain::text::search_key`) when given.
pub fn list(
    conn: &mut DbConnection,
    q: Option<&str>,
    order: MediaOrder,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<MediaRow>> {
    let mut query = media::table
        .filter(media::deleted_at.is_null())
        .select(MediaRow::as_select())
        .into_boxed();
    if let Some(q) = q {
        query = query.filter(media::search_key.like(format!("%{q}%")));
    }
    query = match order {
        MediaOrder::NewestFirst => query.order((media::created_at.desc(), media::id.desc())),
        MediaOrder::OldestFirst => query.order((media::created_at.asc(), media::id.asc())),
    };
    query.offset(offset).limit(limit).load(conn)
}

pub fn count(conn: &mut DbConnection, q: Option<&str>) -> QueryResult<i64> {
    let mut query = media::table
        .filter(media::deleted_at.is_null())
        .count()
        .into_boxed();
    if let Some(q) = q {
        query = query.filter(media::search_key.like(format!("%{q}%")));
    }
    query.get_result(conn)
}

/// Writes the texts if the version is still `expected`.
pub fn update_texts(
    conn: &mut DbConnection,
    id: i64,
    expected: i32,
    texts: &MediaTexts,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        media::table
            .find(id)
            .filter(media::version.eq(expected))
            .filter(media::deleted_at.is_null()),
    )
    .set((
        texts,
        media::updated_at.eq(now),
        media::version.eq(media::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn soft_delete(
    conn: &mut DbConnection,
    id: i64,
    expected: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        media::table
            .find(id)
            .filter(media::version.eq(expected))
            .filter(media::deleted_at.is_null()),
    )
    .set((
        media::deleted_at.eq(now),
        media::updated_at.eq(now),
        media::version.eq(media::version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The articles not deleted (draft, scheduled or published) whose bodies use the item.
pub fn users(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<(i64, String)>> {
    article_media::table
        .inner_join(articles::table)
        .filter(article_media::media_id.eq(id))
        .filter(articles::deleted_at.is_null())
        .select((articles::id, articles::slug))
        .order(articles::id)
        .limit(20)
        .load(conn)
}

/// Records a purge and marks the item purged and deleted (its files are removed by the caller
/// after the commit).
pub fn purge(
    conn: &mut DbConnection,
    row: &MediaRow,
    token_id: i64,
    token_name: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(media_purges::table)
        .values((
            media_purges::media_id.eq(row.id),
            media_purges::sha256.eq(&row.sha256),
            media_purges::token_id.eq(token_id),
            media_purges::token_name.eq(token_name),
            media_purges::reason.eq(reason),
            media_purges::purged_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(media::table.find(row.id))
        .set((
            media::purged_at.eq(now),
            media::deleted_at.eq(row.deleted_at.unwrap_or(now)),
            media::updated_at.eq(now),
            media::version.eq(media::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the job of making the item's variants until `until`, if nobody holds it and it is not
/// done: one statement, so two workers (or instances) never both win.
pub fn claim(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        media::table
            .find(id)
            .filter(media::variants_done_at.is_null())
            .filter(media::purged_at.is_null())
            .filter(
                media::claimed_until
                    .is_null()
                    .or(media::claimed_until.lt(now)),
            ),
    )
    .set(media::claimed_until.eq(until))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn variants_done(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(media::table.find(id))
        .set((
            media::variants_done_at.eq(now),
            media::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// The oldest items whose variants are still to make and that nobody holds.
pub fn pending(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    media::table
        .filter(media::variants_done_at.is_null())
        .filter(media::purged_at.is_null())
        .filter(
            media::claimed_until
                .is_null()
                .or(media::claimed_until.lt(now)),
        )
        .order(media::id)
        .select(media::id)
        .limit(limit)
        .load(conn)
}

/// Of these ids, those of items an article may name (not deleted), held against deletion until
/// the write commits: on PostgreSQL a shared row lock, which a deletion's update waits for (and
/// a deletion that came first makes this read see it deleted); SQLite writers take turns.
pub fn usable_locked(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = media::table
        .filter(media::id.eq_any(ids.to_vec()))
        .filter(media::deleted_at.is_null())
        .select(media::id);
    match conn {
        DbConnection::Pg(c) => query.for_share().load(c),
        DbConnection::Sqlite(c) => query.load(c),
    }
}

/// Of `ids`, the purged items this article already embeds: an edit may keep them (they render
/// as their caption), though no article can add them.
pub fn purged_of_article(
    conn: &mut DbConnection,
    article: i64,
    ids: &[i64],
) -> QueryResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .inner_join(article_media::table)
        .filter(article_media::article_id.eq(article))
        .filter(media::id.eq_any(ids.to_vec()))
        .filter(media::purged_at.is_not_null())
        .select(media::id)
        .load(conn)
}

/// The items with these ids, deleted or not (for representations of articles).
pub fn find_all(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<MediaRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .filter(media::id.eq_any(ids))
        .select(MediaRow::as_select())
        .load(conn)
}

/// The media items each of these articles names, by article, then by item id.
pub fn of_articles(
    conn: &mut DbConnection,
    article_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, std::collections::HashMap<i64, MediaRow>>> {
    let mut found: std::collections::HashMap<i64, std::collections::HashMap<i64, MediaRow>> =
        std::collections::HashMap::new();
    if article_ids.is_empty() {
        return Ok(found);
    }
    let rows: Vec<(i64, MediaRow)> = article_media::table
        .inner_join(media::table)
        .filter(article_media::article_id.eq_any(article_ids))
        .select((article_media::article_id, MediaRow::as_select()))
        .load(conn)?;
    for (article, row) in rows {
        found.entry(article).or_default().insert(row.id, row);
    }
    Ok(found)
}

/// Which media an article's body uses, as written now.
pub fn set_article_media(conn: &mut DbConnection, article_id: i64, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_media::table.filter(article_media::article_id.eq(article_id)))
        .execute(conn)?;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    // One row at a time: an article names few images, and batch inserts are not portable
    // through the multi-backend connection.
    for id in ids {
        diesel::insert_into(article_media::table)
            .values((
                article_media::article_id.eq(article_id),
                article_media::media_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The change log entry of a change of an item, at its version now (the change feed and
/// webhooks; decision 0016). Media is seen by token holders only, so the public feed never
/// shows it.
pub fn change(
    conn: &mut DbConnection,
    id: i64,
    action: crate::domain::kinds::ChangeAction,
    now: NaiveDateTime,
) -> QueryResult<super::changes::Change<'static>> {
    let version: i32 = media::table.find(id).select(media::version).first(conn)?;
    Ok(super::changes::Change {
        resource: crate::domain::resources::MEDIA.collection,
        item_id: id,
        slug: "",
        action,
        version,
        at: now,
        public_before: false,
        public_after: false,
    })
}

/// When these bytes were purged, if they were (a takedown: they never come back).
pub fn purged_sha256(conn: &mut DbConnection, sha256: &str) -> QueryResult<Option<NaiveDateTime>> {
    media::table
        .filter(media::sha256.eq(sha256))
        .filter(media::purged_at.is_not_null())
        .select(media::purged_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()
        .map(Option::flatten)
}
