//! The shape every editorial write shares, written once (decision 0005). Two levels:
//!
//! - `commit`: the one write transaction every write of the service runs in, whatever its
//!   resource (the `Editable` flow below, media uploads, edits and purges, slots, webhooks):
//!   the content lock, the work, each change logged through the `Journal` (change log, webhook
//!   outbox, search row) in the same transaction, then the response cache cleared and the
//!   webhook workers woken after the commit;
//! - `Editable`: the whole flow of a resource with slugs, on top of `commit`: authorize, read
//!   the body, find the item, check `If-Match`, merge or replace, decode, validate, settle the
//!   slug, write with the version check, record slug history. Resources say only what differs.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::auth::{Caller, Editor};
use super::query::path_key;
use super::write::{changed, created, decode, etag, if_match, prepare, read_json, IfMatch};
use super::State;
use crate::db::{self as database, locate, DbConnection, Key, Located, Record};
use crate::db::{changes, slugs};
use crate::domain::kinds::ChangeAction;
use crate::domain::slug::candidates;
use crate::domain::token::Scope;
use crate::error::ApiError;
use crate::views::Ctx;

/// A validated body, ready to write.
pub trait Checked {
    /// The slug to write, and whether the caller chose it (a chosen slug that is taken is a 409;
    /// a generated one takes the first free variant).
    fn slug(&mut self) -> (&mut String, bool);
}

/// A resource editors write. Its `check` runs the three steps every write shares: validate the
/// body's values (`domain::check`), resolve its references (422 for unknown ones, all reported
/// at once), derive the computed columns (`domain::derive`).
pub trait Editable {
    /// The stored row: how the item is found, named and seen.
    type Row: Record;
    /// Fields a body may carry only with their stored value.
    const READ_ONLY: &'static [&'static str];
    type Input: DeserializeOwned;
    type Checked: Checked;

    /// The editorial representation as JSON, and its version.
    fn represent(conn: &mut DbConnection, id: i64, ctx: Ctx) -> Result<(i32, Value), ApiError>;
    fn check(
        conn: &mut DbConnection,
        input: Self::Input,
        ctx: Ctx,
    ) -> Result<Self::Checked, ApiError>;
    /// `check` of an edit of the stored item; by default the same as of a new one (articles
    /// keep images they already embed, even once purged).
    fn check_edit(
        conn: &mut DbConnection,
        input: Self::Input,
        _stored: &Self::Row,
        ctx: Ctx,
    ) -> Result<Self::Checked, ApiError> {
        Self::check(conn, input, ctx)
    }
    fn insert(conn: &mut DbConnection, checked: &Self::Checked, ctx: Ctx) -> Result<i64, ApiError>;
    /// Writes if the version is still `expected`; `false` when another write came first.
    fn update(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        checked: &Self::Checked,
        ctx: Ctx,
    ) -> Result<bool, ApiError>;
    fn soft_delete(
        conn: &mut DbConnection,
        id: i64,
        expected: i32,
        now: NaiveDateTime,
    ) -> Result<bool, ApiError> {
        Ok(<Self::Row as Record>::soft_delete(conn, id, expected, now)?)
    }
    /// A scope the write needs beyond `content:write`, from the item as stored (`None`: it is
    /// being created) and as it will be written (`None`: it is being deleted).
    fn extra_scope(_stored: Option<&Self::Row>, _written: Option<&Self::Checked>) -> Option<Scope> {
        None
    }
    /// A 409 when something still depends on the item.
    fn deletable(_conn: &mut DbConnection, _id: i64) -> Result<(), ApiError> {
        Ok(())
    }
    /// Runs after every successful write in the same transaction, with the item as it now
    /// stands (article revisions).
    fn after_write(
        _conn: &mut DbConnection,
        _id: i64,
        _written: &(i32, Value),
        _editor: &Editor,
        _ctx: Ctx,
    ) -> Result<(), ApiError> {
        Ok(())
    }
}

fn collection<E: Editable>() -> &'static str {
    <E::Row as Record>::COLLECTION
}

/// The live item a key names (old slugs too: a write goes to the item, it is not
/// redirected), or 404 / 410.
pub(crate) fn live<R: Record>(conn: &mut DbConnection, key: &Key) -> Result<R, ApiError> {
    match locate::<R>(conn, key)? {
        Located::Current(row) | Located::Renamed(row) => match row.deleted_at() {
            Some(_) => Err(ApiError::gone(R::NOUN, key)),
            None => Ok(row),
        },
        Located::Missing => Err(ApiError::not_found(R::NOUN, key)),
    }
}

/// The stored row of an item just written, deleted or not (a delete represents it too).
pub fn written<R: Record>(conn: &mut DbConnection, id: i64) -> Result<R, ApiError> {
    R::find(conn, &Key::Id(id))?.ok_or_else(|| ApiError::not_found(R::NOUN, id))
}

/// Refuses a parent whose `ancestors` include the item itself: a cycle (422).
pub fn check_parent(ancestors: &[i64], id: i64, noun: &str) -> Result<(), ApiError> {
    if ancestors.contains(&id) {
        return Err(ApiError::Validation(vec![
            crate::error::FieldError::pointer(
                "/parent",
                format!("would make the {noun} its own ancestor"),
            ),
        ]));
    }
    Ok(())
}

/// What a write logged: handed to the work `commit` runs, so that every change of every
/// resource enters the change log (and the webhook outbox) the same way.
#[derive(Debug, Default)]
pub struct Journal {
    logged: usize,
    /// The number of the last change logged.
    last: Option<i64>,
}

impl Journal {
    /// Logs one change in the write's transaction (decisions 0008, 0016) and brings the item's
    /// search row up to date when its resource is searchable.
    pub fn record(
        &mut self,
        conn: &mut DbConnection,
        change: changes::Change<'_>,
    ) -> Result<i64, ApiError> {
        let seq = changes::record(conn, change)?;
        self.logged += 1;
        self.last = Some(seq);
        if let Some(kind) = crate::db::search::Kind::of_collection(change.resource) {
            crate::db::search::reindex(conn, kind, change.item_id)?;
            // A name may have changed: articles are scanned again after the commit (0014).
            if kind != crate::db::search::Kind::Article {
                let reason = format!("{} {} {}", kind.as_str(), change.item_id, change.action);
                crate::db::mentions::request_relink(conn, &reason, change.at)?;
            }
        }
        Ok(seq)
    }
}

/// Runs `work` in the one write transaction (the content lock: writes are numbered in commit
/// order, decision 0008) on the editorial pool; once it committed, makes replica reads wait for
/// it, clears the response cache and wakes the webhook workers if it logged a change. Every write of the service goes through
/// here.
pub async fn commit<T, F>(state: &State, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection, &mut Journal) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let with_position = state.reads.has_replica();
    let (out, journal, position) = database::run(&state.editorial_pool, move |conn| {
        let (out, journal) = database::content_transaction(conn, |conn| {
            let mut journal = Journal::default();
            let out = work(conn, &mut journal)?;
            Ok((out, journal))
        })?;
        // Where the primary stands after the commit: replica reads wait for it (0027).
        let position = match with_position && journal.logged > 0 {
            true => crate::db::replica::position(conn)?,
            false => None,
        };
        Ok((out, journal, position))
    })
    .await?;
    if journal.logged > 0 {
        state.reads.wrote(journal.last, position);
        state.cache.invalidate();
        state.webhooks.wake();
    }
    Ok(out)
}

/// Logs the change with whether the public saw the item before it (`Journal::record`).
fn log<E: Editable>(
    journal: &mut Journal,
    conn: &mut DbConnection,
    id: i64,
    (version, json): &(i32, Value),
    action: ChangeAction,
    public_before: bool,
    ctx: Ctx,
) -> Result<(), ApiError> {
    let slug = json["slug"].as_str().unwrap_or_default();
    let public_after =
        action != ChangeAction::Deleted && is_public(&written::<E::Row>(conn, id)?, ctx);
    journal.record(
        conn,
        changes::Change {
            resource: collection::<E>(),
            item_id: id,
            slug,
            action,
            version: *version,
            at: ctx.now,
            public_before,
            public_after,
        },
    )?;
    Ok(())
}

/// Whether an anonymous reader sees the item now.
fn is_public<R: Record>(row: &R, ctx: Ctx) -> bool {
    crate::db::Viewer::public(ctx.now).sees(row)
}

/// A 403 when the write needs a scope the editor lacks (`Editable::extra_scope`).
fn allowed<E: Editable>(
    editor: &Editor,
    stored: Option<&E::Row>,
    written: Option<&E::Checked>,
) -> Result<(), ApiError> {
    match E::extra_scope(stored, written) {
        Some(scope) if !editor.has(scope) => Err(ApiError::Forbidden(format!(
            "publishing, scheduling, unpublishing, and changing or deleting {} {} that is out need the `{}` scope",
            crate::domain::article_for(<E::Row as Record>::NOUN),
            <E::Row as Record>::NOUN,
            scope.as_str()
        ))),
        _ => Ok(()),
    }
}

fn stale<E: Editable>(stored: &E::Row) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "If-Match does not name the current version of the {}: it is at {}; fetch it again and redo the change",
        <E::Row as Record>::NOUN,
        etag(stored.version())
    ))
}

fn settle_slug<E: Editable>(
    conn: &mut DbConnection,
    checked: &mut E::Checked,
    owner: Option<i64>,
) -> Result<(), ApiError> {
    let (slug, given) = checked.slug();
    let wanted = slug.clone();
    if slugs::is_free::<E::Row>(conn, &wanted, owner)? {
        return Ok(());
    }
    if !given {
        for candidate in candidates(&wanted) {
            if slugs::is_free::<E::Row>(conn, &candidate, owner)? {
                *slug = candidate;
                return Ok(());
            }
        }
    }
    Err(ApiError::Conflict(format!("the slug `{wanted}` is taken")))
}

fn create<E: Editable>(
    journal: &mut Journal,
    conn: &mut DbConnection,
    body: Map<String, Value>,
    editor: &Editor,
    ctx: Ctx,
) -> Result<(i32, Value), ApiError> {
    let input: E::Input = decode(prepare(body, None, E::READ_ONLY, false, true)?)?;
    let mut checked = E::check(conn, input, ctx)?;
    allowed::<E>(editor, None, Some(&checked))?;
    settle_slug::<E>(conn, &mut checked, None)?;
    let id = E::insert(conn, &checked, ctx)?;
    let written = E::represent(conn, id, ctx)?;
    E::after_write(conn, id, &written, editor, ctx)?;
    log::<E>(
        journal,
        conn,
        id,
        &written,
        ChangeAction::Created,
        false,
        ctx,
    )?;
    Ok(written)
}

#[allow(clippy::too_many_arguments)]
fn replace<E: Editable>(
    journal: &mut Journal,
    conn: &mut DbConnection,
    key: &Key,
    expected: IfMatch,
    body: Map<String, Value>,
    patch: bool,
    editor: &Editor,
    ctx: Ctx,
) -> Result<(i32, Value), ApiError> {
    let stored = live::<E::Row>(conn, key)?;
    let (_, current) = E::represent(conn, stored.id(), ctx)?;
    if !expected.matches(stored.version()) {
        // A malformed or invalid body is reported as such (400, 422); a sound one is merely
        // stale. Its read-only fields are not compared: they describe the version the editor had.
        let input: E::Input = decode(prepare(body, Some(current), E::READ_ONLY, patch, false)?)?;
        E::check_edit(conn, input, &stored, ctx)?;
        return Err(stale::<E>(&stored));
    }
    let input: E::Input = decode(prepare(body, Some(current), E::READ_ONLY, patch, true)?)?;
    let mut checked = E::check_edit(conn, input, &stored, ctx)?;
    allowed::<E>(editor, Some(&stored), Some(&checked))?;
    {
        let (slug, given) = checked.slug();
        if !given {
            // A replace without a slug keeps the current one rather than regenerating it.
            *slug = stored.slug().to_owned();
        }
    }
    settle_slug::<E>(conn, &mut checked, Some(stored.id()))?;
    if !E::update(conn, stored.id(), stored.version(), &checked, ctx)? {
        return Err(stale::<E>(&stored));
    }
    let new_slug = checked.slug().0.clone();
    if new_slug != stored.slug() {
        slugs::record_change(
            conn,
            collection::<E>(),
            stored.id(),
            stored.slug(),
            &new_slug,
            ctx.now,
        )?;
    }
    let written = E::represent(conn, stored.id(), ctx)?;
    E::after_write(conn, stored.id(), &written, editor, ctx)?;
    log::<E>(
        journal,
        conn,
        stored.id(),
        &written,
        ChangeAction::Updated,
        is_public(&stored, ctx),
        ctx,
    )?;
    Ok(written)
}

/// `POST /api/v1/<resource>`.
pub async fn create_item<E: Editable + 'static>(
    state: State,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let editor = caller.require(Scope::ContentWrite)?.clone();
    let body = read_json(&req, payload).await?;
    let ctx = state.ctx();
    let (version, json) = commit(&state, move |conn, journal| {
        create::<E>(journal, conn, body, &editor, ctx)
    })
    .await?;
    let location = format!(
        "/api/v1/{}/{}",
        collection::<E>(),
        json["slug"].as_str().unwrap_or_default()
    );
    Ok(created(location, version, json))
}

/// `PUT` (`patch = false`) or `PATCH` of `/api/v1/<resource>/{id_or_slug}`.
pub async fn write_item<E: Editable + 'static>(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    patch: bool,
) -> Result<HttpResponse, ApiError> {
    // Checked in this order so that a bad path or body is reported as such (404, 400, 415)
    // before anything about versions.
    let editor = caller.require(Scope::ContentWrite)?.clone();
    let key = path_key(&path.into_inner(), <E::Row as Record>::NOUN)?;
    let body = read_json(&req, payload).await?;
    let expected = if_match(&req)?;
    let ctx = state.ctx();
    let (version, json) = commit(&state, move |conn, journal| {
        replace::<E>(journal, conn, &key, expected, body, patch, &editor, ctx)
    })
    .await?;
    Ok(changed(version, json))
}

/// `DELETE /api/v1/<resource>/{id_or_slug}`: soft; the slug stays taken.
pub async fn delete_item<E: Editable + 'static>(
    state: State,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let editor = caller.require(Scope::ContentWrite)?.clone();
    let key = path_key(&path.into_inner(), <E::Row as Record>::NOUN)?;
    let expected = if_match(&req)?;
    let ctx = state.ctx();
    commit(&state, move |conn, journal| {
        let stored = live::<E::Row>(conn, &key)?;
        if !expected.matches(stored.version()) {
            return Err(stale::<E>(&stored));
        }
        allowed::<E>(&editor, Some(&stored), None)?;
        E::deletable(conn, stored.id())?;
        if !E::soft_delete(conn, stored.id(), stored.version(), ctx.now)? {
            return Err(stale::<E>(&stored));
        }
        let written = E::represent(conn, stored.id(), ctx)?;
        E::after_write(conn, stored.id(), &written, &editor, ctx)?;
        log::<E>(
            journal,
            conn,
            stored.id(),
            &written,
            ChangeAction::Deleted,
            is_public(&stored, ctx),
            ctx,
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The four write handlers of a resource, with their OpenAPI documentation: `POST` on the
/// collection, `PUT`, `PATCH` and `DELETE` on an item. Everything but the names is shared. The
/// calling module imports `actix_web::{delete, patch, post, put}` and `ItemResponse` (utoipa
/// reads the bare names).
macro_rules! write_routes {
    // PUT and PATCH: the same flow and documentation but for the body and a few words.
    (@change $method:ident, $name:ident, $doc:literal, $editable:ty, $output:ty, $tag:literal,
        $item:literal, $example:literal, $body:tt, $ok:literal, $unsupported:literal, $patch:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = ["content:write"])),
            params(
                ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = $example),
                ("If-Match" = String, Header, description = "The editorial ETag of the version edited", example = "\"1\""),
            ),
            request_body $body,
            responses(
                (status = 200, description = $ok, body = $crate::views::envelope::ItemResponse<$output>, headers(("ETag" = String, description = "The new editorial ETag"))),
                (status = 400, description = "Malformed JSON, wrong types, unknown or changed read-only fields", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 401, description = "No token, or a bad one", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The token lacks content:write; publishing, scheduling, unpublishing, and changing or deleting an article that is out need content:publish", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such item", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The slug, or another value that must be unique (a tag's name), is taken", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 410, description = "The item was deleted", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match names another version", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 415, description = $unsupported, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid values or unknown references", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 428, description = "If-Match is missing", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[$method($item)]
        pub async fn $name(
            state: $crate::api::State,
            caller: $crate::api::auth::Caller,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<String>,
            payload: actix_web::web::Payload,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::api::editing::write_item::<$editable>(state, caller, req, path, payload, $patch).await
        }
    };
    (
        editable: $editable:ty,
        input: $input:ty,
        output: $output:ty,
        tag: $tag:literal,
        collection: $collection:literal,
        item: $item:literal,
        example: $example:literal,
        create: ($create:ident, $create_doc:literal),
        replace: ($replace:ident, $replace_doc:literal),
        update: ($update:ident, $update_doc:literal),
        delete: ($delete:ident, $delete_doc:literal) $(,)?
    ) => {
        #[doc = $create_doc]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = ["content:write"])),
            request_body(content = $input, content_type = "application/json"),
            responses(
                (status = 201, description = "Created, in the editorial representation", body = $crate::views::envelope::ItemResponse<$output>,
                    headers(("Location" = String, description = "The new item's URL"), ("ETag" = String, description = "Editorial ETag, `\"<version>\"`"))),
                (status = 400, description = "Malformed JSON, wrong types, unknown or read-only fields", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 401, description = "No token, or a bad one", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The token lacks content:write; publishing, scheduling, unpublishing, and changing or deleting an article that is out need content:publish", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The slug, or another value that must be unique (a tag's name), is taken", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid values or unknown references, with JSON Pointers", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($collection)]
        pub async fn $create(
            state: $crate::api::State,
            caller: $crate::api::auth::Caller,
            req: actix_web::HttpRequest,
            payload: actix_web::web::Payload,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::api::editing::create_item::<$editable>(state, caller, req, payload).await
        }

        $crate::api::editing::write_routes!(@change put, $replace, $replace_doc, $editable, $output, $tag, $item, $example,
            (content = $input, content_type = "application/json"),
            "Replaced", "Not application/json", false);

        $crate::api::editing::write_routes!(@change patch, $update, $update_doc, $editable, $output, $tag, $item, $example,
            (content = Object, content_type = "application/merge-patch+json", description = "A JSON merge patch (RFC 7396) of the item: fields sent replace the stored ones, `null` clears, arrays are replaced whole."),
            "Changed", "Not JSON", true);

        #[doc = $delete_doc]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = ["content:write"])),
            params(
                ("id_or_slug" = String, Path, pattern = "^[a-z0-9-]{1,128}$", description = "Numeric id or slug", example = $example),
                ("If-Match" = String, Header, description = "The editorial ETag of the version deleted", example = "\"1\""),
            ),
            responses(
                (status = 204, description = "Deleted (soft: it answers 410 from now on and its slug stays taken)"),
                (status = 401, description = "No token, or a bad one", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The token lacks content:write; publishing, scheduling, unpublishing, and changing or deleting an article that is out need content:publish", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such item", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Something still depends on it", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 410, description = "Already deleted", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match names another version", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 428, description = "If-Match is missing", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[delete($item)]
        pub async fn $delete(
            state: $crate::api::State,
            caller: $crate::api::auth::Caller,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::api::editing::delete_item::<$editable>(state, caller, req, path).await
        }
    };
}
pub(crate) use write_routes;
