//! HTTP caching of public reads, in one middleware:
//!
//! - every `200` a GET sends to an anonymous caller carries a strong `ETag` computed from the bytes
//!   it sends and `Cache-Control: public` with `max-age`, `s-maxage` and
//!   `stale-while-revalidate`, none of them reaching past the moment the content changes by
//!   itself (the next scheduled publish, the portal-local midnight);
//! - bodies of 1 KiB and more go out compressed when `Accept-Encoding` asks (brotli, zstd, gzip,
//!   by q-value), compressed once per cached entry, with `Vary: Accept-Encoding` and an ETag of
//!   the bytes in that coding;
//! - `If-None-Match` naming the ETag (in a list, weakly, or `*`, RFC 9110 §13.1.2) answers `304`;
//! - the serialized response is kept in memory (`ResponseCache`), keyed by the normalized
//!   request, so that a hit costs no database work and no serialization. Writes on this instance
//!   clear it at once; `ResponseCache::follow` clears it when the change log moved (other
//!   instances, the CLI; `api::follow`). Entries live at most `NEWSROOM_CACHE_TTL` seconds, which bounds how far
//!   visit counts inside them lag.
//!
//! Token holders keep the editorial `"<version>"` ETag and `private, no-store`; `/livez` and
//! `/readyz` are left alone.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use moka::sync::Cache;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

use super::query::normalized_query;
use super::AppState;
use crate::db::{self, changes, DbConnection};

mod coding;
mod conditional;
mod lookup;
pub use coding::*;
pub use conditional::*;
pub use lookup::Dressing;
use lookup::*;

/// How public responses are cached, here and downstream.
#[derive(Debug, Clone, Copy)]
pub struct CacheSettings {
    /// The in-process cache's bound in bytes; 0 turns it off (ETags and headers stay).
    pub max_bytes: u64,
    /// The longest an entry lives, in seconds: how far visit counts inside may lag.
    pub ttl: u64,
    /// `max-age` for browsers, `s-maxage` for shared caches, `stale-while-revalidate`.
    pub max_age: u64,
    pub s_maxage: u64,
    pub stale_while_revalidate: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            max_bytes: 64 * 1024 * 1024,
            ttl: 10,
            max_age: 10,
            s_maxage: 60,
            stale_while_revalidate: 30,
        }
    }
}

/// One coding of a response: its bytes and their ETag.
#[derive(Debug)]
struct Variant {
    body: Bytes,
    /// A strong ETag of the bytes, ready to send.
    etag: HeaderValue,
}

impl Variant {
    fn new(body: Bytes) -> Variant {
        let etag = HeaderValue::from_str(&strong_etag(&body))
            .unwrap_or_else(|_| HeaderValue::from_static("\"-\""));
        Variant { body, etag }
    }

    fn etag(&self) -> &str {
        self.etag.to_str().unwrap_or_default()
    }
}

/// A public response as sent, with its compressed forms made once, when first asked for.
#[derive(Debug)]
pub struct Entry {
    headers: Vec<(HeaderName, HeaderValue)>,
    identity: Variant,
    /// `None` inside: not worth compressing, or the codec failed (identity goes out).
    compressed: [std::sync::OnceLock<Option<Variant>>; 3],
    /// When it stops being right: the next self-made change, or its time to live.
    expires: NaiveDateTime,
    /// The route template it answers, for the metrics: a hit is never routed.
    route: Option<crate::metrics::RouteLabel>,
    /// Kept here but never by others (`NO_STORE_DOWNSTREAM`).
    no_store: bool,
    /// It shows names in a chosen language (it carries `Content-Language`).
    localized: bool,
    /// Its series in the metrics, found once: GET and HEAD, each `200` and `304`.
    served: [std::sync::OnceLock<crate::metrics::Served>; 4],
}

impl Entry {
    /// The metric series an answer from this entry counts in.
    pub fn served(&self, method: &Method, status: StatusCode) -> &crate::metrics::Served {
        let slot = 2 * usize::from(method == Method::HEAD)
            + usize::from(status == StatusCode::NOT_MODIFIED);
        self.served[slot].get_or_init(|| {
            crate::metrics::METRICS.served(
                self.route.as_ref().map(|r| &*r.0),
                method,
                status.as_u16(),
            )
        })
    }

    /// The bytes to send in `coding` (or identity), compressing them on first use.
    fn variant(&self, coding: Option<Coding>) -> (&Variant, Option<Coding>) {
        let Some(coding) = coding.filter(|_| self.identity.body.len() >= COMPRESS_FROM) else {
            return (&self.identity, None);
        };
        let made = self.compressed[coding.index()].get_or_init(|| {
            coding
                .encode(&self.identity.body)
                .ok()
                .map(|bytes| Variant::new(Bytes::from(bytes)))
        });
        match made {
            Some(variant) => (variant, Some(coding)),
            None => (&self.identity, None),
        }
    }
}

/// A response being built; dropping it (built, failed or cancelled) wakes the requests that
/// wait for it.
struct Building {
    cache: Arc<ResponseCache>,
    key: String,
    _done: watch::Sender<()>,
}

impl Drop for Building {
    fn drop(&mut self) {
        let mut building = self
            .cache
            .building
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        building.remove(&self.key);
    }
}

/// The next publish moment, once looked up; forgotten on every change.
#[derive(Debug, Clone, Copy)]
enum Horizon {
    Unknown,
    Known(Option<NaiveDateTime>),
}

/// The in-process cache of serialized public responses (`max_bytes` 0: none), and what decides
/// how long a response stays right.
pub struct ResponseCache {
    entries: Option<Cache<String, Arc<Entry>, KeyHasher>>,
    pub settings: CacheSettings,
    /// Bumped by every invalidation: a response built across one is not stored.
    generation: AtomicU64,
    /// The change log head the entries reflect.
    seen: AtomicI64,
    horizon: Mutex<Horizon>,
    /// Facts derived from public content (list totals, tag counts), kept whether or not
    /// responses are cached, under the same guard: dropped on every content change and at the
    /// next self-made one.
    memo: Cache<String, (Remembered, NaiveDateTime)>,
    /// Responses being built, by generation and key: other misses of the same key wait for
    /// the first one rather than each building it (after a write, hundreds of readers miss the
    /// same few URLs at once).
    building: Mutex<HashMap<String, watch::Receiver<()>>>,
    /// Public responses built by their handler (for tests and diagnostics).
    builds: AtomicU64,
    /// `Cache-Control` values by seconds remaining, made once each (`control`).
    controls: Vec<std::sync::OnceLock<HeaderValue>>,
}

type Remembered = Arc<dyn std::any::Any + Send + Sync>;

/// How keys are hashed: foldhash seeded per process (hashbrown's own choice), several times
/// faster than SipHash on a key of a hundred bytes, which a hit hashes once or twice. Keys are
/// callers' URLs; the random seed keeps their collisions unpredictable.
type KeyHasher = foldhash::quality::RandomState;

/// The most `Cache-Control` values kept formatted (a second each, up to the point from which
/// the value stays the same: 90 with the defaults).
const MAX_CONTROLS: u64 = 4096;

/// How many facts are remembered (a list total is one per public filter, a few dozen bytes).
const MAX_REMEMBERED: u64 = 10_000;

impl ResponseCache {
    pub fn new(settings: CacheSettings) -> ResponseCache {
        let entries = (settings.max_bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(settings.max_bytes)
                .weigher(|key: &String, entry: &Arc<Entry>| {
                    let headers: usize = entry
                        .headers
                        .iter()
                        .map(|(n, v)| n.as_str().len() + v.len())
                        .sum();
                    // Compressed forms are counted as if made: they are smaller than the body.
                    u32::try_from(key.len() + 2 * entry.identity.body.len() + headers + 64)
                        .unwrap_or(u32::MAX)
                })
                .build_with_hasher(KeyHasher::default())
        });
        ResponseCache {
            entries,
            settings,
            generation: AtomicU64::new(0),
            seen: AtomicI64::new(-1),
            horizon: Mutex::new(Horizon::Unknown),
            memo: Cache::new(MAX_REMEMBERED),
            building: Mutex::new(HashMap::new()),
            builds: AtomicU64::new(0),
            controls: (0..=Self::steady_from(&settings).min(MAX_CONTROLS))
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    /// Seconds remaining from which `Cache-Control` no longer changes: every bound fits.
    fn steady_from(settings: &CacheSettings) -> u64 {
        settings.max_age.max(settings.s_maxage) + settings.stale_while_revalidate
    }

    /// `Cache-Control` for a response right for `remaining` more seconds (`cache_control`),
    /// formatted once per value: a hit sends one of at most `steady_from` + 1 values.
    fn control(&self, remaining: u64) -> HeaderValue {
        let index = remaining.min(Self::steady_from(&self.settings)) as usize;
        let make = || {
            HeaderValue::from_str(&cache_control(&self.settings, remaining))
                .unwrap_or_else(|_| HeaderValue::from_static("no-store"))
        };
        match self.controls.get(index) {
            Some(made) => made.get_or_init(make).clone(),
            None => make(),
        }
    }

    /// The invalidation count a response or fact is built under.
    /// A number that moves whenever content changed (here, or as the change log showed).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// What `make` derives from public content as of `ctx.now`, remembered under `key` until
    /// content changes (a write, or the next scheduled publish or midnight). Concurrent misses
    /// of one key wait for a single `make` (a million-row count runs once, not once per
    /// reader). The generation is part of the key: a read after a change neither waits for nor
    /// gets a value made before it.
    pub fn remembered<T: Send + Sync + 'static>(
        &self,
        conn: &mut DbConnection,
        key: String,
        ctx: crate::views::Ctx,
        make: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
    ) -> diesel::QueryResult<Arc<T>> {
        let key = format!("{}:{key}", self.generation());
        if let Some((_, expires)) = self.memo.get(&key) {
            if expires <= ctx.now {
                self.memo.invalidate(&key);
            }
        }
        let (value, _) = self
            .memo
            .try_get_with(
                key,
                || -> diesel::QueryResult<(Remembered, NaiveDateTime)> {
                    let value = make(conn)?;
                    Ok((Arc::new(value), self.self_made_change(conn, ctx)?))
                },
            )
            .map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))?;
        value.downcast::<T>().map_err(|_| {
            diesel::result::Error::QueryBuilderError("a remembered value of another type".into())
        })
    }

    /// The cached response for `key`, unless it expired by `now`.
    fn get(&self, key: &str, now: NaiveDateTime) -> Option<Arc<Entry>> {
        let entries = self.entries.as_ref()?;
        let entry = entries.get(key)?;
        if entry.expires <= now {
            entries.invalidate(key);
            return None;
        }
        Some(entry)
    }

    /// Stores a response built since `generation`, unless an invalidation came in between.
    fn put(&self, generation: u64, key: String, entry: Arc<Entry>) {
        if let Some(entries) = &self.entries {
            if self.generation() == generation {
                entries.insert(key, entry);
            }
        }
    }

    /// Who builds `key`'s response: this request (`Ok`, holding the guard that releases the
    /// others when dropped), or another one already at it (`Err`, to wait on).
    fn build_or_wait(self: &Arc<Self>, key: String) -> Result<Building, watch::Receiver<()>> {
        let mut building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(waiting) = building.get(&key) {
            return Err(waiting.clone());
        }
        let (done, waiting) = watch::channel(());
        building.insert(key.clone(), waiting);
        Ok(Building {
            cache: self.clone(),
            key,
            _done: done,
        })
    }

    /// Forgets every entry and the publish horizon: content changed.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
        self.memo.invalidate_all();
        if let Ok(mut horizon) = self.horizon.lock() {
            *horizon = Horizon::Unknown;
        }
    }

    /// Follows the change log: invalidates when it moved since the last look (a write by
    /// another instance, or by the CLI). Returns whether it did.
    pub fn poll(&self, conn: &mut DbConnection) -> diesel::QueryResult<bool> {
        Ok(self.follow(changes::head(conn)?))
    }

    /// Invalidates when the change log's head is not the one last seen (`poll`, with the head
    /// read elsewhere). Returns whether it did.
    pub fn follow(&self, head: i64) -> bool {
        let before = self.seen.swap(head, Ordering::SeqCst);
        let moved = before != head && before != -1;
        if moved {
            self.invalidate();
        }
        moved
    }

    /// How many public responses their handler built since start.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// The bytes the entries take, as the bound counts them.
    pub fn weighted_size(&self) -> u64 {
        self.entries.as_ref().map_or(0, |entries| {
            entries.run_pending_tasks();
            entries.weighted_size()
        })
    }

    fn known_horizon(&self) -> Option<Option<NaiveDateTime>> {
        match self.horizon.lock().map(|h| *h) {
            Ok(Horizon::Known(at)) => Some(at),
            _ => None,
        }
    }

    /// The next scheduled publish after `now` (looked up once per change) or the next
    /// portal-local midnight, whichever comes first: when content changes with no write.
    fn self_made_change(
        &self,
        conn: &mut DbConnection,
        ctx: crate::views::Ctx,
    ) -> diesel::QueryResult<NaiveDateTime> {
        if let Some(at) = self.known_self_made_change(ctx) {
            return Ok(at);
        }
        let publish = db::articles::next_publish(conn, ctx.now)?;
        if let Ok(mut horizon) = self.horizon.lock() {
            *horizon = Horizon::Known(publish);
        }
        Ok(Self::earliest(publish, ctx))
    }

    /// `self_made_change` when the next publish is known, with no database work.
    fn known_self_made_change(&self, ctx: crate::views::Ctx) -> Option<NaiveDateTime> {
        match self.known_horizon() {
            Some(at) if at.is_none_or(|at| at > ctx.now) => Some(Self::earliest(at, ctx)),
            _ => None,
        }
    }

    fn earliest(publish: Option<NaiveDateTime>, ctx: crate::views::Ctx) -> NaiveDateTime {
        let midnight = ctx.tz.start_of_day(ctx.today() + chrono::Days::new(1));
        publish.map_or(midnight, |at| at.min(midnight))
    }

    /// Until when a response built at `now` stays right: the next self-made change or the time
    /// to live, whichever comes first.
    async fn valid_until(self: &Arc<Self>, state: &AppState, now: NaiveDateTime) -> NaiveDateTime {
        let lived = now + chrono::Duration::seconds(self.settings.ttl as i64);
        let ctx = crate::views::Ctx { now, ..state.ctx() };
        let change = match self.known_self_made_change(ctx) {
            Some(at) => at,
            None => {
                let cache = self.clone();
                db::run(&state.pool, move |conn| {
                    Ok(cache.self_made_change(conn, ctx)?)
                })
                .await
                // Unknown: do not let anything live past now.
                .unwrap_or(now)
            }
        };
        change.min(lived)
    }
}

/// `Cache-Control` for a public response that stays right for `remaining` seconds: no freshness
/// (and no stale serving) reaches past it.
pub fn cache_control(settings: &CacheSettings, remaining: u64) -> String {
    let max_age = settings.max_age.min(remaining);
    let s_maxage = settings.s_maxage.min(remaining);
    let stale = settings
        .stale_while_revalidate
        .min(remaining.saturating_sub(max_age.max(s_maxage)));
    format!("public, max-age={max_age}, s-maxage={s_maxage}, stale-while-revalidate={stale}")
}

/// The internal header a handler sets when its answer changes by itself at a moment the cache
/// cannot know (a slot's window): the entry, and the freshness sent, end there. Never sent out.
const VALID_UNTIL: &str = "x-newsroom-valid-until";

/// The internal header a handler sets when its public answer may be kept here, where it follows
/// the change log, but never by browsers or shared caches (the change feed: a mirror must not
/// be handed a page older than what it last saw). Never sent out.
pub const NO_STORE_DOWNSTREAM: &str = "x-newsroom-no-store-downstream";

/// Marks a public answer as right until `at` at the latest (`VALID_UNTIL`).
pub fn valid_until(response: &mut HttpResponse, at: NaiveDateTime) {
    if let Ok(value) = HeaderValue::from_str(&at.and_utc().timestamp_micros().to_string()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(VALID_UNTIL), value);
    }
}

fn stated_until(headers: &actix_web::http::header::HeaderMap) -> Option<NaiveDateTime> {
    let micros: i64 = headers.get(VALID_UNTIL)?.to_str().ok()?.parse().ok()?;
    chrono::DateTime::from_timestamp_micros(micros).map(|t| t.naive_utc())
}

/// The answer to a public read from the cache, when it holds one, with the entry it came from
/// (the edge answers hits itself, before any other layer).
pub fn from_cache(
    state: &AppState,
    req: &ServiceRequest,
    dressing: &Dressing,
) -> Option<(HttpResponse, Arc<Entry>)> {
    state.cache.entries.as_ref()?;
    let asked = Asked::of(req);
    // With `Origin`, CORS has its say: the full stack answers.
    if asked.origin || !is_public_get(req, &asked) {
        return None;
    }
    let lookup = Lookup::of(state, req, &asked);
    let entry = state.cache.get(&lookup.key, lookup.now)?;
    crate::metrics::METRICS.cache_hits.inc();
    let res = respond(&entry, &lookup, &state.cache, Some(dressing));
    Some((res, entry))
}

pub async fn public_reads(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let asked = Asked::of(&req);
    let Some(state) = state.filter(|_| is_public_get(&req, &asked)) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let cache = state.cache.clone();
    let lookup = Lookup::of(&state, &req, &asked);
    let (key, now) = (lookup.key.clone(), lookup.now);
    let from_entry = |entry: &Entry| respond(entry, &lookup, &cache, None);
    if let Some(entry) = cache.get(&key, now) {
        crate::metrics::METRICS.cache_hits.inc();
        return Ok(req.into_response(from_entry(&entry)));
    }
    let generation = cache.generation();
    // One build per key at a time: a second miss waits for the first, then answers from its
    // entry (or, when that response was not cacheable, builds its own).
    let building = match cache
        .entries
        .is_some()
        .then(|| cache.build_or_wait(format!("{generation}:{key}")))
    {
        None => None,
        Some(Ok(building)) => Some(building),
        Some(Err(mut waiting)) => {
            let _ = waiting.changed().await;
            if let Some(entry) = cache.get(&key, now) {
                return Ok(req.into_response(from_entry(&entry)));
            }
            None
        }
    };
    cache.builds.fetch_add(1, Ordering::Relaxed);
    crate::metrics::METRICS.cache_misses.inc();
    let res = next.call(req).await?;
    let private = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("private") || v.contains("no-store"));
    if private || res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) {
        return Ok(res.map_into_boxed_body());
    }
    let route = crate::metrics::route_of(&res);
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("cannot read the response"))?;
    let entry = Arc::new(Entry {
        headers: head
            .headers()
            .iter()
            .filter(|(name, _)| {
                ![header::CACHE_CONTROL, header::ETAG, header::VARY].contains(*name)
                    && name.as_str() != VALID_UNTIL
                    && name.as_str() != NO_STORE_DOWNSTREAM
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        identity: Variant::new(bytes),
        compressed: Default::default(),
        expires: match stated_until(head.headers()) {
            Some(until) => cache.valid_until(&state, now).await.min(until),
            None => cache.valid_until(&state, now).await,
        },
        route,
        no_store: head.headers().contains_key(NO_STORE_DOWNSTREAM),
        localized: head.headers().contains_key(header::CONTENT_LANGUAGE),
        served: Default::default(),
    });
    let res = from_entry(&entry);
    cache.put(generation, key, entry);
    drop(building);
    Ok(ServiceResponse::new(req, res))
}

#[cfg(test)]
mod tests;
