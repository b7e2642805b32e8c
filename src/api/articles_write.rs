//! Writes of `/api/v1/articles`: create, replace, merge-patch, soft delete, and the revision list.
//! Every write runs in one transaction: validation, references, the conditional update on the
//! version `If-Match` named, links, slug history and the revision.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::articles::{find_visible, represent, Article, Formats};
use super::auth::{Caller, Editor};
use super::editing::Editable;
use super::people_write::language_ok;
use super::query::{
    editorial, path_key, IncludeTree, ItemResponse, ListResponse, NoParams, QueryParams,
};
use super::refs::TagRef;
use super::write::{reference, Reference};
use super::{to_value, Ctx, State};
use crate::db::articles::{self as db, ArticleChanges, ArticleRow, NewArticleRow, Relation};
use crate::db::slugs::Resource;
use crate::db::{self as database, DbConnection, Key};
use crate::domain::body::{self, Block};
use crate::domain::slug::{is_valid, slugify};
use crate::domain::text::{fold, search_key};
use crate::domain::token::Scope;
use crate::error::{ApiError, FieldError, Problem};

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
];

/// An article as written: `POST` and `PUT` send all of it; `PATCH` sends a JSON merge patch of
/// it. Relations take ids, slugs, or the references a GET returns. Read-only fields (`id`,
/// `version`, `created_at`, `updated_at`, `cover`) may be sent back unchanged.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArticle {
    /// Generated from the title when absent (Vietnamese transliteration).
    #[schema(example = "to-lam-tham-du-amcc7")]
    pub slug: Option<String>,
    #[schema(example = "Đại tướng Tô Lâm dự Hội nghị AMCC7")]
    pub title: String,
    #[schema(example = "Bộ trưởng Tô Lâm phát biểu tại phiên họp toàn thể Hội nghị AMCC7.")]
    pub lead: Option<String>,
    #[serde(default)]
    pub body: Vec<Block>,
    /// The news agency (id or slug of an organization of kind `news_agency`).
    #[schema(example = "ttxvn")]
    pub source: Option<Reference>,
    #[schema(example = "Phóng viên TTXVN tại Singapore")]
    pub byline: Option<String>,
    /// BCP 47 language tag (default `vi`).
    #[schema(example = "vi")]
    pub language: Option<String>,
    /// `draft` (default), `published` or `archived`. Publishing with a future `published_at`
    /// schedules the article; publishing without one publishes it now.
    #[schema(example = "published")]
    pub status: Option<String>,
    #[schema(example = "2022-10-21T08:24:00+07:00")]
    pub published_at: Option<DateTime<FixedOffset>>,
    /// Tag names or slugs (or `{slug, name}` objects); new ones are created.
    #[serde(default)]
    #[schema(value_type = Vec<TagReference>, example = json!(["An ninh mạng", "asean"]))]
    pub tags: Vec<Value>,
    #[serde(default)]
    #[schema(example = json!(["amcc7", 1]))]
    pub events: Vec<Reference>,
    #[serde(default)]
    #[schema(example = json!(["to-lam"]))]
    pub people: Vec<Reference>,
    #[serde(default)]
    #[schema(example = json!(["asean"]))]
    pub organizations: Vec<Reference>,
}

/// How an article names a tag: its name or slug, or `{slug, name}` as a GET returns it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum TagReference {
    #[schema(example = "An ninh mạng")]
    Name(String),
    Object(TagRef),
}

/// A checked article, its references resolved.
pub struct CheckedArticle {
    changes: ArticleChanges,
    slug_given: bool,
    tags: Vec<(String, String)>,
    events: Vec<i64>,
    people: Vec<i64>,
    organizations: Vec<i64>,
}

/// Finds the id of a live item by key.
type IdLookup = dyn FnMut(&mut DbConnection, &Key) -> Result<Option<i64>, ApiError>;

/// Resolves a list of references in one table; unknown ones are 422s at their index.
fn resolve_all(
    conn: &mut DbConnection,
    values: &[Reference],
    field: &str,
    lookup: &mut IdLookup,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let pointer = format!("/{field}/{i}");
        match reference(value) {
            None => errors.push(FieldError::pointer(
                pointer,
                "must be an id, a slug or a reference",
            )),
            Some(key) => match lookup(conn, &key)? {
                Some(id) if !ids.contains(&id) => ids.push(id),
                Some(_) => {}
                None => errors.push(FieldError::pointer(
                    pointer,
                    format!("no such item `{key}`"),
                )),
            },
        }
    }
    Ok(ids)
}

/// The id of a live row with that key.
macro_rules! live_id {
    ($table:ident) => {
        |conn: &mut DbConnection, key: &Key| -> Result<Option<i64>, ApiError> {
            use crate::db::schema::$table;
            use diesel::prelude::*;
            let query = $table::table
                .filter($table::deleted_at.is_null())
                .into_boxed();
            let query = match key {
                Key::Id(id) => query.filter($table::id.eq(*id)),
                Key::Slug(slug) => query.filter($table::slug.eq(slug.clone())),
            };
            Ok(query.select($table::id).first::<i64>(conn).optional()?)
        }
    };
}

fn check(conn: &mut DbConnection, input: NewArticle, ctx: Ctx) -> Result<CheckedArticle, ApiError> {
    let mut errors = Vec::new();
    let title = input.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 500 {
        errors.push(FieldError::pointer("/title", "must be 1 to 500 characters"));
    }
    if let Some(slug) = &input.slug {
        if !is_valid(slug) {
            errors.push(FieldError::pointer(
                "/slug",
                "must be lowercase letters, digits and single dashes, with a letter",
            ));
        }
    }
    let status = input.status.clone().unwrap_or_else(|| "draft".into());
    if !["draft", "published", "archived"].contains(&status.as_str()) {
        errors.push(FieldError::pointer(
            "/status",
            "must be draft, published or archived",
        ));
    }
    let language = input.language.clone().unwrap_or_else(|| "vi".into());
    if !language_ok(&language) {
        errors.push(FieldError::pointer(
            "/language",
            "must be a BCP 47 tag such as vi or en",
        ));
    }
    for (i, block) in input.body.iter().enumerate() {
        match block {
            Block::Paragraph { text } | Block::Quote { text, .. } if text.trim().is_empty() => {
                errors.push(FieldError::pointer(
                    format!("/body/{i}/text"),
                    "must not be empty",
                ));
            }
            Block::Heading { text, level } => {
                if text.trim().is_empty() {
                    errors.push(FieldError::pointer(
                        format!("/body/{i}/text"),
                        "must not be empty",
                    ));
                }
                if !(2..=4).contains(level) {
                    errors.push(FieldError::pointer(
                        format!("/body/{i}/level"),
                        "must be 2, 3 or 4",
                    ));
                }
            }
            Block::Image { src: Some(src), .. }
                if !(src.starts_with("https://")
                    || src.starts_with("http://")
                    || src.starts_with('/')) =>
            {
                errors.push(FieldError::pointer(
                    format!("/body/{i}/src"),
                    "must be an http(s) URL or a site path",
                ));
            }
            _ => {}
        }
    }
    let source_id = match &input.source {
        None => None,
        Some(value) => match reference(value) {
            None => {
                errors.push(FieldError::pointer(
                    "/source",
                    "must be an id, a slug or a reference",
                ));
                None
            }
            Some(key) => {
                let found =
                    crate::db::organizations::find(conn, &key)?.filter(|o| o.deleted_at.is_none());
                match found {
                    Some(org) if org.kind == "news_agency" => Some(org.id),
                    Some(_) => {
                        errors.push(FieldError::pointer(
                            "/source",
                            "must be an organization of kind news_agency",
                        ));
                        None
                    }
                    None => {
                        errors.push(FieldError::pointer(
                            "/source",
                            format!("no organization `{key}`"),
                        ));
                        None
                    }
                }
            }
        },
    };
    let mut tags = Vec::new();
    for (i, value) in input.tags.iter().enumerate() {
        let (slug, name) = match value {
            Value::String(name) => (slugify(name, "tag"), name.trim().to_owned()),
            Value::Object(map) => match (
                map.get("slug").and_then(Value::as_str),
                map.get("name").and_then(Value::as_str),
            ) {
                (Some(slug), Some(name)) => (slug.to_owned(), name.trim().to_owned()),
                _ => (String::new(), String::new()),
            },
            _ => (String::new(), String::new()),
        };
        if name.is_empty() || !is_valid(&slug) {
            errors.push(FieldError::pointer(
                format!("/tags/{i}"),
                "must be a tag name, slug or {slug, name}",
            ));
        } else if !tags.iter().any(|(s, _)| s == &slug) {
            tags.push((slug, name));
        }
    }
    let events = resolve_all(
        conn,
        &input.events,
        "events",
        &mut live_id!(events),
        &mut errors,
    )?;
    let people = resolve_all(
        conn,
        &input.people,
        "people",
        &mut live_id!(people),
        &mut errors,
    )?;
    let organizations = resolve_all(
        conn,
        &input.organizations,
        "organizations",
        &mut live_id!(organizations),
        &mut errors,
    )?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let published_at = match (status.as_str(), input.published_at) {
        (_, Some(at)) => Some(at.naive_utc()),
        ("published", None) => Some(ctx.now),
        _ => None,
    };
    let body_text = body::to_text(&input.body);
    let lead = input
        .lead
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    Ok(CheckedArticle {
        slug_given: input.slug.is_some(),
        changes: ArticleChanges {
            slug: input.slug.unwrap_or_else(|| slugify(&title, "article")),
            search_key: search_key(
                [
                    Some(title.as_str()),
                    lead.as_deref(),
                    Some(body_text.as_str()),
                ]
                .into_iter()
                .flatten(),
            ),
            sort_key: fold(&title),
            title,
            lead,
            body: serde_json::to_string(&input.body)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            source_id,
            byline: input
                .byline
                .map(|b| b.trim().to_owned())
                .filter(|b| !b.is_empty()),
            language,
            status,
            published_at,
            updated_at: ctx.now,
        },
        tags,
        events,
        people,
        organizations,
    })
}

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
    db::link(conn, Relation::Tags, id, &tag_ids)?;
    db::link(conn, Relation::Events, id, &checked.events)?;
    db::link(conn, Relation::People, id, &checked.people)?;
    db::link(conn, Relation::Organizations, id, &checked.organizations)?;
    Ok(())
}

/// The editorial representation of one article, as JSON.
fn editorial_json(
    conn: &mut DbConnection,
    row: ArticleRow,
    ctx: Ctx,
) -> Result<(i32, Value), ApiError> {
    let mut items = represent(
        conn,
        vec![row],
        &IncludeTree::default(),
        Formats::default(),
        true,
        false,
        ctx,
    )?;
    let article = items
        .pop()
        .ok_or_else(|| ApiError::Internal("article vanished".into()))?;
    Ok((article.version, to_value(&article)?))
}

/// Article writes, for the shared flow in `editing`.
pub struct Articles;

impl super::editing::Checked for CheckedArticle {
    fn slug(&mut self) -> (&mut String, bool) {
        (&mut self.changes.slug, self.slug_given)
    }
}

impl Editable for Articles {
    const RESOURCE: Resource = Resource::Articles;
    const NOUN: &'static str = "article";
    const READ_ONLY: &'static [&'static str] = READ_ONLY;
    type Input = NewArticle;
    type Checked = CheckedArticle;

    crate::find_stored!(db);

    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError> {
        let row =
            db::find(conn, &Key::Id(id))?.ok_or_else(|| ApiError::not_found("article", id))?;
        editorial_json(conn, row, ctx)
    }

    fn check(
        conn: &mut DbConnection,
        input: NewArticle,
        ctx: Ctx,
    ) -> Result<CheckedArticle, ApiError> {
        check(conn, input, ctx)
    }

    fn insert(
        conn: &mut DbConnection,
        checked: &CheckedArticle,
        ctx: Ctx,
    ) -> Result<i64, ApiError> {
        let c = &checked.changes;
        let id = db::insert(
            conn,
            &NewArticleRow {
                slug: c.slug.clone(),
                title: c.title.clone(),
                lead: c.lead.clone(),
                body: c.body.clone(),
                source_id: c.source_id,
                byline: c.byline.clone(),
                language: c.language.clone(),
                status: c.status.clone(),
                published_at: c.published_at,
                notes: None,
                search_key: c.search_key.clone(),
                sort_key: c.sort_key.clone(),
                created_at: ctx.now,
                updated_at: ctx.now,
            },
        )?;
        link_all(conn, id, checked, ctx)?;
        Ok(id)
    }

    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &CheckedArticle,
        ctx: Ctx,
    ) -> Result<bool, ApiError> {
        if !db::update(conn, id, expected, &checked.changes)? {
            return Ok(false);
        }
        db::unlink_all(conn, id)?;
        link_all(conn, id, checked, ctx)?;
        Ok(true)
    }

    fn soft_delete(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        now: NaiveDateTime,
    ) -> Result<bool, ApiError> {
        Ok(db::soft_delete(conn, id, expected, now)?)
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

crate::write_routes! {
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

/// One stored revision of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    #[schema(example = 2)]
    pub version: i32,
    /// The name of the token that made the change.
    #[schema(example = "Ban biên tập trang chủ")]
    pub token_name: String,
    pub created_at: DateTime<FixedOffset>,
    /// The article as it stood after the change (editorial representation).
    #[schema(value_type = Object)]
    pub article: Value,
}

/// List an article's revisions (content:preview), newest first.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = ["content:preview"])),
    params(("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = "amcc7")),
    responses(
        (status = 200, description = "The revisions", body = ListResponse<Revision>),
        (status = 301, description = "The slug changed: `Location` has the current URL", headers(("Location" = String, description = "The current URL"))),
        (status = 400, description = "A query parameter was given (there are none)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a bad one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks content:preview", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The article was deleted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id_or_slug}/revisions")]
pub async fn list_article_revisions(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    _params: QueryParams<NoParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::ContentPreview)?;
    let key = path_key(&path.into_inner(), "article")?;
    let ctx = state.ctx();
    let query = req.query_string().to_owned();
    let revisions = database::run(&state.pool, move |conn| {
        let row = find_visible(conn, &key, true, ctx, |slug| {
            super::query::moved_to(&query, "articles", slug, "/revisions")
        })?;
        Ok(db::revisions(conn, row.id)?)
    })
    .await?;
    let items: Vec<Revision> = revisions
        .into_iter()
        .map(|r| Revision {
            version: r.version,
            token_name: r.token_name,
            created_at: ctx.tz.render(r.created_at),
            article: serde_json::from_str(&r.snapshot).unwrap_or(Value::Null),
        })
        .collect();
    let total = items.len() as i64;
    let body = serde_json::json!({
        "data": items,
        "meta": {"page": 1, "per_page": total.max(1), "total": total, "total_pages": if total > 0 { 1 } else { 0 }},
        "links": {"self": req.path(), "first": req.path()},
    });
    Ok(editorial(HttpResponse::Ok().json(body), None))
}
