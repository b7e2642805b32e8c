//! What one client may take: connections per address, failed authentications per address and
//! writes per token, each over a budget answered `429` with `Retry-After` (the beacon keeps its
//! own silent budget, `visits`). Budgets are per instance and in memory: a limit is a brake on
//! abuse, not an account, and several instances behind a balancer each hold their own.
//! Behind trusted proxies (`NEWSROOM_TRUSTED_PROXIES`) a client is the `X-Forwarded-For` address
//! they report, and bounding connections is the proxy's job (they all come from it).

use actix_web::body::MessageBody;
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, ResponseError};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// The limits a deployment sets (`config`); 0 turns one off.
#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// Open connections from one address (not a trusted proxy).
    pub connections_per_client: u32,
    /// Requests with a bad token from one address, per minute.
    pub auth_failures_per_minute: u32,
    /// Writes (POST, PUT, PATCH, DELETE) with one token, per minute.
    pub writes_per_minute: u32,
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            connections_per_client: 64,
            auth_failures_per_minute: 20,
            writes_per_minute: 600,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The limits and their counts, shared by every worker.
pub struct Limits {
    pub settings: LimitSettings,
    connections: Arc<Mutex<HashMap<IpAddr, u32>>>,
    auth_failures: Budget<IpAddr>,
    writes: Budget<i64>,
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Limits {
        let minute = Duration::from_secs(60);
        Limits {
            auth_failures: Budget::new(settings.auth_failures_per_minute, minute),
            writes: Budget::new(settings.writes_per_minute, minute),
            connections: Arc::default(),
            settings,
        }
    }

    /// The client's address: the peer, or what a trusted proxy says it forwarded for.
    pub fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        crate::visits::client_ip(
            req.peer_addr().map(|a| a.ip()),
            forwarded,
            &self.settings.trusted_proxies,
        )
    }

    /// `429` while this address is over its budget of failed authentications.
    pub fn check_auth(&self, client: Option<IpAddr>) -> Result<(), ApiError> {
        match client.and_then(|ip| self.auth_failures.exceeded(&ip)) {
            Some(retry_after) => Err(ApiError::RateLimited {
                detail: format!(
                    "too many requests with a bad token from this address (at most {} a minute)",
                    self.settings.auth_failures_per_minute
                ),
                retry_after,
            }),
            None => Ok(()),
        }
    }

    /// Counts a request whose token was refused.
    pub fn auth_failed(&self, client: Option<IpAddr>) {
        if let Some(ip) = client {
            self.auth_failures.spend(ip);
        }
    }

    /// Counts a write with this token; `429` past its budget.
    pub fn write(&self, token_id: i64) -> Result<(), ApiError> {
        match self.writes.spend(token_id) {
            Some(retry_after) => Err(ApiError::RateLimited {
                detail: format!(
                    "too many writes with this token (at most {} a minute)",
                    self.settings.writes_per_minute
                ),
                retry_after,
            }),
            None => Ok(()),
        }
    }

    /// For `HttpServer::on_connect`: counts the connection against its address for as long as
    /// it is open, and marks it when the address has too many.
    pub fn on_connect(
        self: &Arc<Self>,
    ) -> impl Fn(&dyn std::any::Any, &mut Extensions) + Send + Sync + 'static {
        let limits = self.clone();
        move |connection, data| {
            let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
                return;
            };
            let Ok(peer) = stream.peer_addr() else { return };
            let ip = peer.ip();
            let max = limits.settings.connections_per_client;
            if max == 0 || limits.settings.trusted_proxies.contains(&ip) {
                return;
            }
            let open = {
                let mut counts = lock(&limits.connections);
                let open = counts.entry(ip).or_insert(0);
                *open += 1;
                *open
            };
            data.insert(Connection {
                ip,
                over: open > max,
                counts: limits.connections.clone(),
            });
        }
    }
}

/// One open connection, counted while it lives (connection data is dropped with it).
struct Connection {
    ip: IpAddr,
    over: bool,
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        if let Some(open) = counts.get_mut(&self.ip) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// Whether the request came on a connection past its address's limit (refused further in).
pub fn over_connection_limit(req: &ServiceRequest) -> bool {
    req.conn_data::<Connection>()
        .is_some_and(|connection| connection.over)
}

/// Answers `429` (and closes) on a connection over its address's budget, before anything else
/// is read: a crowd of connections trickling bodies cannot hold the workers.
pub async fn refuse_excess_connections(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    if over_connection_limit(&req) {
        let max = req
            .app_data::<web::Data<crate::api::AppState>>()
            .map(|state| state.limits.settings.connections_per_client)
            .unwrap_or_default();
        let error = ApiError::RateLimited {
            detail: format!("too many open connections from this address (at most {max})"),
            retry_after: 1,
        };
        let mut response = error.error_response();
        response.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Events per key in fixed windows: within `per_window` a key passes, past it it waits for the
/// window's end. Windows that ended are swept when the table grows, and the table never holds
/// more than `MAX_KEYS` (past that, new keys pass uncounted: a brake, not a ledger).
struct Budget<K> {
    per_window: u32,
    window: Duration,
    counts: Mutex<HashMap<K, (Instant, u32)>>,
}

const MAX_KEYS: usize = 100_000;

impl<K: Hash + Eq + Copy> Budget<K> {
    fn new(per_window: u32, window: Duration) -> Self {
        Budget {
            per_window,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until the key's window ends, when it is over its budget.
    fn exceeded(&self, key: &K) -> Option<u64> {
        if self.per_window == 0 {
            return None;
        }
        let counts = lock(&self.counts);
        let (started, count) = counts.get(key)?;
        let left = self.window.checked_sub(started.elapsed())?;
        (*count >= self.per_window).then(|| left.as_secs().max(1))
    }

    /// Counts one event; seconds to wait when that took the key past its budget.
    fn spend(&self, key: K) -> Option<u64> {
        if self.per_window == 0 {
            return None;
        }
        let now = Instant::now();
        let mut counts = lock(&self.counts);
        if counts.len() >= MAX_KEYS / 2 && !counts.contains_key(&key) {
            counts.retain(|_, (started, _)| now.duration_since(*started) < self.window);
            if counts.len() >= MAX_KEYS {
                return None;
            }
        }
        let entry = counts.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        let left = self.window.saturating_sub(now.duration_since(entry.0));
        (entry.1 > self.per_window).then(|| left.as_secs().max(1))
    }
}

/// A poisoned lock only means another thread panicked while counting: the counts are still
/// usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_passes_its_events_then_says_how_long_to_wait() {
        let budget = Budget::new(3, Duration::from_secs(60));
        assert_eq!(budget.exceeded(&1), None);
        for _ in 0..3 {
            assert_eq!(budget.spend(1), None);
        }
        assert_eq!(budget.exceeded(&2), None, "keys count apart");
        assert!(budget.exceeded(&1).is_some_and(|s| (1..=60).contains(&s)));
        assert!(budget.spend(1).is_some_and(|s| (1..=60).contains(&s)));
        let off = Budget::new(0, Duration::from_secs(60));
        assert_eq!(off.spend(1), None);
        let short = Budget::new(1, Duration::from_millis(20));
        assert_eq!(short.spend(1), None);
        assert!(short.spend(1).is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(short.spend(1), None, "a new window starts over");
    }
}
