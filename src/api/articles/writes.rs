//! Article writes through the shared flow (`Editable`): checks, references, links, mentions.

use super::*;
use crate::domain::key::Reference;

/// Fields a body may carry only with their stored value.
const READ_ONLY: &[&str] = &[
    "id",
    "version",
    "created_at",
    "updated_at",
    "cover",
    "body_html",
    "body_text",
    "view_count",
    "translations",
];

/// A checked article, its references resolved.
pub struct CheckedArticle {
    changes: ArticleChanges,
    slug_given: bool,
    tags: Vec<(String, String)>,
    events: Vec<i64>,
    people: Vec<i64>,
    organizations: Vec<i64>,
    /// `(kind, id)` as the search index numbers kinds.
    mention_exclusions: Vec<(i16, i64)>,
    /// The media items the body names.
    media: Vec<i64>,
    /// Further sections, without the primary one.
    sections: Vec<i64>,
    authors: Vec<i64>,
    /// Articles pinned as related.
    pinned: Vec<i64>,
    /// The group of editions to be in, and the language of its first article (for a group
    /// that starts with this write).
    translation_of: Option<(i64, String)>,
}

impl Checked for CheckedArticle {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

/// Validate the values (`domain`), resolve the references (`db`), derive the stored columns
/// (`domain::derive`); every problem of the first two steps is reported at once. `stored` is
/// the article being edited, whose images stay usable even once purged (they render as their
/// caption; decision 0015).
fn check(
    conn: &mut DbConnection,
    input: NewArticle,
    stored: Option<i64>,
    ctx: Ctx,
) -> Result<CheckedArticle, ApiError> {
    let mut checks = Checks::default();
    let mut article = input;
    let values = article.validate(&mut checks);
    let source = match &article.source {
        Some(reference) => refer::<OrganizationRow>(conn, reference, "/source", &mut checks)?,
        None => None,
    };
    if source
        .as_ref()
        .is_some_and(|s| s.kind != OrganizationKind::NewsAgency)
    {
        checks.add("/source", "must be an organization of kind news_agency");
    }
    let section = match &article.section {
        Some(reference) => refer::<SectionRow>(conn, reference, "/section", &mut checks)?,
        None => None,
    };
    let sections = if checks.items(article.sections.len(), "/sections", MAX_SECTIONS) {
        refer_all::<SectionRow>(conn, &article.sections, "sections", &mut checks)?
            .into_iter()
            .filter(|id| section.as_ref().is_none_or(|s| s.id != *id))
            .collect()
    } else {
        Vec::new()
    };
    let pinned = if checks.items(article.related.len(), "/related", MAX_PINNED) {
        refer_all::<ArticleRow>(conn, &article.related, "related", &mut checks)?
    } else {
        Vec::new()
    };
    let authors = if checks.items(article.authors.len(), "/authors", MAX_AUTHORS) {
        refer_all::<AuthorRow>(conn, &article.authors, "authors", &mut checks)?
    } else {
        Vec::new()
    };
    let events = refer_all::<EventRow>(conn, &article.events, "events", &mut checks)?;
    let people = refer_all::<PersonRow>(conn, &article.people, "people", &mut checks)?;
    let organizations =
        refer_all::<OrganizationRow>(conn, &article.organizations, "organizations", &mut checks)?;
    let mention_exclusions = excluded(conn, &article.mention_exclusions, &mut checks)?;
    let translation_of = match &article.translation_of {
        Some(reference) => translated(conn, reference, stored, &mut checks)?,
        None => None,
    };
    let media = crate::domain::body::media_items(&article.body);
    let ids: Vec<i64> = media.iter().map(|(_, id)| *id).collect();
    let mut usable = crate::db::media::usable_locked(conn, &ids)?;
    if let Some(article) = stored {
        usable.extend(crate::db::media::purged_of_article(conn, article, &ids)?);
    }
    for (i, id) in &media {
        if !usable.contains(id) {
            checks.add(
                format!("/body/{i}/media"),
                format!("no media item {id} in the library (missing or deleted; a purged image stays only in the articles that embedded it)"),
            );
        }
    }
    checks.into_result()?;
    let keys = derive::article_keys(&article.title, article.lead.as_deref(), &article.body);
    Ok(CheckedArticle {
        slug_given: article.slug.is_some(),
        changes: ArticleChanges {
            slug: derive::slug_for(article.slug.clone(), None, &article.title, ArticleRow::NOUN),
            search_key: keys.search_key,
            sort_key: keys.sort_key,
            published_at: article.published_at(values.status, ctx.now),
            body: serde_json::to_string(&article.body)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            source_id: source.map(|s| s.id),
            title: article.title,
            lead: article.lead,
            byline: article.byline,
            language: article.language.unwrap_or_default(),
            status: values.status,
            updated_at: ctx.now,
            section_id: section.map(|s| s.id),
        },
        sections,
        authors,
        pinned,
        translation_of,
        tags: values.tags,
        events,
        people,
        organizations,
        mention_exclusions,
        media: ids,
    })
}

/// The group of editions `reference` names for the article `stored` (a new one: `None`): the
/// referenced article's group, or a new one it starts. The group the article is in already
/// is kept by its id even when the article it started from was deleted since (a GET-edit-PUT).
fn translated(
    conn: &mut DbConnection,
    reference: &Reference,
    stored: Option<i64>,
    checks: &mut Checks,
) -> Result<Option<(i64, String)>, ApiError> {
    use crate::db::articles::translations;
    let current = match stored {
        Some(id) => translations::group_of(conn, id)?,
        None => None,
    };
    let named = match reference {
        Reference::Id(id) => Some(*id),
        Reference::Object(object) => object.id,
        Reference::Slug(_) => None,
    };
    if let (Some(named), Some(group)) = (named, current) {
        if named == group {
            return Ok(Some((group, String::new())));
        }
    }
    let Some(source) = refer::<ArticleRow>(conn, reference, "/translation_of", checks)? else {
        return Ok(None);
    };
    if Some(source.id) == stored {
        checks.add("/translation_of", "an article cannot translate itself");
        return Ok(None);
    }
    let group = translations::group_of(conn, source.id)?.unwrap_or(source.id);
    Ok(Some((group, source.language)))
}

/// Puts the article in its group of editions (or takes it out): one article per language in a
/// group, 409 otherwise. Content writes run one at a time, so the check holds; the unique index
/// stands behind it.
fn edition(conn: &mut DbConnection, id: i64, checked: &CheckedArticle) -> Result<(), ApiError> {
    use crate::db::articles::translations;
    let language = checked.changes.language.as_str();
    let before = translations::group_of(conn, id)?;
    let taken = |conn: &mut DbConnection, group: i64| -> Result<(), ApiError> {
        match translations::in_language(conn, group, language, id)? {
            Some(other) => Err(ApiError::Conflict(format!(
                "article {other} is already the `{language}` edition of this story: one article per language"
            ))),
            None => Ok(()),
        }
    };
    match &checked.translation_of {
        Some((group, first_language)) => {
            taken(conn, *group)?;
            if *group != id && translations::group_of(conn, *group)?.is_none() {
                if first_language == language {
                    return Err(ApiError::Conflict(format!(
                        "article {group} is already the `{language}` edition of this story: one article per language"
                    )));
                }
                translations::start(conn, *group, first_language)?;
            }
            translations::set(conn, id, language, Some(*group))?;
        }
        None => match before {
            Some(group) if group == id => {
                taken(conn, group)?;
                translations::relabel(conn, id, language)?;
            }
            Some(_) => translations::set(conn, id, language, None)?,
            None => {}
        },
    }
    // The other editions' stored representations list this one (decision 0020): those of the
    // group it was in and of the one it is in now are rendered again.
    let after = match &checked.translation_of {
        Some((group, _)) => Some(*group),
        None => before.filter(|group| *group == id),
    };
    let groups: Vec<i64> = before.into_iter().chain(after).collect();
    for member in translations::members(conn, &groups)? {
        if member != id {
            crate::db::renditions::forget(conn, &resources::ARTICLE.item_key(member))?;
        }
    }
    Ok(())
}

/// The exclusions of a body resolved to `(kind, id)`; problems at `/mention_exclusions/i`.
fn excluded(
    conn: &mut DbConnection,
    references: &[crate::domain::articles::MentionReference],
    checks: &mut Checks,
) -> Result<Vec<(i16, i64)>, ApiError> {
    use crate::db::search::Kind;
    use crate::domain::key::Reference;
    let mut found = Vec::new();
    for (i, reference) in references.iter().enumerate() {
        let at = format!("/mention_exclusions/{i}");
        let key = match (&reference.id, &reference.slug) {
            (Some(id), _) => Reference::Id(*id),
            (None, Some(slug)) => Reference::Slug(slug.clone()),
            (None, None) => {
                checks.add(&at, "needs an `id` or a `slug`");
                continue;
            }
        };
        let id = match Kind::parse(&reference.kind) {
            Some(Kind::Person) => refer::<PersonRow>(conn, &key, &at, checks)?.map(|r| r.id),
            Some(Kind::Event) => refer::<EventRow>(conn, &key, &at, checks)?.map(|r| r.id),
            Some(Kind::Organization) => {
                refer::<OrganizationRow>(conn, &key, &at, checks)?.map(|r| r.id)
            }
            _ => {
                checks.add(
                    format!("{at}/type"),
                    "must be person, organization or event",
                );
                None
            }
        };
        if let (Some(id), Some(kind)) = (id, Kind::parse(&reference.kind)) {
            found.push((kind as i16, id));
        }
    }
    Ok(found)
}

/// Writes an article's links (a new article's, or changed ones of an edited article).
fn link_all(
    conn: &mut DbConnection,
    id: i64,
    checked: &CheckedArticle,
    ctx: Ctx,
) -> Result<(), ApiError> {
    let mut tag_ids = Vec::new();
    for (i, (slug, name)) in checked.tags.iter().enumerate() {
        match crate::db::tags::ensure(conn, slug, name, ctx.now)? {
            Some(id) => tag_ids.push(id),
            None => {
                return Err(ApiError::Validation(vec![FieldError::pointer(
                    format!("/tags/{i}"),
                    format!("the tag `{slug}` was deleted"),
                )]))
            }
        }
    }
    db::relink(conn, Relation::Tags, id, &tag_ids)?;
    db::relink(conn, Relation::Events, id, &checked.events)?;
    db::relink(conn, Relation::People, id, &checked.people)?;
    db::relink(conn, Relation::Organizations, id, &checked.organizations)?;
    crate::db::media::set_article_media(conn, id, &checked.media)?;
    crate::db::sections::set_article_sections(conn, id, &checked.sections)?;
    crate::db::authors::set_article_authors(conn, id, &checked.authors)?;
    let pinned: Vec<i64> = checked
        .pinned
        .iter()
        .copied()
        .filter(|p| *p != id)
        .collect();
    db::set_pinned(conn, id, &pinned)?;
    edition(conn, id, checked)?;
    Ok(())
}

/// Articles an editor may pin as related.
const MAX_PINNED: usize = 10;

/// Authors an article may name.
const MAX_AUTHORS: usize = 20;

/// Further sections an article may have.
const MAX_SECTIONS: usize = 10;

/// Stores the editor's exclusions and finds the article's mentions, in the write's transaction.
fn mention(conn: &mut DbConnection, id: i64, checked: &CheckedArticle) -> Result<(), ApiError> {
    crate::db::mentions::set_excluded(conn, id, &checked.mention_exclusions)?;
    let matcher = crate::db::mentions::matcher(conn)?;
    crate::db::mentions::relink(conn, &matcher, id)?;
    Ok(())
}

impl Editable for Articles {
    type Row = ArticleRow;
    const READ_ONLY: &'static [&'static str] = READ_ONLY;
    type Input = NewArticle;
    type Checked = CheckedArticle;

    /// Publishing, scheduling, unpublishing, and editing or deleting an article that is out
    /// (published or archived, due or scheduled) need `content:publish`; drafts need only
    /// `content:write`.
    fn extra_scope(stored: Option<&ArticleRow>, written: Option<&CheckedArticle>) -> Option<Scope> {
        let out_before = stored.is_some_and(|row| row.status.is_out());
        let out_after = written.is_some_and(|checked| checked.changes.status.is_out());
        (out_before || out_after).then_some(Scope::ContentPublish)
    }

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = written::<ArticleRow>(conn, id)?;
        let options = ArticleOptions::editorial();
        let article = single(load(conn, vec![row], &options, ctx)?, ArticleRow::NOUN)?;
        Ok((article.version, to_value(&article)?))
    }

    fn check(
        conn: &mut DbConnection,
        input: NewArticle,
        ctx: Ctx,
    ) -> Result<CheckedArticle, ApiError> {
        check(conn, input, None, ctx)
    }

    fn check_edit(
        conn: &mut DbConnection,
        input: NewArticle,
        stored: &ArticleRow,
        ctx: Ctx,
    ) -> Result<CheckedArticle, ApiError> {
        check(conn, input, Some(stored.id), ctx)
    }

    fn insert(
        conn: &mut DbConnection,
        checked: &CheckedArticle,
        ctx: Ctx,
    ) -> Result<i64, ApiError> {
        let id = Self::Row::insert(conn, &checked.changes)?;
        link_all(conn, id, checked, ctx)?;
        mention(conn, id, checked)?;
        Ok(id)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedArticle,
        ctx: Ctx,
    ) -> Result<bool, ApiError> {
        if !Self::Row::update(conn, id, expected, &checked.changes)? {
            return Ok(false);
        }
        link_all(conn, id, checked, ctx)?;
        mention(conn, id, checked)?;
        Ok(true)
    }

    /// A deleted article leaves its group of editions: its language is free for another
    /// translation. The others stay together (the group keeps its id, even the source's).
    fn soft_delete(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        now: chrono::NaiveDateTime,
    ) -> Result<bool, ApiError> {
        if !<Self::Row as Record>::soft_delete(conn, id, expected, now)? {
            return Ok(false);
        }
        db::translations::leave(conn, id)?;
        Ok(true)
    }

    /// Every change keeps a revision: the article as it now stands, and who changed it.
    fn after_write(
        conn: &mut DbConnection,
        id: i64,
        (version, json): &(i32, Value),
        editor: &Editor,
        ctx: Ctx,
    ) -> Result<(), ApiError> {
        db::add_revision(conn, id, *version, &editor.name, ctx.now, &json.to_string())?;
        Ok(())
    }
}

write_routes! {
    editable: Articles,
    input: NewArticle,
    output: Article,
    tag: "articles",
    collection: "/articles",
    item: "/articles/{id_or_slug}",
    example: "amcc7",
    create: (create_article, "Create an article.\n\nAnswers `201` with `Location`, the article in the editorial representation and its ETag. Publishing with a future `published_at` schedules it."),
    replace: (replace_article, "Replace an article.\n\nSend the whole article with `If-Match: \"<version>\"`; read-only fields may be sent back as they were."),
    update: (update_article, "Change an article (JSON merge patch).\n\n`application/merge-patch+json` (or `application/json`) with `If-Match: \"<version>\"`."),
    delete: (delete_article, "Delete an article (soft).\n\nIt answers 410 afterwards, leaves every list, and its slug stays taken."),
}
