//! An article's translations as its representation shows them (issue 25): the article it
//! translates, and the other articles of its group the caller may see, each with whether it
//! lags behind the group's source.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::articles::{self as db, translations, ArticleRow};
use crate::db::{DbConnection, Viewer};
use crate::domain::resources;
use crate::error::ApiError;

/// Another edition of the same story.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Translation {
    /// BCP 47 language tag.
    #[schema(example = "en")]
    pub language: String,
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = "general-to-lam-leads-viet-nam-s-delegation-to-sicw-2022-and-amcc7")]
    pub slug: String,
    #[schema(example = "General To Lam leads Viet Nam's delegation to SICW 2022 and AMCC7")]
    pub title: String,
    /// The source (the article the group started from) changed after this translation was
    /// last edited.
    #[schema(example = false)]
    pub outdated: bool,
}

/// What each article shows of its group, by article id.
#[derive(Default)]
pub struct Editions {
    /// The article each translates (its row: the caller shapes it).
    pub translation_of: HashMap<i64, ArticleRow>,
    pub translations: HashMap<i64, Vec<Translation>>,
}

/// The editions of `ids` as `readers` may see them: one statement for the groups, one for
/// their articles. `translation_of` is shown to editors whatever the source's state (a
/// GET-edit-PUT keeps it), to the public only when the source is out.
pub fn editions(
    conn: &mut DbConnection,
    ids: &[i64],
    readers: Viewer,
    editorial: bool,
    now: NaiveDateTime,
) -> Result<Editions, ApiError> {
    let groups = translations::groups(conn, ids)?;
    if groups.is_empty() {
        return Ok(Editions::default());
    }
    let wanted: Vec<i64> = groups
        .values()
        .flat_map(|(group, members)| members.iter().copied().chain([*group]))
        .collect();
    let rows: HashMap<i64, ArticleRow> = db::by_ids(conn, &wanted)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut editions = Editions::default();
    for (id, (group, members)) in groups {
        let source = rows.get(&group);
        // Whether a translation is outdated depends on the source's last edit.
        super::keys::consult(&resources::ARTICLE, group);
        if let Some(source) = source.filter(|s| s.id != id) {
            if editorial || readers.sees(source) {
                editions.translation_of.insert(id, source.clone());
            }
        }
        let shown = members
            .iter()
            .filter_map(|m| rows.get(m))
            .filter(|m| {
                let seen = readers.sees(*m);
                if seen {
                    super::keys::mark(&resources::ARTICLE, m.id);
                } else {
                    super::keys::consult(&resources::ARTICLE, m.id);
                    if let Some(at) = m.published_at.filter(|at| *at > now) {
                        super::keys::left_out_until(at);
                    }
                }
                seen
            })
            .map(|m| Translation {
                language: m.language.clone(),
                id: m.id,
                slug: m.slug.clone(),
                title: m.title.clone(),
                outdated: m.id != group && source.is_some_and(|s| s.updated_at > m.updated_at),
            })
            .collect();
        editions.translations.insert(id, shown);
    }
    Ok(editions)
}
