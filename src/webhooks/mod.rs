//! Webhook deliveries (decision 0016): the message a change makes, its Standard Webhooks
//! signature, the retry schedule, the guard against private destinations, and the worker that
//! takes due deliveries from the outbox and sends them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Duration as Span;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::db::changes::ChangeRow;
use crate::db::webhooks::{self as db, AttemptOutcome, DELIVERED, FAILED, PENDING};
use crate::db::DbPool;
use crate::domain::changes::type_of;
use crate::domain::time::{Clock, PortalTz};
use crate::error::ApiError;

/// The waits between attempts: the first retry 5 seconds after the first failure, the last
/// attempt about 27.5 hours after the first; each wait varies by ±10 % (jitter), so that
/// endpoints coming back do not get every retry at once.
pub const RETRY_DELAYS: [i64; 7] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];

/// Attempts in all: the first and one per delay.
pub const MAX_ATTEMPTS: i32 = RETRY_DELAYS.len() as i32 + 1;

/// The wait before the next attempt after `attempts` failed ones, with `jitter` in [-1, 1];
/// `None` when none is left.
pub fn next_delay(attempts: i32, jitter: f64) -> Option<Span> {
    let base = *RETRY_DELAYS.get(usize::try_from(attempts).ok()?.checked_sub(1)?)?;
    let millis = (base as f64 * 1000.0 * (1.0 + 0.1 * jitter.clamp(-1.0, 1.0))).round() as i64;
    Some(Span::milliseconds(millis))
}

/// A fresh signing key: 32 random bytes, stored as base64 and shown once as `whsec_<base64>`.
pub fn new_secret() -> Result<String, ApiError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(STANDARD.encode(key))
}

/// The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`
/// under the key (Standard Webhooks).
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let key = STANDARD.decode(secret).unwrap_or_default();
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The message id: the same on every attempt of one change's delivery.
pub fn message_id(seq: i64) -> String {
    format!("msg_{seq}")
}

/// The JSON body of a delivery: `{type, timestamp, data: {resource, id, slug, version, url}}`.
pub fn payload(change: &ChangeRow, event: &str, tz: PortalTz, api_base: &str) -> Vec<u8> {
    let resource = type_of(&change.resource).unwrap_or("unknown");
    let url = if change.slug.is_empty() {
        format!("{api_base}/api/v1/{}/{}", change.resource, change.item_id)
    } else {
        format!("{api_base}/api/v1/{}/{}", change.resource, change.slug)
    };
    let body = serde_json::json!({
        "type": event,
        "timestamp": tz.render(change.at).to_rfc3339(),
        "data": {
            "resource": resource,
            "id": change.item_id,
            "slug": (!change.slug.is_empty()).then_some(&change.slug),
            "version": change.version,
            "url": url,
        }
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Whether an address is one a webhook may reach: not loopback, private, link-local, shared
/// (CGNAT), benchmarking (198.18.0.0/15), IETF protocol assignments (192.0.0.0/24),
/// unspecified, multicast, broadcast, reserved or documentation; in IPv6 also unique-local,
/// site-local (fec0::/10), IPv4-compatible (::/96) and NAT64 (64:ff9b::/96) addresses, and a
/// 6to4 (2002::/16) or IPv4-mapped address whose IPv4 address is refused.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || (a == 192 && b == 0 && c == 0)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_address(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            let first = segments[0];
            if first == 0x2002 {
                let [_, _, a, b, c, d, ..] = v6.octets();
                return is_public_address(IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d)));
            }
            let ipv4_compatible = segments[..6].iter().all(|s| *s == 0);
            let nat64 = segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || ipv4_compatible
                || nat64
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                || first == 0x2001 && segments[1] == 0x0db8)
        }
    }
}

/// Resolves names for deliveries and drops every address a webhook may not reach, so the check
/// holds for the address actually connected to (no second lookup to rebind).
struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| is_public_address(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "{host} resolves to no public address (loopback, private and link-local are refused)"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// How deliveries are sent.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Lets deliveries reach loopback, private and link-local addresses (tests, closed
    /// networks): `NEWSROOM_WEBHOOK_ALLOW_PRIVATE`.
    pub allow_private: bool,
    /// The longest one attempt may take (`NEWSROOM_WEBHOOK_TIMEOUT`, seconds).
    pub timeout: Duration,
    /// The API's public base URL, for the `url` of each message (`NEWSROOM_API_URL`).
    pub api_base: String,
    /// The proxy deliveries go through (`NEWSROOM_WEBHOOK_PROXY`); none without it, whatever
    /// `HTTP_PROXY` and `HTTPS_PROXY` say, since a proxy resolves the target itself and the
    /// guard would never see the address (finding 4 of the third hostile test).
    pub proxy: Option<String>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_private: false,
            timeout: Duration::from_secs(10),
            api_base: "http://127.0.0.1:8080".into(),
            proxy: None,
        }
    }
}

/// Sends due deliveries. One per instance; several instances share the outbox safely.
pub struct Dispatcher {
    pool: DbPool,
    /// What may be announced yet (`Reads::announceable`).
    reads: std::sync::Arc<crate::db::replica::Reads>,
    clock: Clock,
    tz: PortalTz,
    client: reqwest::Client,
    pub settings: WebhookSettings,
    wake: tokio::sync::Notify,
}

/// Days a delivery that ended is kept (`GET .../deliveries` shows them).
pub const KEEP_DAYS: i64 = 30;

/// What a worker needs to send one delivery.
struct Job {
    delivery: crate::db::webhooks::DeliveryRow,
    webhook: crate::db::webhooks::WebhookRow,
    change: ChangeRow,
}

/// Deliveries one pass takes at most.
const BATCH: i64 = 32;

impl Dispatcher {
    pub fn new(
        pool: DbPool,
        reads: std::sync::Arc<crate::db::replica::Reads>,
        clock: Clock,
        tz: PortalTz,
        settings: WebhookSettings,
    ) -> Result<Dispatcher, ApiError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("newsroom-webhooks/", env!("CARGO_PKG_VERSION")))
            .no_proxy();
        match &settings.proxy {
            // The proxy is the operator's own and may sit on a private address; the target is
            // checked before each send instead (`send`).
            Some(proxy) => {
                let proxy = reqwest::Proxy::all(proxy.as_str()).map_err(|e| {
                    ApiError::Internal(format!("NEWSROOM_WEBHOOK_PROXY is not a proxy URL: {e}"))
                })?;
                builder = builder.proxy(proxy);
            }
            None if !settings.allow_private => {
                builder = builder.dns_resolver(Arc::new(GuardedResolver));
            }
            None => {}
        }
        let client = builder
            .build()
            .map_err(|e| ApiError::Internal(format!("cannot build the webhook client: {e}")))?;
        Ok(Dispatcher {
            pool,
            reads,
            clock,
            tz,
            client,
            settings,
            wake: tokio::sync::Notify::new(),
        })
    }

    /// Asks the worker to look at the outbox now (a change was just committed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// How long a taken delivery stays with its worker: past it, another may take it.
    fn lease(&self) -> Span {
        Span::from_std(self.settings.timeout * 3).unwrap_or(Span::seconds(30))
    }

    /// Takes the due deliveries and sends them one after another; returns how many were
    /// attempted.
    pub async fn deliver_due(&self) -> Result<usize, ApiError> {
        let now = self.clock.now();
        let until = now + self.lease();
        // Changes every node has had time to see, so a receiver that reads the item finds it.
        let through = self.reads.announceable().unwrap_or(i64::MAX);
        let ids = crate::db::run(&self.pool, move |conn| {
            Ok(db::claim_due(conn, now, until, through, BATCH)?)
        })
        .await?;
        for id in &ids {
            self.deliver(*id).await?;
        }
        Ok(ids.len())
    }

    async fn deliver(&self, id: i64) -> Result<(), ApiError> {
        let job = crate::db::run(&self.pool, move |conn| {
            let Some((delivery, webhook)) = db::job(conn, id)? else {
                return Ok(None);
            };
            let change = crate::db::changes::find(conn, delivery.seq)?;
            Ok(change.map(|change| Job {
                delivery,
                webhook,
                change,
            }))
        })
        .await?;
        let Some(job) = job else {
            return Ok(());
        };
        let body = payload(
            &job.change,
            &job.delivery.event,
            self.tz,
            &self.settings.api_base,
        );
        let msg_id = message_id(job.change.seq);
        let started = Instant::now();
        let sent_at = self.clock.now();
        let timestamp = sent_at.and_utc().timestamp();
        let result = self
            .send(
                &job.webhook.url,
                &job.webhook.secret,
                &msg_id,
                timestamp,
                body,
            )
            .await;
        let duration_ms = started.elapsed().as_millis() as i64;
        let at = self.clock.now();
        let attempts = job.delivery.attempts + 1;
        let (status_code, error) = match &result {
            Ok(code) => (Some(i32::from(*code)), None),
            Err(message) => (None, Some(message.clone())),
        };
        let delivered = status_code.is_some_and(|c| (200..300).contains(&c));
        let gone = status_code == Some(410);
        let next = (!delivered && !gone)
            .then(|| next_delay(attempts, jitter()))
            .flatten();
        let status = if delivered {
            DELIVERED
        } else if next.is_some() {
            PENDING
        } else {
            FAILED
        };
        if delivered {
            crate::metrics::METRICS.webhook_deliveries.inc();
        } else {
            crate::metrics::METRICS.webhook_failures.inc();
            tracing::warn!(
                webhook = job.webhook.id,
                delivery = id,
                ?status_code,
                error = error.as_deref().unwrap_or(""),
                attempts,
                "webhook attempt failed"
            );
        }
        let error_text = error.or_else(|| {
            status_code
                .filter(|_| !delivered)
                .map(|c| format!("the endpoint answered {c}"))
        });
        let delivery = job.delivery.clone();
        crate::db::run(&self.pool, move |conn| {
            let outcome = AttemptOutcome {
                at,
                status_code,
                error: error_text.as_deref(),
                duration_ms,
                status,
                next_attempt_at: next.map(|wait| at + wait),
                disable: gone.then_some("the endpoint answered 410 Gone"),
            };
            Ok(db::finish(conn, &delivery, &outcome)?)
        })
        .await
    }

    /// One POST; the status code, or why there was none.
    async fn send(
        &self,
        url: &str,
        secret: &str,
        msg_id: &str,
        timestamp: i64,
        body: Vec<u8>,
    ) -> Result<u16, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("bad URL: {e}"))?;
        if !self.settings.allow_private {
            // A literal address is never resolved, so the resolver's check would not see it.
            let literal = parsed.host_str().and_then(|host| {
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .ok()
            });
            if literal.is_some_and(|ip| !is_public_address(ip)) {
                return Err("the destination is a loopback, private or link-local address".into());
            }
            if self.settings.proxy.is_some() && literal.is_none() {
                // Through a proxy the name is resolved again by the proxy: every address it
                // may pick must be public.
                let host = parsed.host_str().unwrap_or_default();
                let port = parsed.port_or_known_default().unwrap_or(443);
                let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
                    .await
                    .map_err(|e| format!("cannot resolve {host}: {e}"))?
                    .collect();
                if found.is_empty() || found.iter().any(|addr| !is_public_address(addr.ip())) {
                    return Err(format!(
                        "{host} resolves to an address that is not public (loopback, private and link-local are refused)"
                    ));
                }
            }
        }
        let signature = signature(secret, msg_id, timestamp, &body);
        let response = self
            .client
            .post(parsed)
            .header("content-type", "application/json")
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(describe)?;
        Ok(response.status().as_u16())
    }
}

/// A send error in one line, with its causes.
fn describe(error: reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}

/// A number in [-1, 1] from the OS's randomness (0 without it).
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.0;
    }
    f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX) * 2.0 - 1.0
}

/// The worker: sends due deliveries, then sleeps until the next is due (at most a second, so
/// other instances' changes and ended leases are seen) or until a change wakes it.
pub fn spawn_worker(dispatcher: Arc<Dispatcher>) {
    actix_web::rt::spawn(async move {
        let mut pruned = Instant::now();
        loop {
            if pruned.elapsed() >= Duration::from_secs(3600) {
                pruned = Instant::now();
                let before = dispatcher.clock.now() - Span::days(KEEP_DAYS);
                let pruning =
                    crate::db::run(&dispatcher.pool, move |conn| Ok(db::prune(conn, before)?));
                if let Err(error) = pruning.await {
                    tracing::warn!(%error, "cannot prune old webhook deliveries");
                }
            }
            match dispatcher.deliver_due().await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot read the webhook outbox; will retry"),
            }
            let _ =
                actix_web::rt::time::timeout(Duration::from_secs(1), dispatcher.wake.notified())
                    .await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_spans_a_day_and_retries_within_a_minute() {
        assert_eq!(next_delay(0, 0.0), None);
        assert_eq!(next_delay(1, 0.0), Some(Span::seconds(5)));
        assert!(next_delay(1, 1.0).is_some_and(|d| d < Span::minutes(1)));
        let total: i64 = (1..MAX_ATTEMPTS)
            .filter_map(|n| next_delay(n, -1.0))
            .map(|d| d.num_seconds())
            .sum();
        assert!(total >= 24 * 3600, "{total} s");
        assert_eq!(next_delay(MAX_ATTEMPTS, 0.0), None);
    }

    #[test]
    fn the_signature_is_standard_webhooks() {
        // The example of the Standard Webhooks reference libraries.
        let secret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn private_destinations_are_refused() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::",
            "198.18.0.1",
            "198.19.255.254",
            "192.0.0.8",
            "64:ff9b::7f00:1",
            "64:ff9b::808:808",
            "::7f00:1",
            "::8.8.8.8",
            "fec0::1",
            "feff::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
        ] {
            assert!(
                !is_public_address(refused.parse().expect("ip")),
                "{refused}"
            );
        }
        for allowed in [
            "203.113.131.1",
            "8.8.8.8",
            "198.20.0.1",
            "192.0.1.1",
            "2402:800::1",
            "2002:808:808::1",
        ] {
            assert!(is_public_address(allowed.parse().expect("ip")), "{allowed}");
        }
    }
}
