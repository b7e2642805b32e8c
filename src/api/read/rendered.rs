//! Reads served from stored public representations (decision 0020): an item at its own URL and
//! the summaries of a list page, rendered and stored when missing.

use actix_web::HttpResponse;
use std::collections::HashMap;

use super::{lookup, surrogate_keys, Listable, Moved};
use crate::api::State;
use crate::db::renditions::{self, Form, Rendition};
use crate::db::{DbConnection, Key, Record, Viewer};
use crate::domain::resources::Resource;
use crate::error::ApiError;
use crate::views::{keys, Ctx};

/// `GET /api/v1/<resource>/{id_or_slug}` for an anonymous caller with no options: the lookup
/// (301, 404, 410 as always), then the item's stored public representation, rendered and stored
/// first when there is none (decision 0020).
pub async fn get_rendered<L>(
    state: State,
    req: &actix_web::HttpRequest,
    key: Key,
    options: L::Options,
) -> Result<HttpResponse, ApiError>
where
    L: Listable,
    L::Row: Record,
{
    let resource = L::RENDERED
        .ok_or_else(|| ApiError::Internal(format!("{} has no stored representations", L::NOUN)))?;
    let ctx = state.ctx_for(req, &crate::api::auth::Caller::Anonymous)?;
    let language = renditions::language_of(ctx.lang);
    let viewer = Viewer {
        previews: false,
        now: ctx.now,
    };
    let moved = Moved::new(req, "");
    let (json, shown) = state
        .public_read(move |conn| {
            // Stored already: one statement, nothing else to read.
            if let Some(find) = L::STORED_AT_KEY {
                if let Some((rendition, view_count)) =
                    find(conn, Form::Item, &key, language, ctx.now)?
                {
                    return Ok((rendition.with_view_count(view_count), rendition.shown));
                }
            }
            let (json, shown) = keys::collecting(|| {
                let row = lookup::<L::Row>(conn, &key, viewer, &moved)?;
                let mut json = rendered::<L>(
                    conn,
                    resource,
                    Form::Item,
                    (vec![row], None),
                    &options,
                    viewer,
                    ctx,
                )?;
                json.pop()
                    .ok_or_else(|| ApiError::not_found(<L::Row as Record>::NOUN, &key))
            });
            Ok((json?, shown))
        })
        .await?;
    let mut body = String::with_capacity(json.len() + 10);
    body.push_str("{\"data\":");
    body.push_str(&json);
    body.push('}');
    let response = HttpResponse::Ok()
        .content_type("application/json")
        .body(body);
    Ok(surrogate_keys(
        super::in_language(response, ctx),
        None,
        shown,
    ))
}

/// The public representations of `rows` in `form`, as JSON in the rows' order: stored ones as
/// kept (their view counts added), the others rendered now and stored for the next reads. The
/// items they show are marked as if rendered now. `found`: the stored ones, when they were read
/// with the rows (`db::articles::Columns::HeadsAndStored`); `None`: looked for here.
pub fn rendered<L: Listable>(
    conn: &mut DbConnection,
    resource: &'static Resource,
    form: Form,
    (rows, found): (Vec<L::Row>, Option<super::Found>),
    options: &L::Options,
    viewer: Viewer,
    ctx: Ctx,
) -> Result<Vec<String>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(L::id_of).collect();
    let mut stored = match found {
        Some(found) => found,
        None => renditions::find(
            conn,
            resource,
            form,
            &ids,
            renditions::language_of(ctx.lang),
            ctx.now,
        )?,
    };
    let view_counts: HashMap<i64, i64> = rows
        .iter()
        .map(|row| (L::id_of(row), L::view_count(row).unwrap_or_default()))
        .collect();
    let missing: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !stored.contains_key(id))
        .collect();
    if !missing.is_empty() {
        for (id, rendition) in render::<L>(conn, resource, form, &missing, options, viewer, ctx)? {
            stored.insert(id, rendition);
        }
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(rendition) = stored.remove(&id) else {
            // Gone between the list and the rendering (deleted meanwhile): left out.
            continue;
        };
        for key in &rendition.shown {
            keys::mark_key(key);
        }
        out.push(rendition.with_view_count(view_counts.get(&id).copied().unwrap_or_default()));
    }
    Ok(out)
}

/// Renders the public representations of these items from what the database holds from now on,
/// and stores them unless a change was logged meanwhile (`renditions::store`). A failure to
/// store is logged, never the reader's error.
pub(crate) fn render<L: Listable>(
    conn: &mut DbConnection,
    resource: &'static Resource,
    form: Form,
    ids: &[i64],
    options: &L::Options,
    viewer: Viewer,
    ctx: Ctx,
) -> Result<Vec<(i64, Rendition)>, ApiError> {
    // The stamp first: whatever is read after it is at least as new.
    let stamp = renditions::stamp(conn)?;
    let mut rows = L::rows_by_ids(conn, ids)?;
    let mut rendered = Vec::with_capacity(rows.len());
    let mut to_store = Vec::with_capacity(rows.len());
    for row in rows.iter_mut() {
        L::set_view_count(row, renditions::VIEW_COUNT_PLACEHOLDER);
    }
    for row in rows {
        let id = L::id_of(&row);
        let (item, marks) = keys::collecting_all(|| L::load(conn, vec![row], options, viewer, ctx));
        let item = crate::views::single(item?, L::NOUN)?;
        let json = serde_json::to_string(&item)
            .map_err(|e| ApiError::Internal(format!("serialization: {e}")))?;
        match Rendition::from_rendered(json, marks.shown.clone()) {
            Some(rendition) => {
                rendered.push((id, rendition.clone()));
                to_store.push(renditions::ToStore {
                    item_id: id,
                    form,
                    rendition,
                    marks,
                });
            }
            None => {
                return Err(ApiError::Internal(format!(
                    "{} {id}: no place for its view count",
                    L::NOUN
                )))
            }
        }
    }
    if let Err(error) = renditions::store(
        conn,
        resource,
        stamp,
        to_store,
        renditions::language_of(ctx.lang),
        ctx.now,
    ) {
        tracing::warn!(%error, resource = resource.collection, "cannot store representations");
    }
    Ok(rendered)
}
