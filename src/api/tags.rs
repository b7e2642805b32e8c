//! `/api/v1/tags`: tags with the number of public articles carrying each.

use actix_web::{delete, get, patch, post, put};
use serde_json::Value;

use super::editing::{write_routes, written, Checked, Editable};
use super::query::{list_params, LangParams, ListOptions, ListSpec, Problems};
use super::read::{get_item, item_route, list_route, Listable};
use crate::db::tags::{self as db, TagChanges, TagRow, TagSort};
use crate::db::{DbConnection, KeyValue, Record, Viewer};
use crate::domain::check::Checks;
use crate::domain::derive;
use crate::domain::languages::stored;
use crate::domain::tags::NewTag;
use crate::error::ApiError;
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::tags::{build, Tag};
use crate::views::{to_value, Ctx};

/// Tags, for the shared list and write flows.
pub struct Tags;

impl Listable for Tags {
    type Params = TagListParams;
    type Filter = ();
    type Sort = TagSort;
    const COLLECTION: &'static str = "tags";
    /// A tag and its public article count.
    type Row = (TagRow, i64);
    type Options = ();
    type Item = Tag;
    const SPEC: ListSpec<TagSort> = ListSpec {
        sorts: &[
            ("name", TagSort::Name),
            ("article_count", TagSort::ArticleCount),
        ],
        cursor_sorts: &[],
        default_sort: "-article_count,name",
        fields: &[
            "slug",
            "name",
            "names",
            "language",
            "article_count",
            "version",
            "created_at",
            "updated_at",
        ],
        includes: &[],
    };

    fn parse(_: &TagListParams, _: &ListOptions<TagSort>, _: Ctx, _: &mut Problems) -> ((), ()) {
        ((), ())
    }

    /// Counts are public counts for everyone: a tag used only by drafts must not reveal them.
    /// The ordered (tag, count) list is counted once per content change (at a million articles
    /// it reads every listed link) and paged from memory.
    fn list(
        conn: &mut DbConnection,
        _: &(),
        viewer: Viewer,
        list: &ListOptions<TagSort>,
        limit: i64,
        memo: super::read::Memo<'_>,
    ) -> diesel::QueryResult<Vec<(TagRow, i64)>> {
        let sort = list.sort.clone();
        let key = format!("tags:{sort:?}");
        let ranked = memo.cache.remembered(conn, key, memo.ctx, |conn| {
            db::ranked_with_counts(conn, viewer.now, &sort)
        })?;
        let offset = usize::try_from(list.offset()).unwrap_or(usize::MAX);
        let page: Vec<(i64, i64)> = ranked
            .iter()
            .skip(offset)
            .take(usize::try_from(limit).unwrap_or(0))
            .copied()
            .collect();
        db::with_rows(conn, &page)
    }

    fn count(conn: &mut DbConnection, _: &(), viewer: Viewer) -> diesel::QueryResult<i64> {
        db::count_with_articles(conn, viewer.now)
    }

    fn cursor_of(row: &(TagRow, i64), _: TagSort) -> (KeyValue, i64) {
        (KeyValue::Id, row.0.id)
    }

    fn load(
        _: &mut DbConnection,
        rows: Vec<(TagRow, i64)>,
        _: &(),
        _: Viewer,
        ctx: Ctx,
    ) -> Result<Vec<Tag>, ApiError> {
        Ok(rows
            .into_iter()
            .map(|(row, count)| build(row, count, ctx))
            .collect())
    }
}

list_params! {
    /// Options of `GET /api/v1/tags`.
    pub struct TagListParams {
        sort: ("Comma list of `name`, `article_count`; `-` for descending; at most 3. Default `-article_count,name`.", "-article_count,name",
            "^-?(name|article_count)(,-?(name|article_count)){0,2}$"),
        fields: ("Only these fields (and `id`): `slug`, `name`, `names`, `language`, `article_count`, `version`, `created_at`, `updated_at`.", "slug,name",
            "^(slug|name|names|language|article_count|version|created_at|updated_at)(,(slug|name|names|language|article_count|version|created_at|updated_at))*$"),
        @names_in lang,
    }
}

list_route! {
    /// List tags.
    ///
    /// Tags used by at least one public article, with their article counts; tags used only by
    /// drafts or scheduled articles are not listed.
    list_tags: Tags, TagListParams => Tag,
    get "/tags", tag "tags", "A page of tags"
}

item_route! {
    /// Get one tag.
    ///
    /// A tag that no public article carries is visible only with a preview token.
    get_tag: LangParams => Tag,
    get "/tags/{id_or_slug}", tag "tags", example "an-ninh-mang", "tag",
    found "The tag", invalid "`lang` is malformed, or another parameter was given",
    missing "No such tag", gone "The tag was deleted",
    |state, req, caller, key, _query| {
        let previews = caller.previews();
        let shown = key.clone();
        get_item::<TagRow, _>(state, &req, &caller, key, true, move |conn, row, ctx| {
            let count = db::public_count(conn, row.id, ctx.now)?;
            if count == 0 && !previews {
                return Err(ApiError::not_found(TagRow::NOUN, &shown));
            }
            let tag = build(row, count, ctx);
            Ok((tag.version, to_value(&tag)?))
        })
        .await
    }
}

pub struct CheckedTag {
    changes: TagChanges,
    slug_given: bool,
}

impl Checked for CheckedTag {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

impl Editable for Tags {
    type Row = TagRow;
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "language",
        "version",
        "created_at",
        "updated_at",
        "article_count",
    ];
    type Input = NewTag;
    type Checked = CheckedTag;

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = written::<TagRow>(conn, id)?;
        let count = db::public_count(conn, id, ctx.now)?;
        let tag = build(row, count, ctx);
        Ok((tag.version, to_value(&tag)?))
    }

    fn check(_conn: &mut DbConnection, input: NewTag, ctx: Ctx) -> Result<CheckedTag, ApiError> {
        let mut checks = Checks::default();
        let mut tag = input;
        tag.validate(&mut checks, ctx.lang.languages);
        checks.into_result()?;
        Ok(CheckedTag {
            slug_given: tag.slug.is_some(),
            changes: TagChanges {
                slug: derive::slug_for(tag.slug, None, &tag.name, TagRow::NOUN),
                name: tag.name,
                names: stored(&tag.names),
                updated_at: ctx.now,
            },
        })
    }

    fn insert(conn: &mut DbConnection, checked: &CheckedTag, _ctx: Ctx) -> Result<i64, ApiError> {
        unique_name(conn, &checked.changes.name, None)?;
        Ok(Self::Row::insert(conn, &checked.changes)?)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedTag,
        _ctx: Ctx,
    ) -> Result<bool, ApiError> {
        unique_name(conn, &checked.changes.name, Some(id))?;
        Ok(Self::Row::update(conn, id, expected, &checked.changes)?)
    }
}

/// A tag's name is its identity for editors (an article's tag list names tags by name): two
/// live tags never share one. Eight identical creates at once make one tag; the NFD spelling
/// of a name is the same name, since every name is stored NFC.
fn unique_name(conn: &mut DbConnection, name: &str, except: Option<i64>) -> Result<(), ApiError> {
    match db::named(conn, name, except)? {
        Some((_, slug)) => Err(ApiError::Conflict(format!(
            "a tag named `{name}` exists already: /api/v1/tags/{slug}"
        ))),
        None => Ok(()),
    }
}

write_routes! {
    editable: Tags,
    input: NewTag,
    output: Tag,
    tag: "tags",
    collection: "/tags",
    item: "/tags/{id_or_slug}",
    example: "an-ninh-mang",
    create: (create_tag, "Create a tag."),
    replace: (replace_tag, "Rename a tag (and change its slug; the old one answers 301)."),
    update: (update_tag, "Change a tag (JSON merge patch)."),
    delete: (delete_tag, "Delete a tag (soft): it leaves the tag list and every article."),
}
