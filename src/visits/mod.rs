//! The visit pipeline: beacons are judged and queued in memory on the request path (no database
//! work), and a flush turns them into counts in one transaction per interval. Dedupe keys carry
//! a salted hash of (day's salt, client IP, User-Agent): no IP or User-Agent is stored.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;

use crate::db::{self, DbConnection, DbPool};
use crate::domain::time::{Clock, PortalTz};
use crate::error::ApiError;

/// How visits are counted (`NEWSROOM_VISIT_*`, `NEWSROOM_TRUSTED_PROXIES`).
#[derive(Debug, Clone)]
pub struct VisitSettings {
    /// A page view counts once per visitor and path within this window.
    pub window: Duration,
    /// Counted views one IP may add per minute; beyond it nothing counts.
    pub budget_per_minute: u32,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Added to the total, to carry an old counter over.
    pub baseline: i64,
}

impl Default for VisitSettings {
    fn default() -> Self {
        VisitSettings {
            window: Duration::minutes(30),
            budget_per_minute: 60,
            trusted_proxies: Vec::new(),
            baseline: 0,
        }
    }
}

/// How long a visitor counts as online after their last beacon.
const ONLINE_WINDOW: Duration = Duration::minutes(5);

/// A beacon accepted for counting, waiting for the next flush. Its IP and User-Agent live only
/// here, in memory, until the flush hashes them.
#[derive(Debug, Clone)]
struct Pending {
    ip: IpAddr,
    user_agent: String,
    path: String,
    /// Resolved at the flush, in one query for the whole batch.
    article: Option<ArticleRef>,
    at: NaiveDateTime,
}

/// What a flush counted.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Flushed {
    pub beacons: usize,
    pub views: i64,
    pub visitors: i64,
}

pub struct Recorder {
    pool: DbPool,
    clock: Clock,
    tz: PortalTz,
    pub settings: VisitSettings,
    pending: Mutex<Vec<Pending>>,
    /// Counted beacons per IP in the current minute (the map starts afresh each minute).
    budgets: Mutex<(i64, HashMap<IpAddr, u32>)>,
    flushing: Mutex<()>,
}

/// Named crawlers and tools that are not readers.
const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "curl/",
    "wget",
    "python-requests",
    "httpclient",
    "facebookexternalhit",
    "preview",
    "monitor",
    "headlesschrome",
    "lighthouse",
];

pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.trim().to_ascii_lowercase();
    ua.is_empty() || BOT_MARKERS.iter().any(|m| ua.contains(m))
}

/// The client's address: the socket peer, or, when the peer is a trusted proxy, the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    for entry in header.rsplit(',') {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

/// What the beacon names as its article.
#[derive(Debug, Clone, PartialEq)]
pub enum ArticleRef {
    Id(i64),
    Slug(String),
}

impl Recorder {
    pub fn new(pool: DbPool, clock: Clock, tz: PortalTz, settings: VisitSettings) -> Recorder {
        Recorder {
            pool,
            clock,
            tz,
            settings,
            pending: Mutex::new(Vec::new()),
            budgets: Mutex::new((0, HashMap::new())),
            flushing: Mutex::new(()),
        }
    }

    /// Judges a beacon on the request path: bots, the IP budget, the article. Returns whether it
    /// was queued; the caller answers 202 either way.
    pub fn accept(
        &self,
        ip: IpAddr,
        user_agent: &str,
        path: &str,
        article: Option<ArticleRef>,
    ) -> bool {
        if is_bot(user_agent) {
            return false;
        }
        // A reference that cannot name an article is not worth a place in the queue; whether
        // it names a public one is the flush's question (one query per batch, no slug set held
        // in memory).
        if let Some(ArticleRef::Slug(slug)) = &article {
            if !crate::domain::key::is_key(slug) {
                return false;
            }
        }
        let now = self.clock.now();
        let minute = now.and_utc().timestamp() / 60;
        {
            let mut budgets = self.budgets.lock().unwrap_or_else(|e| e.into_inner());
            if budgets.0 != minute {
                *budgets = (minute, HashMap::new());
            }
            let used = budgets.1.entry(ip).or_insert(0);
            if *used >= self.settings.budget_per_minute {
                return false;
            }
            *used += 1;
        }
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Pending {
                ip,
                user_agent: user_agent.to_owned(),
                path: path.to_owned(),
                article,
                at: now,
            });
        true
    }

    /// Beacons waiting for the next flush.
    pub fn pending(&self) -> usize {
        self.pending.lock().map(|p| p.len()).unwrap_or(0)
    }

    /// Counts every queued beacon in one transaction. On failure the beacons go back in the
    /// queue, so nothing accepted is lost to a database hiccup.
    pub fn flush(&self, conn: &mut DbConnection) -> Result<Flushed, ApiError> {
        let _one_at_a_time = self.flushing.lock().unwrap_or_else(|e| e.into_inner());
        let batch: Vec<Pending> =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        let result = self.count(conn, &batch);
        if result.is_err() {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let later = std::mem::take(&mut *pending);
            *pending = batch;
            pending.extend(later);
        }
        result
    }

    fn count(&self, conn: &mut DbConnection, batch: &[Pending]) -> Result<Flushed, ApiError> {
        let now = self.clock.now();
        // A beacon counts only when its article (if it names one) is public now.
        let public = self.public_articles(conn, batch, now)?;
        let batch: Vec<(&Pending, Option<i64>)> = batch
            .iter()
            .filter_map(|beacon| match &beacon.article {
                None => Some((beacon, None)),
                Some(ArticleRef::Id(id)) => public.ids.get(id).map(|&id| (beacon, Some(id))),
                Some(ArticleRef::Slug(slug)) => {
                    public.slugs.get(slug).map(|&id| (beacon, Some(id)))
                }
            })
            .collect();
        // Salts first, outside the transaction: creating one may race another instance.
        let mut salts: HashMap<NaiveDate, String> = HashMap::new();
        for (beacon, _) in &batch {
            let day = self.tz.local_date(beacon.at);
            if let std::collections::hash_map::Entry::Vacant(slot) = salts.entry(day) {
                let fresh = crate::domain::token::random_secret().map_err(ApiError::Internal)?;
                slot.insert(db::visits::salt_for(conn, day, &fresh)?);
            }
        }
        // Each beacon's keys, and the first beacon holding each key (later ones in the same
        // batch are the same visit again).
        struct Keys {
            day: NaiveDate,
            day_key: String,
            view_key: String,
            article: Option<i64>,
        }
        let mut keys = Vec::with_capacity(batch.len());
        let mut day_rows: HashMap<String, db::visits::KeyRow> = HashMap::new();
        let mut view_rows: HashMap<String, db::visits::KeyRow> = HashMap::new();
        let mut seen_rows: HashMap<String, db::visits::KeyRow> = HashMap::new();
        let mut as_of = now;
        for &(beacon, article) in &batch {
            as_of = as_of.min(beacon.at);
            let day = self.tz.local_date(beacon.at);
            let salt = salts.get(&day).map(String::as_str).unwrap_or_default();
            let visitor = visitor_hash(salt, beacon.ip, &beacon.user_agent);
            let day_key = format!("day:{visitor}");
            let view_key = format!("view:{visitor}:{}", beacon.path);
            let day_ends = self.tz.start_of_day(day + Duration::days(1));
            day_rows
                .entry(day_key.clone())
                .or_insert(db::visits::KeyRow {
                    key: day_key.clone(),
                    expires_at: day_ends,
                });
            view_rows
                .entry(view_key.clone())
                .or_insert(db::visits::KeyRow {
                    key: view_key.clone(),
                    expires_at: beacon.at + self.settings.window,
                });
            let seen_key = format!("seen:{visitor}");
            let online_until = beacon.at + ONLINE_WINDOW;
            seen_rows
                .entry(seen_key.clone())
                .and_modify(|row| row.expires_at = row.expires_at.max(online_until))
                .or_insert(db::visits::KeyRow {
                    key: seen_key,
                    expires_at: online_until,
                });
            keys.push(Keys {
                day,
                day_key,
                view_key,
                article,
            });
        }
        let day_rows: Vec<_> = day_rows.into_values().collect();
        let view_rows: Vec<_> = view_rows.into_values().collect();
        let seen_rows: Vec<_> = seen_rows.into_values().collect();
        db::write_transaction(conn, |conn| {
            let mut new_days = db::visits::claim_many(conn, &day_rows, as_of)?;
            let mut new_views = db::visits::claim_many(conn, &view_rows, as_of)?;
            db::visits::refresh_many(conn, &seen_rows)?;
            let mut flushed = Flushed {
                beacons: batch.len(),
                ..Flushed::default()
            };
            let mut rollup: HashMap<(NaiveDate, i64), (i64, i64)> = HashMap::new();
            for k in &keys {
                // `remove`: a key counts for its first beacon only.
                if new_days.remove(&k.day_key) {
                    rollup.entry((k.day, 0)).or_default().1 += 1;
                    flushed.visitors += 1;
                }
                if new_views.remove(&k.view_key) {
                    rollup.entry((k.day, 0)).or_default().0 += 1;
                    if let Some(article) = k.article {
                        rollup.entry((k.day, article)).or_default().0 += 1;
                    }
                    flushed.views += 1;
                }
            }
            for ((day, article), (views, visitors)) in rollup {
                db::visits::add(conn, day, article, views, visitors)?;
            }
            // Keys a day past their expiry can no longer matter to any window.
            db::visits::purge(conn, now - Duration::days(1))?;
            Ok(flushed)
        })
    }

    /// Which of the articles the batch names are public at `now`, by id and by slug.
    fn public_articles(
        &self,
        conn: &mut DbConnection,
        batch: &[Pending],
        now: NaiveDateTime,
    ) -> Result<PublicArticles, ApiError> {
        let mut ids = HashSet::new();
        let mut slugs = HashSet::new();
        for beacon in batch {
            match &beacon.article {
                Some(ArticleRef::Id(id)) => {
                    ids.insert(*id);
                }
                Some(ArticleRef::Slug(slug)) => {
                    slugs.insert(slug.as_str());
                }
                None => {}
            }
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let slugs: Vec<&str> = slugs.into_iter().collect();
        let mut public = PublicArticles::default();
        for (id, slug) in db::visits::public_articles(conn, &ids, &slugs, now)? {
            public.ids.insert(id, id);
            public.slugs.insert(slug, id);
        }
        Ok(public)
    }
}

/// The public articles a batch of beacons names, by id and by slug.
#[derive(Default)]
struct PublicArticles {
    ids: HashMap<i64, i64>,
    slugs: HashMap<String, i64>,
}

/// Flushes off the async workers (the database work runs on the blocking pool).
pub async fn flush_now(recorder: std::sync::Arc<Recorder>) -> Result<Flushed, ApiError> {
    let pool = recorder.pool.clone();
    let started = std::time::Instant::now();
    let flushed = db::run(&pool, move |conn| recorder.flush(conn)).await;
    crate::metrics::METRICS
        .visit_flush_seconds
        .observe(started.elapsed().as_secs_f64());
    flushed
}

/// Flushes every `every` until the process ends; the final flush on a graceful stop is the
/// caller's (`cli::serve`).
pub fn spawn_flusher(recorder: std::sync::Arc<Recorder>, every: std::time::Duration) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        loop {
            ticks.tick().await;
            if let Err(error) = flush_now(recorder.clone()).await {
                tracing::warn!(%error, pending = recorder.pending(), "visit flush failed; will retry");
            }
        }
    });
}

/// The visitor of a day: a hash of the day's secret salt, the client IP and the User-Agent.
fn visitor_hash(salt: &str, ip: IpAddr, user_agent: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0]);
    hasher.update(ip.to_string().as_bytes());
    hasher.update([0]);
    hasher.update(user_agent.as_bytes());
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The first day of the portal-local week (Monday) and month of `day`.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_and_empty_agents_are_not_readers() {
        assert!(is_bot(""));
        assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(is_bot("curl/8.5.0"));
        assert!(!is_bot(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1"
        ));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let client: IpAddr = "203.0.113.7".parse().expect("ip");
        let spoof = Some("1.2.3.4, 203.0.113.7");
        assert_eq!(client_ip(Some(client), spoof, &[proxy]), Some(client));
        assert_eq!(client_ip(Some(proxy), spoof, &[proxy]), Some(client));
        assert_eq!(
            client_ip(Some(proxy), Some("203.0.113.7, 10.0.0.1"), &[proxy]),
            Some(client)
        );
        assert_eq!(client_ip(Some(proxy), Some("junk"), &[proxy]), Some(proxy));
    }

    #[test]
    fn weeks_start_on_monday() {
        let wednesday = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        assert_eq!(week_start(wednesday).to_string(), "2026-11-23");
        assert_eq!(month_start(wednesday).to_string(), "2026-11-01");
    }
}
