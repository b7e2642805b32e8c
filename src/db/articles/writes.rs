//! Writes of an article's links and revisions, inside the write flow's transaction.

use super::*;

/// Makes an article's links of `relation` be `related_ids`, in order: nothing is written when
/// they already are (an edit of the byline leaves its links alone).
pub fn relink(
    conn: &mut DbConnection,
    relation: Relation,
    article_id: i64,
    related_ids: &[i64],
) -> QueryResult<()> {
    let current: Vec<i64> = links(conn, relation, &[article_id])?
        .into_iter()
        .map(|(_, related)| related)
        .collect();
    if current == related_ids {
        return Ok(());
    }
    match relation {
        Relation::Tags => {
            diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id)))
                .execute(conn)?
        }
        Relation::Events => {
            diesel::delete(article_events::table.filter(article_events::article_id.eq(article_id)))
                .execute(conn)?
        }
        Relation::People => {
            diesel::delete(article_people::table.filter(article_people::article_id.eq(article_id)))
                .execute(conn)?
        }
        Relation::Organizations => diesel::delete(
            article_organizations::table.filter(article_organizations::article_id.eq(article_id)),
        )
        .execute(conn)?,
    };
    link(conn, relation, article_id, related_ids)
}

#[derive(Debug, Clone, Queryable)]
pub struct RevisionRow {
    pub id: i64,
    pub article_id: i64,
    pub version: i32,
    pub token_name: String,
    pub created_at: NaiveDateTime,
    pub snapshot: String,
}

pub fn add_revision(
    conn: &mut DbConnection,
    article_id: i64,
    version: i32,
    token_name: &str,
    now: NaiveDateTime,
    snapshot: &str,
) -> QueryResult<()> {
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(article_id),
            article_revisions::version.eq(version),
            article_revisions::token_name.eq(token_name),
            article_revisions::created_at.eq(now),
            article_revisions::snapshot.eq(snapshot),
        ))
        .execute(conn)?;
    Ok(())
}

/// One page of an article's revisions, newest first: `limit` rows from `offset`.
pub fn revisions(
    conn: &mut DbConnection,
    article_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<RevisionRow>> {
    article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .order(article_revisions::version.desc())
        .select(article_revisions::all_columns)
        .offset(offset)
        .limit(limit)
        .load(conn)
}

/// How many revisions an article has.
pub fn count_revisions(conn: &mut DbConnection, article_id: i64) -> QueryResult<i64> {
    article_revisions::table
        .filter(article_revisions::article_id.eq(article_id))
        .count()
        .get_result(conn)
}

/// The next moment an article goes out by itself: the earliest publish time after `now` of a
/// published article that is not deleted (a cached list must not outlive it).
pub fn next_publish(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    articles::table
        .filter(articles::status.eq(ArticleStatus::Published))
        .filter(articles::deleted_at.is_null())
        .filter(articles::published_at.gt(now))
        .select(diesel::dsl::min(articles::published_at))
        .first(conn)
}

/// How many articles are listed in public at `now` (the sitemap index).
pub fn listed_count(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<i64> {
    articles::table
        .filter(articles::status.eq(ArticleStatus::Published))
        .filter(articles::published_at.le(now))
        .filter(articles::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// `(id, slug, updated_at)` of the listed articles in id order, `limit` from `offset`: one
/// article sitemap. Id order keeps an article in the same sitemap as others are published.
pub fn listed_for_sitemap(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String, NaiveDateTime, String)>> {
    listed_article_ids!(now)
        .order(articles::id.asc())
        .offset(offset)
        .limit(limit)
        .select((
            articles::id,
            articles::slug,
            articles::updated_at,
            articles::language,
        ))
        .load(conn)
}

/// What an article shares with others, as `(signal, other article)`: for each item of each
/// relation (at most `items` per relation), the `per_item` newest listed articles linked to it
/// (one range of the link's partial index `(item, published_at, article_id) WHERE listed`); for
/// each person, organization and event its text mentions, the `per_item` newest articles that
/// mention it too (the mentions index `(kind, item_id, article_id)`, newest by id); and the
/// `per_item` newest listed articles of its primary section. The cost is bounded by the items,
/// never by the number of articles; the candidates are narrowed to listed ones by `listed_at`.
pub fn sharing(
    conn: &mut DbConnection,
    article: &ArticleRow,
    now: NaiveDateTime,
    items: usize,
    per_item: i64,
) -> QueryResult<Vec<(&'static str, i64)>> {
    let article_id = article.id;
    macro_rules! newest {
        ($table:ident, $key:ident, $item:expr) => {
            $table::table
                .filter($table::$key.eq($item))
                .filter($table::listed)
                .filter($table::published_at.le(now))
                .filter($table::article_id.ne(article_id))
                .order($table::published_at.desc())
                .limit(per_item)
                .select($table::article_id)
                .load::<i64>(conn)?
        };
    }
    let mut found = Vec::new();
    for (relation, name) in [
        (Relation::Events, "events"),
        (Relation::People, "people"),
        (Relation::Organizations, "organizations"),
        (Relation::Tags, "tags"),
    ] {
        let shared: Vec<i64> = links(conn, relation, &[article_id])?
            .into_iter()
            .map(|(_, item)| item)
            .take(items)
            .collect();
        for item in shared {
            let rows = match relation {
                Relation::Tags => newest!(article_tags, tag_id, item),
                Relation::Events => newest!(article_events, event_id, item),
                Relation::People => newest!(article_people, person_id, item),
                Relation::Organizations => newest!(article_organizations, organization_id, item),
            };
            found.extend(rows.into_iter().map(|id| (name, id)));
        }
    }
    {
        use crate::db::schema::article_mentions as mentions;
        let named: Vec<(i16, i64)> = mentions::table
            .filter(mentions::article_id.eq(article_id))
            .order(mentions::count.desc())
            .limit(items as i64)
            .select((mentions::kind, mentions::item_id))
            .load(conn)?;
        for (kind, item) in named {
            let rows: Vec<i64> = mentions::table
                .filter(mentions::kind.eq(kind))
                .filter(mentions::item_id.eq(item))
                .filter(mentions::article_id.ne(article_id))
                .order(mentions::article_id.desc())
                .limit(per_item)
                .select(mentions::article_id)
                .load(conn)?;
            found.extend(rows.into_iter().map(|id| ("mentions", id)));
        }
    }
    if let Some(section) = article.section_id {
        let rows: Vec<i64> = articles::table
            .filter(articles::section_id.eq(section))
            .filter(articles::status.eq(ArticleStatus::Published))
            .filter(articles::deleted_at.is_null())
            .filter(articles::published_at.le(now))
            .filter(articles::id.ne(article_id))
            .order(articles::published_at.desc())
            .limit(per_item)
            .select(articles::id)
            .load(conn)?;
        found.extend(rows.into_iter().map(|id| ("section", id)));
    }
    Ok(found)
}

/// When each of these articles went out, for those listed in public at `now`.
pub fn listed_at(
    conn: &mut DbConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<Vec<(i64, NaiveDateTime)>> {
    let rows: Vec<(i64, Option<NaiveDateTime>)> = articles::table
        .filter(articles::id.eq_any(ids.to_vec()))
        .filter(articles::status.eq(ArticleStatus::Published))
        .filter(articles::deleted_at.is_null())
        .filter(articles::published_at.le(now))
        .select((articles::id, articles::published_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect())
}

crate::db::ordered_links!(set_pinned, pinned, article_related, article_id, related_id);
