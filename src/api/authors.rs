//! `/api/v1/authors`: the newsroom's reporters, and the articles each wrote.

use actix_web::{delete, get, patch, post, put};
use serde_json::Value;
use std::collections::HashMap;

use super::articles::{ArticleListParams, Articles};
use super::editing::{write_routes, written, Checked, Editable};
use super::query::{list_params, ListOptions, ListSpec, NoParams, Problems};
use super::read::{get_item, item_route, list_route, Listable};
use crate::db::authors::{self as db, AuthorChanges, AuthorRow};
use crate::db::{DbConnection, Key, KeyValue, Record, Viewer};
use crate::domain::authors::NewAuthor;
use crate::domain::check::Checks;
use crate::domain::derive;
use crate::error::ApiError;
use crate::views::articles::Article;
use crate::views::authors::{build, Author};
use crate::views::envelope::{ItemResponse, ListResponse};
use crate::views::{to_value, Ctx};

/// Authors, for the shared list and write flows.
pub struct Authors;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AuthorSort {
    Name,
}

impl Listable for Authors {
    // An author's name is their own, in every language.
    const LOCALIZED: bool = false;
    type Params = AuthorListParams;
    type Filter = ();
    type Sort = AuthorSort;
    const COLLECTION: &'static str = "authors";
    type Row = AuthorRow;
    type Options = ();
    type Item = Author;
    const SPEC: ListSpec<AuthorSort> = ListSpec {
        sorts: &[("name", AuthorSort::Name)],
        cursor_sorts: &[],
        default_sort: "name",
        fields: &[
            "slug",
            "name",
            "bio",
            "avatar",
            "links",
            "version",
            "created_at",
            "updated_at",
        ],
        includes: &[],
    };

    fn parse(
        _: &AuthorListParams,
        _: &ListOptions<AuthorSort>,
        _: Ctx,
        _: &mut Problems,
    ) -> ((), ()) {
        ((), ())
    }

    fn list(
        conn: &mut DbConnection,
        _: &(),
        _: Viewer,
        list: &ListOptions<AuthorSort>,
        limit: i64,
        _: super::read::Memo<'_>,
    ) -> diesel::QueryResult<Vec<AuthorRow>> {
        let desc = list.sort.first().is_some_and(|(_, desc)| *desc);
        db::page(conn, desc, list.offset(), limit)
    }

    fn count(conn: &mut DbConnection, _: &(), _: Viewer) -> diesel::QueryResult<i64> {
        db::count(conn)
    }

    fn cursor_of(row: &AuthorRow, _: AuthorSort) -> (KeyValue, i64) {
        (KeyValue::Id, row.id)
    }

    fn load(
        conn: &mut DbConnection,
        rows: Vec<AuthorRow>,
        _: &(),
        _: Viewer,
        ctx: Ctx,
    ) -> Result<Vec<Author>, ApiError> {
        load(conn, rows, ctx)
    }
}

/// Authors with their avatars.
fn load(conn: &mut DbConnection, rows: Vec<AuthorRow>, ctx: Ctx) -> Result<Vec<Author>, ApiError> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.avatar_id).collect();
    let avatars: HashMap<i64, crate::db::media::MediaRow> = crate::db::media::find_all(conn, &ids)?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let avatar = row.avatar_id.and_then(|id| avatars.get(&id));
            build(row, avatar, ctx)
        })
        .collect())
}

fn single(mut authors: Vec<Author>) -> Result<Author, ApiError> {
    authors
        .pop()
        .ok_or_else(|| ApiError::Internal("a loaded author vanished".into()))
}

list_params! {
    /// Options of `GET /api/v1/authors`.
    pub struct AuthorListParams {
        sort: ("`name` or `-name`. Default `name`.", "name", "^-?name$"),
        fields: ("Only these fields (and `id`): `slug`, `name`, `bio`, `avatar`, `links`, `version`, `created_at`, `updated_at`.", "name,avatar",
            "^(slug|name|bio|avatar|links|version|created_at|updated_at)(,(slug|name|bio|avatar|links|version|created_at|updated_at))*$"),
    }
}

list_route! {
    /// List authors, by name.
    list_authors: Authors, AuthorListParams => Author,
    get "/authors", tag "authors", "A page of authors"
}

item_route! {
    /// Get one author.
    get_author: NoParams => Author,
    get "/authors/{id_or_slug}", tag "authors", example "nguyen-thu-ha", "author",
    found "The author", invalid "A query parameter was given (there are none)",
    missing "No such author", gone "The author was deleted",
    |state, req, caller, key, _query| {
        get_item::<AuthorRow, _>(state, &req, &caller, key, false, move |conn, row, ctx| {
            let author = single(load(conn, vec![row], ctx)?)?;
            Ok((author.version, to_value(&author)?))
        })
        .await
    }
}

list_route! {
    /// List the articles of an author.
    ///
    /// The same filters and options as `GET /api/v1/articles` (`?author=` there does the same).
    list_author_articles: Articles, ArticleListParams => Article,
    get "/authors/{id_or_slug}/articles", tag "authors", "A page of article summaries",
    within AuthorRow, "/articles", "Numeric id or slug of the author", "nguyen-thu-ha",
    missing "No such author", gone "The author was deleted",
    |filter, id, _ctx| {
        filter.author = Some(Key::Id(id));
    }
}

pub struct CheckedAuthor {
    changes: AuthorChanges,
    slug_given: bool,
}

impl Checked for CheckedAuthor {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

impl Editable for Authors {
    type Row = AuthorRow;
    const READ_ONLY: &'static [&'static str] = &["id", "version", "created_at", "updated_at"];
    type Input = NewAuthor;
    type Checked = CheckedAuthor;

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row = written::<AuthorRow>(conn, id)?;
        let author = single(load(conn, vec![row], ctx)?)?;
        Ok((author.version, to_value(&author)?))
    }

    fn check(
        conn: &mut DbConnection,
        input: NewAuthor,
        ctx: Ctx,
    ) -> Result<CheckedAuthor, ApiError> {
        let mut checks = Checks::default();
        let mut author = input;
        author.validate(&mut checks);
        let avatar = author.avatar.map(|a| a.id());
        if let Some(id) = avatar {
            if id >= 1 && crate::db::media::usable_locked(conn, &[id])?.is_empty() {
                checks.add(
                    "/avatar",
                    format!("no media item {id} in the library (missing or deleted)"),
                );
            }
        }
        checks.into_result()?;
        Ok(CheckedAuthor {
            slug_given: author.slug.is_some(),
            changes: AuthorChanges {
                slug: derive::slug_for(author.slug, None, &author.name, AuthorRow::NOUN),
                name: author.name,
                bio: author.bio,
                avatar_id: avatar,
                links: serde_json::to_string(&author.links)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
                updated_at: ctx.now,
            },
        })
    }

    fn insert(
        conn: &mut DbConnection,
        checked: &CheckedAuthor,
        _ctx: Ctx,
    ) -> Result<i64, ApiError> {
        Ok(Self::Row::insert(conn, &checked.changes)?)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedAuthor,
        _ctx: Ctx,
    ) -> Result<bool, ApiError> {
        Ok(Self::Row::update(conn, id, expected, &checked.changes)?)
    }

    /// An author articles still name stays (409).
    fn deletable(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
        let named = db::articles_of(conn, id)?;
        if named > 0 {
            return Err(ApiError::Conflict(format!(
                "{named} articles name this author: change them first"
            )));
        }
        Ok(())
    }
}

write_routes! {
    editable: Authors,
    input: NewAuthor,
    output: Author,
    tag: "authors",
    collection: "/authors",
    item: "/authors/{id_or_slug}",
    example: "nguyen-thu-ha",
    create: (create_author, "Create an author."),
    replace: (replace_author, "Replace an author."),
    update: (update_author, "Change an author (JSON merge patch; `links` are replaced whole)."),
    delete: (delete_author, "Delete an author (soft; 409 while articles name them)."),
}
