//! The HTTP API: one module per resource (handlers, wire types, `#[utoipa::path]`), and the list
//! machinery they share.

pub mod articles;
pub mod articles_write;
pub mod auth;
pub mod editing;
pub mod events;
pub mod events_write;
pub mod health;
pub mod organizations;
pub mod organizations_write;
pub mod people;
pub mod people_write;
pub mod query;
pub mod refs;
pub mod tags;
pub mod tokens;
pub mod visits;
pub mod write;

use actix_web::web;
use chrono::{NaiveDate, NaiveDateTime};

use crate::db::DbPool;
use crate::domain::time::{Clock, PortalTz};
use crate::error::ApiError;

/// What every handler can reach: the pool, the clock, and the portal's time zone.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub clock: Clock,
    pub tz: PortalTz,
    pub visits: std::sync::Arc<crate::visits::Recorder>,
}

/// What turning rows into wire types needs: the time zone, and "now" for visibility and for
/// which positions are current.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub tz: PortalTz,
    pub now: NaiveDateTime,
}

impl Ctx {
    pub fn today(&self) -> NaiveDate {
        self.tz.local_date(self.now)
    }
}

impl AppState {
    pub fn ctx(&self) -> Ctx {
        Ctx {
            tz: self.tz,
            now: self.clock.now(),
        }
    }
}

/// Serializes a wire type for projection by `fields`.
pub fn to_value<T: serde::Serialize>(item: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(item).map_err(|e| ApiError::Internal(format!("serialization: {e}")))
}

/// Answers 410 for deleted items, so that clients drop their links.
pub fn gone_if_deleted(
    deleted_at: Option<NaiveDateTime>,
    what: &str,
    key: &crate::db::Key,
) -> Result<(), ApiError> {
    match deleted_at {
        Some(_) => Err(ApiError::Gone(format!("{what} `{key}` was deleted"))),
        None => Ok(()),
    }
}

/// Where to send a caller who used a slug that changed: the same path under the current slug.
pub struct Moved {
    query: String,
    collection: &'static str,
    suffix: &'static str,
}

impl Moved {
    pub fn new(
        req: &actix_web::HttpRequest,
        collection: &'static str,
        suffix: &'static str,
    ) -> Self {
        Moved {
            query: req.query_string().to_owned(),
            collection,
            suffix,
        }
    }

    /// The error for a key that names no item: 301 when it is an old slug of a live item
    /// (`current` gives that item's slug), else 404.
    pub fn resolve(
        &self,
        conn: &mut crate::db::DbConnection,
        key: &crate::db::Key,
        resource: crate::db::slugs::Resource,
        noun: &str,
        current: impl FnOnce(&mut crate::db::DbConnection, i64) -> Result<Option<String>, ApiError>,
    ) -> Result<ApiError, ApiError> {
        if let crate::db::Key::Slug(slug) = key {
            if let Some(id) = crate::db::slugs::former_holder(conn, resource, slug)? {
                if let Some(slug) = current(conn, id)? {
                    return Ok(ApiError::MovedPermanently(query::moved_to(
                        &self.query,
                        self.collection,
                        &slug,
                        self.suffix,
                    )));
                }
            }
        }
        Ok(ApiError::not_found(noun, key))
    }
}

/// Registers every API route under `/api/v1`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(articles::list_articles)
        .service(articles::get_article)
        .service(articles_write::create_article)
        .service(articles_write::replace_article)
        .service(articles_write::update_article)
        .service(articles_write::delete_article)
        .service(articles_write::list_article_revisions)
        .service(events::list_events)
        .service(events::get_event)
        .service(events::list_event_articles)
        .service(events::list_event_children)
        .service(events_write::create_event)
        .service(events_write::replace_event)
        .service(events_write::update_event)
        .service(events_write::delete_event)
        .service(people::list_people)
        .service(people::get_person)
        .service(people::list_person_articles)
        .service(people_write::create_person)
        .service(people_write::replace_person)
        .service(people_write::update_person)
        .service(people_write::delete_person)
        .service(organizations::list_organizations)
        .service(organizations::get_organization)
        .service(organizations::list_organization_people)
        .service(organizations_write::create_organization)
        .service(organizations_write::replace_organization)
        .service(organizations_write::update_organization)
        .service(organizations_write::delete_organization)
        .service(tags::list_tags)
        .service(tags::get_tag)
        .service(tags::create_tag)
        .service(tags::replace_tag)
        .service(tags::update_tag)
        .service(tags::delete_tag)
        .service(visits::record_visit)
        .service(visits::get_visit_totals)
        .service(visits::list_popular_articles)
        .service(tokens::list_tokens)
        .service(tokens::create_token)
        .service(tokens::revoke_token);
}

pub use query::ItemResponse;

/// The web data type handlers take.
pub type State = web::Data<AppState>;
