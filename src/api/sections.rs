//! `/api/v1/sections`: the portal's menu as a tree, and the articles of a section and the
//! sections below it.

use actix_web::{delete, get, patch, post, put};
use serde_json::Value;
use std::collections::HashMap;

use super::articles::{ArticleListParams, Articles};
use super::editing::{check_parent, write_routes, written, Checked, Editable};
use super::query::{list_params, LangParams, ListOptions, ListSpec, Problems};
use super::read::{get_item, item_route, list_route, Listable};
use crate::db::sections::{self as db, SectionChanges, SectionRow, MAX_DEPTH};
use crate::db::{refer, DbConnection, Key, KeyValue, Record, Viewer};
use crate::domain::check::Checks;
use crate::domain::derive;
use crate::domain::languages::stored;
use crate::domain::sections::NewSection;
use crate::error::ApiError;
use crate::views::articles::Article;
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::sections::{build, Section, SectionRef};
use crate::views::{to_value, Ctx};

/// Sections, for the shared list and write flows.
pub struct Sections;

/// The orders a section list takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SectionSort {
    Position,
    Name,
}

impl Listable for Sections {
    type Params = SectionListParams;
    type Filter = ();
    type Sort = SectionSort;
    const COLLECTION: &'static str = "sections";
    type Row = SectionRow;
    type Options = ();
    type Item = Section;
    const SPEC: ListSpec<SectionSort> = ListSpec {
        sorts: &[
            ("position", SectionSort::Position),
            ("name", SectionSort::Name),
        ],
        cursor_sorts: &[],
        default_sort: "position,name",
        fields: &[
            "slug",
            "name",
            "names",
            "language",
            "description",
            "parent",
            "position",
            "version",
            "created_at",
            "updated_at",
        ],
        includes: &[],
    };

    fn parse(
        _: &SectionListParams,
        _: &ListOptions<SectionSort>,
        _: Ctx,
        _: &mut Problems,
    ) -> ((), ()) {
        ((), ())
    }

    /// A menu is small (a few dozen sections): the whole tree is read and ordered in memory.
    fn list(
        conn: &mut DbConnection,
        _: &(),
        _: Viewer,
        list: &ListOptions<SectionSort>,
        limit: i64,
        _: super::read::Memo<'_>,
    ) -> diesel::QueryResult<Vec<SectionRow>> {
        let mut rows = db::all(conn)?;
        rows.sort_by(|a, b| {
            let mut order = std::cmp::Ordering::Equal;
            for (key, desc) in &list.sort {
                let next = match key {
                    SectionSort::Position => a.position.cmp(&b.position),
                    SectionSort::Name => a.name.cmp(&b.name),
                };
                order = order.then(if *desc { next.reverse() } else { next });
            }
            order.then(a.id.cmp(&b.id))
        });
        let offset = usize::try_from(list.offset()).unwrap_or(usize::MAX);
        Ok(rows
            .into_iter()
            .skip(offset)
            .take(usize::try_from(limit).unwrap_or(0))
            .collect())
    }

    fn count(conn: &mut DbConnection, _: &(), _: Viewer) -> diesel::QueryResult<i64> {
        Ok(db::all(conn)?.len() as i64)
    }

    fn cursor_of(row: &SectionRow, _: SectionSort) -> (KeyValue, i64) {
        (KeyValue::Id, row.id)
    }

    fn load(
        conn: &mut DbConnection,
        rows: Vec<SectionRow>,
        _: &(),
        _: Viewer,
        ctx: Ctx,
    ) -> Result<Vec<Section>, ApiError> {
        load(conn, rows, ctx)
    }
}

/// Sections with their parents named.
fn load(
    conn: &mut DbConnection,
    rows: Vec<SectionRow>,
    ctx: Ctx,
) -> Result<Vec<Section>, ApiError> {
    let parent_ids: Vec<i64> = rows.iter().filter_map(|r| r.parent_id).collect();
    let parents: HashMap<i64, SectionRef> = db::by_ids(conn, &parent_ids)?
        .iter()
        .map(|p| (p.id, SectionRef::of(p, ctx)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let parent = row.parent_id.and_then(|p| parents.get(&p).cloned());
            build(row, parent, ctx)
        })
        .collect())
}

list_params! {
    /// Options of `GET /api/v1/sections`.
    pub struct SectionListParams {
        sort: ("Comma list of `position`, `name`; `-` for descending; at most 3. Default `position,name`.", "position,name",
            "^-?(position|name)(,-?(position|name)){0,2}$"),
        fields: ("Only these fields (and `id`): `slug`, `name`, `names`, `language`, `description`, `parent`, `position`, `version`, `created_at`, `updated_at`.", "name,parent",
            "^(slug|name|names|language|description|parent|position|version|created_at|updated_at)(,(slug|name|names|language|description|parent|position|version|created_at|updated_at))*$"),
        @names_in lang,
    }
}

list_route! {
    /// List sections.
    ///
    /// Every section of the menu with its `parent`, in menu order (`position`, then `name`);
    /// build the tree from `parent`.
    list_sections: Sections, SectionListParams => Section,
    get "/sections", tag "sections", "A page of sections"
}

item_route! {
    /// Get one section.
    get_section: LangParams => Section,
    get "/sections/{id_or_slug}", tag "sections", example "thoi-su", "section",
    found "The section", invalid "`lang` is malformed, or another parameter was given",
    missing "No such section", gone "The section was deleted",
    |state, req, caller, key, _query| {
        get_item::<SectionRow, _>(state, &req, &caller, key, true, move |conn, row, ctx| {
            let section = single(load(conn, vec![row], ctx)?)?;
            Ok((section.version, to_value(&section)?))
        })
        .await
    }
}

fn single(mut sections: Vec<Section>) -> Result<Section, ApiError> {
    sections
        .pop()
        .ok_or_else(|| ApiError::Internal("a loaded section vanished".into()))
}

list_route! {
    /// List the articles of a section.
    ///
    /// Articles whose primary section or a further one is this section or one below it; the
    /// same filters and options as `GET /api/v1/articles` (`?section=` there does the same).
    list_section_articles: Articles, ArticleListParams => Article,
    get "/sections/{id_or_slug}/articles", tag "sections", "A page of article summaries",
    within SectionRow, "/articles", "Numeric id or slug of the section", "thoi-su",
    missing "No such section", gone "The section was deleted",
    |filter, id, _ctx| {
        filter.section = Some(Key::Id(id));
    }
}

pub struct CheckedSection {
    changes: SectionChanges,
    slug_given: bool,
}

impl Checked for CheckedSection {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

/// Refuses a parent that would make a cycle or a tree deeper than `MAX_DEPTH`. Runs in the
/// content transaction, so two writers cannot each make half of a cycle.
fn check_tree(
    conn: &mut DbConnection,
    parent: Option<i64>,
    id: Option<i64>,
) -> Result<(), ApiError> {
    let Some(parent) = parent else {
        return Ok(());
    };
    let ancestors = db::ancestors(conn, parent)?;
    if let Some(id) = id {
        check_parent(&ancestors, id, SectionRow::NOUN)?;
    }
    if ancestors.len() >= MAX_DEPTH {
        return Err(ApiError::Validation(vec![
            crate::error::FieldError::pointer(
                "/parent",
                format!("sections nest {MAX_DEPTH} deep at most"),
            ),
        ]));
    }
    Ok(())
}

impl Editable for Sections {
    type Row = SectionRow;
    const READ_ONLY: &'static [&'static str] =
        &["id", "language", "version", "created_at", "updated_at"];
    type Input = NewSection;
    type Checked = CheckedSection;

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = written::<SectionRow>(conn, id)?;
        let section = single(load(conn, vec![row], ctx)?)?;
        Ok((section.version, to_value(&section)?))
    }

    fn check(
        conn: &mut DbConnection,
        input: NewSection,
        ctx: Ctx,
    ) -> Result<CheckedSection, ApiError> {
        let mut checks = Checks::default();
        let mut section = input;
        section.validate(&mut checks, ctx.lang.languages);
        let parent = match &section.parent {
            Some(reference) => refer::<SectionRow>(conn, reference, "/parent", &mut checks)?,
            None => None,
        };
        checks.into_result()?;
        Ok(CheckedSection {
            slug_given: section.slug.is_some(),
            changes: SectionChanges {
                slug: derive::slug_for(section.slug, None, &section.name, SectionRow::NOUN),
                name: section.name,
                description: section.description,
                names: stored(&section.names),
                parent_id: parent.map(|p| p.id),
                position: section.position.unwrap_or(0),
                updated_at: ctx.now,
            },
        })
    }

    fn insert(
        conn: &mut DbConnection,
        checked: &CheckedSection,
        _ctx: Ctx,
    ) -> Result<i64, ApiError> {
        check_tree(conn, checked.changes.parent_id, None)?;
        Ok(Self::Row::insert(conn, &checked.changes)?)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedSection,
        _ctx: Ctx,
    ) -> Result<bool, ApiError> {
        check_tree(conn, checked.changes.parent_id, Some(id))?;
        Ok(Self::Row::update(conn, id, expected, &checked.changes)?)
    }

    /// A section with live sections below it or articles in it stays (409).
    fn deletable(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
        let (children, articles) = db::dependents(conn, id)?;
        if children > 0 || articles > 0 {
            return Err(ApiError::Conflict(format!(
                "the section has {children} sections below it and {articles} articles in it: move them first"
            )));
        }
        Ok(())
    }
}

write_routes! {
    editable: Sections,
    input: NewSection,
    output: Section,
    tag: "sections",
    collection: "/sections",
    item: "/sections/{id_or_slug}",
    example: "thoi-su",
    create: (create_section, "Create a section (content:write)."),
    replace: (replace_section, "Replace a section."),
    update: (update_section, "Change a section (JSON merge patch)."),
    delete: (delete_section, "Delete a section (soft; 409 while sections or articles are in it)."),
}
