//! The HTTP API: one module per resource (its handlers, their parameters and its `Listable` /
//! `Editable` impls), the shared read (`read`) and write (`editing`, `write`) flows, the list
//! machinery (`query`), and `routes`, which the server and the spec both take.

pub mod articles;
pub mod auth;
pub mod authors;
pub mod caching;
pub mod changes;
pub mod editing;
pub mod events;
pub mod export;
pub mod feeds;
pub mod follow;
pub mod health;
pub mod limits;
pub mod media;
pub mod organizations;
pub mod people;
pub mod previews;
pub mod query;
pub mod read;
pub mod search;
pub mod sections;
pub mod slots;
pub mod tags;
pub mod tokens;
pub mod visits;
pub mod webhooks;
pub mod write;

use actix_web::web;

use crate::db::DbPool;
use crate::domain::time::{Clock, PortalTz};
use crate::views::Ctx;

/// What every handler can reach: the pool, the clock, and the portal's time zone.
#[derive(Clone)]
pub struct AppState {
    /// Connections for public reads.
    pub pool: DbPool,
    /// Connections for token holders (authentication, writes, revisions), so that editors never
    /// queue behind a crowd of readers for a connection.
    pub editorial_pool: DbPool,
    pub clock: Clock,
    pub tz: PortalTz,
    /// The languages served (decision 0028).
    pub languages: &'static crate::domain::languages::Languages,
    pub visits: std::sync::Arc<crate::visits::Recorder>,
    /// Public responses kept in memory (`caching`).
    pub cache: std::sync::Arc<caching::ResponseCache>,
    /// What list cursors are signed with (the same on every instance).
    pub cursor_key: query::CursorKey,
    /// What one client may take (`limits`).
    pub limits: std::sync::Arc<limits::Limits>,
    /// The media library: its store and bounds (`media`).
    pub media: std::sync::Arc<crate::media::Media>,
    /// Whether search may answer yet (`db::search::start_fill`).
    pub search_fill: std::sync::Arc<crate::db::search::FillState>,
    /// Sends webhook deliveries (`webhooks`); woken by every content change.
    pub webhooks: std::sync::Arc<crate::webhooks::Dispatcher>,
    /// Where anonymous reads go (the primary or a replica) and what may be announced.
    pub reads: std::sync::Arc<crate::db::replica::Reads>,
}

impl AppState {
    /// The context of work that shows names in the default language (writes, background
    /// work, editorial representations).
    pub fn ctx(&self) -> Ctx {
        Ctx {
            tz: self.tz,
            now: self.clock.now(),
            lang: self.languages.default_lang(),
        }
    }

    /// The context of a read that shows names: in the language the request chose
    /// (`languages::Languages::choose`; a malformed `lang` is a 400). A token holder's
    /// `Accept-Language` is not read: editors' tools run in browsers that send one, and a
    /// GET-edit-PUT must not write one language's names over another's.
    pub fn ctx_for(
        &self,
        req: &actix_web::HttpRequest,
        caller: &auth::Caller,
    ) -> Result<Ctx, crate::error::ApiError> {
        self.ctx_in(req, caller.is_anonymous())
    }

    /// The context of a read whose language only `lang` chooses (feeds: a reader subscribes
    /// to a URL, whatever their browser's `Accept-Language`).
    pub fn ctx_named(&self, req: &actix_web::HttpRequest) -> Result<Ctx, crate::error::ApiError> {
        self.ctx_in(req, false)
    }

    fn ctx_in(
        &self,
        req: &actix_web::HttpRequest,
        read_accept_language: bool,
    ) -> Result<Ctx, crate::error::ApiError> {
        let accept = match read_accept_language {
            true => req
                .headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
            false => None,
        };
        let lang = self
            .languages
            .choose(query::lang_parameter(req.query_string()).as_deref(), accept)
            .map_err(|reason| crate::error::ApiError::invalid_parameter("lang", reason))?;
        Ok(Ctx { lang, ..self.ctx() })
    }

    /// Runs a read for `caller`: a token holder's on the primary (they must see their own
    /// writes and drafts at once), an anonymous one where `reads` sends it (decision 0027).
    pub async fn read<T: Send + 'static>(
        &self,
        caller: &auth::Caller,
        work: impl crate::db::replica::ReadWork<T>,
    ) -> Result<T, crate::error::ApiError> {
        match caller {
            auth::Caller::Anonymous => self.public_read(work).await,
            auth::Caller::Editor(_) => crate::db::run(&self.pool, work).await,
        }
    }

    /// Runs an anonymous read where `reads` sends it.
    pub async fn public_read<T: Send + 'static>(
        &self,
        work: impl crate::db::replica::ReadWork<T>,
    ) -> Result<T, crate::error::ApiError> {
        self.reads.run(&self.pool, work).await
    }
}

/// The web data type handlers take.
pub type State = web::Data<AppState>;

/// Every route, once. `routes` registers them with their documentation (the spec is generated
/// from it); `serve` without it, for the app each worker builds: documenting every route cost
/// each worker about 20 MiB at start-up (decision 0023). Both come from these two lists.
macro_rules! root_routes {
    ($cfg:expr, $v1:expr) => {
        $cfg.service(health::livez)
            .service(health::readyz)
            .service(health::openapi_json)
            .service(health::metrics)
            .service(media::get_media_file)
            .service(feeds::rss_feed)
            .service(feeds::atom_feed)
            .service(feeds::json_feed)
            .service(feeds::sitemap_index)
            .service(feeds::news_sitemap)
            .service(feeds::article_sitemap)
            .service($v1)
    };
}

macro_rules! v1_routes {
    ($cfg:expr) => {
        $cfg.service(articles::list_articles)
            .service(articles::get_article)
            .service(articles::create_article)
            .service(articles::replace_article)
            .service(articles::update_article)
            .service(articles::delete_article)
            .service(articles::list_article_revisions)
            .service(articles::list_related_articles)
            .service(previews::create_preview_link)
            .service(previews::list_preview_links)
            .service(previews::revoke_preview_link)
            .service(previews::open_preview)
            .service(events::list_events)
            .service(events::get_event)
            .service(articles::list_event_articles)
            .service(events::list_event_children)
            .service(events::create_event)
            .service(events::replace_event)
            .service(events::update_event)
            .service(events::delete_event)
            .service(people::list_people)
            .service(people::get_person)
            .service(articles::list_person_articles)
            .service(people::create_person)
            .service(people::replace_person)
            .service(people::update_person)
            .service(people::delete_person)
            .service(organizations::list_organizations)
            .service(organizations::get_organization)
            .service(people::list_organization_people)
            .service(organizations::create_organization)
            .service(organizations::replace_organization)
            .service(organizations::update_organization)
            .service(organizations::delete_organization)
            .service(search::search)
            .service(media::upload_media)
            .service(media::list_media)
            .service(media::get_media)
            .service(media::update_media)
            .service(media::replace_media)
            .service(media::delete_media)
            .service(media::purge_media)
            .service(authors::list_authors)
            .service(authors::get_author)
            .service(authors::list_author_articles)
            .service(authors::create_author)
            .service(authors::replace_author)
            .service(authors::update_author)
            .service(authors::delete_author)
            .service(sections::list_sections)
            .service(sections::get_section)
            .service(sections::list_section_articles)
            .service(sections::create_section)
            .service(sections::replace_section)
            .service(sections::update_section)
            .service(sections::delete_section)
            .service(tags::list_tags)
            .service(tags::get_tag)
            .service(tags::create_tag)
            .service(tags::replace_tag)
            .service(tags::update_tag)
            .service(tags::delete_tag)
            .service(visits::record_visit)
            .service(visits::get_visit_totals)
            .service(visits::list_popular_articles)
            .service(slots::get_slot)
            .service(slots::replace_slot)
            .service(changes::list_changes)
            .service(export::export_all)
            .service(webhooks::create_webhook)
            .service(webhooks::list_webhooks)
            .service(webhooks::get_webhook)
            .service(webhooks::update_webhook)
            .service(webhooks::delete_webhook)
            .service(webhooks::list_deliveries)
            .service(webhooks::retry_delivery)
            .service(tokens::list_tokens)
            .service(tokens::create_token)
            .service(tokens::revoke_token);
    };
}

/// Every documented route. Registering a route here documents it in the spec.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    root_routes!(cfg, utoipa_actix_web::scope("/api/v1").configure(api_v1));
}

/// The routes under `/api/v1`.
fn api_v1(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    v1_routes!(cfg);
}

/// The same routes as `routes`, served without building their documentation.
pub fn serve(cfg: &mut web::ServiceConfig) {
    root_routes!(cfg, web::scope("/api/v1").configure(serve_v1));
}

fn serve_v1(cfg: &mut web::ServiceConfig) {
    v1_routes!(cfg);
}
