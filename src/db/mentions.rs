//! Mentions (migration 000011, decision 0014): what each article's text names, derived by
//! `domain::mentions` and stored beside the article without touching its version; the editor's
//! exclusions; and the queue of relinks that name changes ask for.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

use super::schema::{
    article_mention_exclusions as exclusions, article_mentions as mentions, articles, events,
    organizations, people, person_aliases, relink_jobs,
};
use super::search::{document, Kind};
use super::DbConnection;
use crate::domain::languages::{other_names, Lang};
use crate::domain::mentions::{Matcher, Name, Target};

/// Every name (in every language), alias and short name of the people, organizations and
/// events not deleted.
pub fn matcher(conn: &mut DbConnection) -> QueryResult<Matcher> {
    let mut names: Vec<(Target, String)> = Vec::new();
    let person = Kind::Person as i16;
    for (id, name, others) in people::table
        .filter(people::deleted_at.is_null())
        .select((people::id, people::name, people::names))
        .load::<(i64, String, String)>(conn)?
    {
        names.push(((person, id), name));
        for name in other_names(&others) {
            names.push(((person, id), name));
        }
    }
    for (id, name) in person_aliases::table
        .inner_join(people::table.on(people::id.eq(person_aliases::person_id)))
        .filter(people::deleted_at.is_null())
        .select((person_aliases::person_id, person_aliases::name))
        .load::<(i64, String)>(conn)?
    {
        names.push(((person, id), name));
    }
    let organization = Kind::Organization as i16;
    for (id, name, others, short_name) in organizations::table
        .filter(organizations::deleted_at.is_null())
        .select((
            organizations::id,
            organizations::name,
            organizations::names,
            organizations::short_name,
        ))
        .load::<(i64, String, String, Option<String>)>(conn)?
    {
        for name in [Some(name), short_name].into_iter().flatten() {
            names.push(((organization, id), name));
        }
        for name in other_names(&others) {
            names.push(((organization, id), name));
        }
    }
    let event = Kind::Event as i16;
    for (id, name, others, short_name) in events::table
        .filter(events::deleted_at.is_null())
        .select((events::id, events::name, events::names, events::short_name))
        .load::<(i64, String, String, Option<String>)>(conn)?
    {
        for name in [Some(name), short_name].into_iter().flatten() {
            names.push(((event, id), name));
        }
        for name in other_names(&others) {
            names.push(((event, id), name));
        }
    }
    let names: Vec<Name<'_>> = names
        .iter()
        .map(|(target, text)| Name {
            target: *target,
            text,
        })
        .collect();
    Ok(Matcher::new(&names))
}

/// What the editor excluded from an article's mentions.
pub fn excluded(conn: &mut DbConnection, article_id: i64) -> QueryResult<Vec<Target>> {
    exclusions::table
        .filter(exclusions::article_id.eq(article_id))
        .order((exclusions::kind, exclusions::item_id))
        .select((exclusions::kind, exclusions::item_id))
        .load(conn)
}

/// Replaces an article's exclusions (part of the article: written with it).
pub fn set_excluded(
    conn: &mut DbConnection,
    article_id: i64,
    targets: &[Target],
) -> QueryResult<()> {
    diesel::delete(exclusions::table.filter(exclusions::article_id.eq(article_id)))
        .execute(conn)?;
    let mut unique: Vec<Target> = targets.to_vec();
    unique.sort();
    unique.dedup();
    for (kind, item_id) in unique {
        diesel::insert_into(exclusions::table)
            .values((
                exclusions::article_id.eq(article_id),
                exclusions::kind.eq(kind),
                exclusions::item_id.eq(item_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Scans the article's title, lead and body again and stores what they name, less what the
/// editor excluded; `true` when that changed. The article's version is not touched.
pub fn relink(conn: &mut DbConnection, matcher: &Matcher, article_id: i64) -> QueryResult<bool> {
    let found = match document(conn, Kind::Article, article_id)? {
        Some(d) => {
            let excluded = excluded(conn, article_id)?;
            matcher
                .find(&[&d.title, &d.lead, &d.body])
                .into_iter()
                .filter(|(target, _)| !excluded.contains(target))
                .collect()
        }
        None => Vec::new(),
    };
    let mut stored: Vec<(Target, i32)> = mentions::table
        .filter(mentions::article_id.eq(article_id))
        .select((mentions::kind, mentions::item_id, mentions::count))
        .load::<(i16, i64, i32)>(conn)?
        .into_iter()
        .map(|(kind, id, count)| ((kind, id), count))
        .collect();
    let mut wanted = found.clone();
    stored.sort();
    wanted.sort();
    if stored == wanted {
        return Ok(false);
    }
    diesel::delete(mentions::table.filter(mentions::article_id.eq(article_id))).execute(conn)?;
    for ((kind, item_id), count) in found {
        diesel::insert_into(mentions::table)
            .values((
                mentions::article_id.eq(article_id),
                mentions::kind.eq(kind),
                mentions::item_id.eq(item_id),
                mentions::count.eq(count),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// Articles scanned per transaction by `relink_all`.
const BATCH: i64 = 500;

/// Relinks every article that is not deleted, in batches of their own content transactions;
/// returns (articles scanned, articles whose mentions changed). An article whose mentions
/// changed enters the change log (updated, its version kept): its public representation
/// changed, so every instance's caches and stored representations must learn of it.
pub fn relink_all(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<(usize, usize)> {
    let matcher = matcher(conn)?;
    let (mut scanned, mut changed) = (0, 0);
    let mut after = 0i64;
    loop {
        let ids: Vec<i64> = articles::table
            .filter(articles::deleted_at.is_null())
            .filter(articles::id.gt(after))
            .order(articles::id)
            .select(articles::id)
            .limit(BATCH)
            .load(conn)?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        conn.transaction(|conn| {
            super::take_content_lock(conn)?;
            for id in &ids {
                if relink(conn, &matcher, *id)? {
                    changed += 1;
                    log_relinked(conn, *id, now)?;
                }
            }
            QueryResult::Ok(())
        })?;
        scanned += ids.len();
        after = last;
    }
    Ok((scanned, changed))
}

/// Logs a relinked article as updated, as the public saw it.
fn log_relinked(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    let Some(row) = super::articles::by_ids(conn, &[id])?.pop() else {
        return Ok(());
    };
    let public = row.is_public_at(now);
    super::changes::record(
        conn,
        super::changes::Change {
            resource: "articles",
            item_id: id,
            slug: &row.slug,
            action: crate::domain::kinds::ChangeAction::Updated,
            version: row.version,
            at: now,
            public_before: public,
            public_after: public,
        },
    )?;
    Ok(())
}

/// Asks for a relink of every article (a name changed); in the write's own transaction, so the
/// request survives a crash that follows the commit.
pub fn request_relink(
    conn: &mut DbConnection,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(relink_jobs::table)
        .values((
            relink_jobs::reason.eq(reason),
            relink_jobs::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest pending relink request, if any.
pub fn pending(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    relink_jobs::table
        .select(diesel::dsl::max(relink_jobs::id))
        .first(conn)
}

/// Marks every request up to `id` done (they asked for the relink that just ran).
pub fn done(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(relink_jobs::table.filter(relink_jobs::id.le(id))).execute(conn)?;
    Ok(())
}

/// Does the relink asked for, if any: every article scanned again, then every request made
/// before the scan began marked done. `None` when nothing was pending.
pub fn relink_pending(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Option<(usize, usize)>> {
    let Some(up_to) = pending(conn)? else {
        return Ok(None);
    };
    let result = relink_all(conn, now)?;
    done(conn, up_to)?;
    Ok(Some(result))
}

/// The stored mentions of these articles, per article in order of first appearance by kind.
pub fn of_articles(
    conn: &mut DbConnection,
    article_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<(Target, i32)>>> {
    let rows: Vec<(i64, i16, i64, i32)> = mentions::table
        .filter(mentions::article_id.eq_any(article_ids))
        .order((mentions::article_id, mentions::kind, mentions::item_id))
        .select((
            mentions::article_id,
            mentions::kind,
            mentions::item_id,
            mentions::count,
        ))
        .load(conn)?;
    let mut grouped: HashMap<i64, Vec<(Target, i32)>> = HashMap::new();
    for (article, kind, item, count) in rows {
        grouped
            .entry(article)
            .or_default()
            .push(((kind, item), count));
    }
    Ok(grouped)
}

/// The exclusions of these articles.
pub fn exclusions_of(
    conn: &mut DbConnection,
    article_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<Target>>> {
    let rows: Vec<(i64, i16, i64)> = exclusions::table
        .filter(exclusions::article_id.eq_any(article_ids))
        .order((
            exclusions::article_id,
            exclusions::kind,
            exclusions::item_id,
        ))
        .select((
            exclusions::article_id,
            exclusions::kind,
            exclusions::item_id,
        ))
        .load(conn)?;
    let mut grouped: HashMap<i64, Vec<Target>> = HashMap::new();
    for (article, kind, item) in rows {
        grouped.entry(article).or_default().push((kind, item));
    }
    Ok(grouped)
}

/// The slug and name of each target.
pub fn labels(
    conn: &mut DbConnection,
    targets: &[Target],
    lang: Lang,
) -> QueryResult<HashMap<Target, (String, String)>> {
    let mut found = HashMap::new();
    for kind in [Kind::Event, Kind::Person, Kind::Organization] {
        let ids: Vec<i64> = targets
            .iter()
            .filter(|(k, _)| *k == kind as i16)
            .map(|(_, id)| *id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let rows: Vec<(i64, String, String, String)> = match kind {
            Kind::Event => events::table
                .filter(events::id.eq_any(&ids))
                .select((events::id, events::slug, events::name, events::names))
                .load(conn)?,
            Kind::Person => people::table
                .filter(people::id.eq_any(&ids))
                .select((people::id, people::slug, people::name, people::names))
                .load(conn)?,
            _ => organizations::table
                .filter(organizations::id.eq_any(&ids))
                .select((
                    organizations::id,
                    organizations::slug,
                    organizations::name,
                    organizations::names,
                ))
                .load(conn)?,
        };
        for (id, slug, name, names) in rows {
            found.insert((kind as i16, id), (slug, lang.name_in(name, &names)));
        }
    }
    Ok(found)
}
