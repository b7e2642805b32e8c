//! Translations of an article (issue 25): groups of articles telling one story, one per
//! language. A group is named by the id of the article it started from; every member has a row.

use std::collections::HashMap;

use super::*;
use crate::db::schema::article_translations;

/// The group `article_id` belongs to, if any.
pub fn group_of(conn: &mut DbConnection, article_id: i64) -> QueryResult<Option<i64>> {
    article_translations::table
        .find(article_id)
        .select(article_translations::group_id)
        .first(conn)
        .optional()
}

/// The article of `group` in `language` other than `except`, if any.
pub fn in_language(
    conn: &mut DbConnection,
    group: i64,
    language: &str,
    except: i64,
) -> QueryResult<Option<i64>> {
    article_translations::table
        .filter(article_translations::group_id.eq(group))
        .filter(article_translations::language.eq(language))
        .filter(article_translations::article_id.ne(except))
        .select(article_translations::article_id)
        .first(conn)
        .optional()
}

/// Puts `article_id` (in `language`) in `group`, or takes it out of any (`None`).
pub fn set(
    conn: &mut DbConnection,
    article_id: i64,
    language: &str,
    group: Option<i64>,
) -> QueryResult<()> {
    diesel::delete(article_translations::table.find(article_id)).execute(conn)?;
    match group {
        Some(group) => insert(conn, article_id, group, language),
        None => Ok(()),
    }
}

/// Takes a (deleted) article out of its group, freeing its language there.
pub fn leave(conn: &mut DbConnection, article_id: i64) -> QueryResult<()> {
    diesel::delete(article_translations::table.find(article_id)).execute(conn)?;
    Ok(())
}

/// Starts a group with its first article (its id names the group).
pub fn start(conn: &mut DbConnection, first: i64, language: &str) -> QueryResult<()> {
    insert(conn, first, first, language)
}

fn insert(conn: &mut DbConnection, article_id: i64, group: i64, language: &str) -> QueryResult<()> {
    diesel::insert_into(article_translations::table)
        .values((
            article_translations::article_id.eq(article_id),
            article_translations::group_id.eq(group),
            article_translations::language.eq(language),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keeps a member's language in its row when the article's language changed.
pub fn relabel(conn: &mut DbConnection, article_id: i64, language: &str) -> QueryResult<()> {
    diesel::update(article_translations::table.find(article_id))
        .set(article_translations::language.eq(language))
        .execute(conn)?;
    Ok(())
}

/// The articles of these groups.
pub fn members(conn: &mut DbConnection, groups: &[i64]) -> QueryResult<Vec<i64>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    article_translations::table
        .filter(article_translations::group_id.eq_any(groups))
        .select(article_translations::article_id)
        .load(conn)
}

/// For each of `ids` in a group: the group and its other members' ids, by id.
pub fn groups(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, (i64, Vec<i64>)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mine: Vec<(i64, i64)> = article_translations::table
        .filter(article_translations::article_id.eq_any(ids))
        .select((
            article_translations::article_id,
            article_translations::group_id,
        ))
        .load(conn)?;
    let group_ids: Vec<i64> = mine.iter().map(|(_, g)| *g).collect();
    let members: Vec<(i64, i64)> = article_translations::table
        .filter(article_translations::group_id.eq_any(&group_ids))
        .select((
            article_translations::group_id,
            article_translations::article_id,
        ))
        .order(article_translations::article_id)
        .load(conn)?;
    Ok(mine
        .into_iter()
        .map(|(id, group)| {
            let others = members
                .iter()
                .filter(|(g, m)| *g == group && *m != id)
                .map(|(_, m)| *m)
                .collect();
            (id, (group, others))
        })
        .collect())
}

/// An edition as sitemaps link it: `(language, id, slug)`.
pub type Edition = (String, i64, String);

/// For each of `ids` in a group with another listed member: every listed member of its group,
/// itself included, by language (the sitemaps' `hreflang` alternates). A few statements per
/// 10,000 ids, whatever the page's size.
pub fn listed_editions(
    conn: &mut DbConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<HashMap<i64, Vec<Edition>>> {
    let mut mine: Vec<(i64, i64)> = Vec::new();
    for chunk in ids.chunks(10_000) {
        mine.extend(
            article_translations::table
                .filter(article_translations::article_id.eq_any(chunk))
                .select((
                    article_translations::article_id,
                    article_translations::group_id,
                ))
                .load::<(i64, i64)>(conn)?,
        );
    }
    let mut group_ids: Vec<i64> = mine.iter().map(|(_, group)| *group).collect();
    group_ids.sort_unstable();
    group_ids.dedup();
    let mut members: Vec<(i64, i64)> = Vec::new();
    for chunk in group_ids.chunks(10_000) {
        members.extend(
            article_translations::table
                .filter(article_translations::group_id.eq_any(chunk))
                .select((
                    article_translations::group_id,
                    article_translations::article_id,
                ))
                .load::<(i64, i64)>(conn)?,
        );
    }
    let member_ids: Vec<i64> = members.iter().map(|(_, id)| *id).collect();
    let mut listed: HashMap<i64, (String, String)> = HashMap::new();
    for chunk in member_ids.chunks(10_000) {
        let rows: Vec<(i64, String, String)> = listed_article_ids!(now)
            .filter(articles::id.eq_any(chunk))
            .select((articles::id, articles::slug, articles::language))
            .load(conn)?;
        listed.extend(
            rows.into_iter()
                .map(|(id, slug, language)| (id, (slug, language))),
        );
    }
    let mut by_group: HashMap<i64, Vec<Edition>> = HashMap::new();
    for (group, id) in members {
        if let Some((slug, language)) = listed.get(&id) {
            by_group
                .entry(group)
                .or_default()
                .push((language.clone(), id, slug.clone()));
        }
    }
    for editions in by_group.values_mut() {
        editions.sort();
    }
    Ok(mine
        .into_iter()
        .filter_map(|(id, group)| {
            let editions = by_group.get(&group)?;
            (editions.len() > 1 && editions.iter().any(|(_, member, _)| *member == id))
                .then(|| (id, editions.clone()))
        })
        .collect())
}
