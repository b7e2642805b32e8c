//! Webhooks: signed deliveries to a real HTTP receiver on loopback, retries on an injected
//! clock, 410 turning an endpoint off, the outbox surviving a worker that died, two instances
//! delivering each event once, private destinations refused.

use actix_web::test::TestRequest;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::db_test;
use crate::helpers::fixtures::article;
use crate::helpers::kit::{patch, post};
use crate::helpers::TestApp;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// A webhook endpoint on loopback: answers each request with the next scripted status (200
/// once the script is spent) and keeps what it got.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(script: Vec<u16>) -> Receiver {
        Self::start_on(
            TcpListener::bind("127.0.0.1:0").expect("bind"),
            script,
            false,
        )
    }

    /// A receiver on `listener` that, when `hang_first`, reads the first request and never
    /// answers it (a delivery in flight when its sender dies).
    pub fn start_on(listener: TcpListener, script: Vec<u16>, hang_first: bool) -> Receiver {
        let url = format!(
            "http://{}/hooks/newsroom",
            listener.local_addr().expect("addr")
        );
        let got = Arc::new(Mutex::new(Vec::new()));
        let kept = got.clone();
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut headers = HashMap::new();
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    continue;
                }
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.trim_end().split_once(':') {
                        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
                    }
                }
                let length: usize = headers
                    .get("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                if hang_first && held.is_empty() {
                    held.push(stream);
                    continue;
                }
                kept.lock().expect("lock").push(Received { headers, body });
                let status = script.next().unwrap_or(200);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Receiver { url, got }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }
}

pub async fn register(app: &TestApp, admin: &str, url: &str, events: &[&str]) -> Value {
    let res = app
        .with_token(
            admin,
            post(
                "/api/v1/webhooks",
                &json!({"url": url, "events": events, "description": "Dựng lại trang chủ"}),
            ),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["data"].clone()
}

/// Checks a delivery's signature as a receiver following Standard Webhooks would.
fn verify(secret: &str, got: &Received) -> bool {
    use hmac::{KeyInit, Mac};
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 key");
    let id = &got.headers["webhook-id"];
    let timestamp = &got.headers["webhook-timestamp"];
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(&got.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    got.headers["webhook-signature"]
        .split(' ')
        .any(|sig| sig == expected)
}

async fn deliveries(app: &TestApp, admin: &str, webhook: i64) -> Vec<Value> {
    let res = app
        .with_token(
            admin,
            TestRequest::get().uri(&format!("/api/v1/webhooks/{webhook}/deliveries")),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["data"].as_array().expect("data").clone()
}

fn later(app: &TestApp, seconds: i64) {
    app.clock
        .set((app.now() + chrono::Duration::seconds(seconds)).and_utc());
}

db_test!(signed_deliveries_are_retried_until_they_succeed, |app| {
    let admin = app.token("Quản trị", &["admin"]);
    let receiver = Receiver::start(vec![500, 503]);
    let hook = register(
        &app,
        &admin,
        &receiver.url,
        &["article.published", "article.updated"],
    )
    .await;
    let secret = hook["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = hook["id"].as_i64().expect("id");
    let shown = app
        .with_token(
            &admin,
            TestRequest::get().uri(&format!("/api/v1/webhooks/{id}")),
        )
        .await;
    assert!(
        shown.json()["data"].get("secret").is_none(),
        "the secret is shown once"
    );

    let writer = app.writer();
    let location = app
        .published_article(&writer, article("Khai mạc AMCC7"))
        .await;
    assert_eq!(app.webhooks.deliver_due().await.expect("deliver"), 1);
    assert_eq!(
        app.webhooks.deliver_due().await.expect("deliver"),
        0,
        "not due again yet"
    );
    later(&app, 6);
    assert_eq!(
        app.webhooks.deliver_due().await.expect("deliver"),
        1,
        "the first retry within a minute"
    );
    later(&app, 60);
    assert_eq!(
        app.webhooks.deliver_due().await.expect("deliver"),
        0,
        "backing off"
    );
    later(&app, 6 * 60);
    assert_eq!(app.webhooks.deliver_due().await.expect("deliver"), 1);

    let got = receiver.received();
    assert_eq!(got.len(), 3);
    for attempt in &got {
        assert!(
            verify(&secret, attempt),
            "signature of {:?}",
            attempt.headers
        );
        assert_eq!(
            attempt.headers["webhook-id"], got[0].headers["webhook-id"],
            "one id for every attempt"
        );
        assert_eq!(attempt.headers["content-type"], "application/json");
    }
    let body: Value = serde_json::from_slice(&got[2].body).expect("JSON body");
    assert_eq!(body["type"], "article.published");
    assert_eq!(body["data"]["resource"], "article");
    assert_eq!(body["data"]["slug"], "khai-mac-amcc7");
    assert_eq!(body["data"]["version"], 1);
    assert_eq!(
        body["data"]["url"],
        format!("https://api.example.vn{location}")
    );
    assert!(body["timestamp"]
        .as_str()
        .is_some_and(|t| t.ends_with("+07:00")));

    let listed = deliveries(&app, &admin, id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "delivered");
    assert_eq!(listed[0]["attempts"], 3);
    assert_eq!(listed[0]["last_status"], 200);
    let codes: Vec<_> = listed[0]["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(codes, [json!(500), json!(503), json!(200)]);

    // A retry by hand sends the same message again.
    let delivery = listed[0]["id"].as_i64().expect("id");
    let retried = app
        .with_token(
            &admin,
            TestRequest::post().uri(&format!(
                "/api/v1/webhooks/{id}/deliveries/{delivery}/retry"
            )),
        )
        .await;
    assert_eq!(retried.status, 202, "{}", retried.text());
    assert_eq!(app.webhooks.deliver_due().await.expect("deliver"), 1);
    let got = receiver.received();
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].headers["webhook-id"], got[0].headers["webhook-id"]);
    assert!(verify(&secret, &got[3]));
});

db_test!(an_endpoint_that_answers_410_is_turned_off, |app| {
    let admin = app.token("Quản trị", &["admin"]);
    let receiver = Receiver::start(vec![410]);
    let hook = register(&app, &admin, &receiver.url, &["tag.created"]).await;
    let id = hook["id"].as_i64().expect("id");
    let writer = app.writer();
    app.create(&writer, "/api/v1/tags", &json!({"name": "Thẻ một"}))
        .await;
    assert_eq!(app.webhooks.deliver_due().await.expect("deliver"), 1);
    let shown = app
        .with_token(
            &admin,
            TestRequest::get().uri(&format!("/api/v1/webhooks/{id}")),
        )
        .await;
    let data = shown.json()["data"].clone();
    assert_eq!(data["enabled"], false, "{data}");
    assert!(data["disabled_reason"]
        .as_str()
        .is_some_and(|r| r.contains("410")));
    assert_eq!(deliveries(&app, &admin, id).await[0]["status"], "failed");
    app.create(&writer, "/api/v1/tags", &json!({"name": "Thẻ hai"}))
        .await;
    assert_eq!(app.webhooks.deliver_due().await.expect("deliver"), 0);
    assert_eq!(
        deliveries(&app, &admin, id).await.len(),
        1,
        "nothing queued while off"
    );

    // Turned on again by an admin.
    let version = shown.etag();
    let on = app
        .with_token(
            &admin,
            patch(
                &format!("/api/v1/webhooks/{id}"),
                &version,
                &json!({"enabled": true}),
            ),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.text());
    app.create(&writer, "/api/v1/tags", &json!({"name": "Thẻ ba"}))
        .await;
    assert_eq!(app.webhooks.deliver_due().await.expect("deliver"), 1);
    assert_eq!(receiver.received().len(), 2);
});

db_test!(a_delivery_outlives_the_worker_that_took_it, |app| {
    let admin = app.token("Quản trị", &["admin"]);
    let receiver = Receiver::start(vec![]);
    register(&app, &admin, &receiver.url, &["person.created"]).await;
    let writer = app.writer();
    let res = app
        .create(&writer, "/api/v1/people", &json!({"name": "Lê Văn Thử"}))
        .await;
    assert_eq!(res.status, 201);
    // A worker takes it and dies before sending (its lease is what is left of it).
    let now = app.now();
    let taken = newsroom::db::webhooks::claim_due(
        &mut app.conn(),
        now,
        now + chrono::Duration::seconds(15),
        i64::MAX,
        10,
    )
    .expect("claim");
    assert_eq!(taken.len(), 1);
    let other = app.another_instance().await;
    assert_eq!(
        other.webhooks.deliver_due().await.expect("deliver"),
        0,
        "still leased"
    );
    later(&other, 16);
    assert_eq!(
        other.webhooks.deliver_due().await.expect("deliver"),
        1,
        "due again when the lease ends"
    );
    assert_eq!(receiver.received().len(), 1);
});

db_test!(two_instances_deliver_each_event_once, |app| {
    let admin = app.token("Quản trị", &["admin"]);
    let receiver = Receiver::start(vec![]);
    register(&app, &admin, &receiver.url, &["tag.created"]).await;
    let writer = app.writer();
    for n in 0..24 {
        let res = app
            .create(
                &writer,
                "/api/v1/tags",
                &json!({"name": format!("Sự kiện {n}")}),
            )
            .await;
        assert_eq!(res.status, 201);
    }
    let other = app.another_instance().await;
    loop {
        let (a, b) =
            futures_util::future::join(app.webhooks.deliver_due(), other.webhooks.deliver_due())
                .await;
        if a.expect("deliver") + b.expect("deliver") == 0 {
            break;
        }
    }
    let got = receiver.received();
    let ids: HashSet<_> = got
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(ids.len(), 24);
    assert_eq!(got.len(), 24, "no event twice");
});

db_test!(private_destinations_are_refused_at_delivery_time, |app| {
    let admin = app.token("Quản trị", &["admin"]);
    let receiver = Receiver::start(vec![]);
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .expect("port");
    let guarded = newsroom::webhooks::Dispatcher::new(
        app.pool.clone(),
        app.state.reads.clone(),
        app.clock.clone(),
        newsroom::domain::time::PortalTz::default(),
        newsroom::webhooks::WebhookSettings {
            allow_private: false,
            ..Default::default()
        },
    )
    .expect("dispatcher");
    let mut hooks = Vec::new();
    for url in [
        format!("http://127.0.0.1:{port}/a"),
        format!("http://localhost:{port}/b"),
        format!("http://[::1]:{port}/c"),
        "http://169.254.169.254/latest/meta-data".to_owned(),
    ] {
        hooks.push(
            register(&app, &admin, &url, &["organization.created"]).await["id"]
                .as_i64()
                .expect("id"),
        );
    }
    let writer = app.writer();
    let res = app
        .create(
            &writer,
            "/api/v1/organizations",
            &json!({"name": "Cơ quan thử", "kind": "agency"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(guarded.deliver_due().await.expect("deliver"), 4);
    assert!(receiver.received().is_empty(), "nothing reached loopback");
    for id in hooks {
        let listed = deliveries(&app, &admin, id).await;
        let error = listed[0]["last_error"].as_str().unwrap_or("");
        assert!(
            error.contains("private") || error.contains("public address"),
            "{id}: {error}"
        );
        assert_eq!(
            listed[0]["status"], "pending",
            "retried later, in case the name changes"
        );
    }
});

db_test!(webhook_requests_are_checked, |app| {
    let admin = app.token("Quản trị", &["admin"]);
    let writer = app.writer();
    let body = json!({"url": "https://portal.example.vn/hook", "events": ["article.published"]});
    app.with_token(&writer, post("/api/v1/webhooks", &body))
        .await
        .problem(403, "forbidden");
    app.request(post("/api/v1/webhooks", &body))
        .await
        .problem(401, "unauthorized");
    for bad in [
        json!({"url": "ftp://portal.example.vn/hook", "events": ["article.published"]}),
        json!({"url": "not a url", "events": ["article.published"]}),
        json!({"url": "https://portal.example.vn/hook", "events": []}),
        json!({"url": "https://portal.example.vn/hook", "events": ["article.created"]}),
        json!({"url": "https://portal.example.vn/hook", "events": ["article.published"], "description": "x".repeat(501)}),
    ] {
        app.with_token(&admin, post("/api/v1/webhooks", &bad))
            .await
            .problem(422, "validation");
    }
    app.with_token(&admin, TestRequest::get().uri("/api/v1/webhooks/999"))
        .await
        .problem(404, "not-found");
    let listed = app
        .with_token(&admin, TestRequest::get().uri("/api/v1/webhooks"))
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.header("cache-control"), Some("private, no-store"));
});

db_test!(endpoints_are_bounded_and_old_deliveries_pruned, |app| {
    let admin = app.token("Quản trị", &["admin"]);
    let receiver = Receiver::start(vec![]);
    let first = register(&app, &admin, &receiver.url, &["tag.created"]).await;
    for n in 1..100 {
        register(
            &app,
            &admin,
            &format!("https://portal.example.vn/hook/{n}"),
            &["event.deleted"],
        )
        .await;
    }
    let over = app
        .with_token(
            &admin,
            post(
                "/api/v1/webhooks",
                &json!({"url": "https://x.example.vn/", "events": ["tag.created"]}),
            ),
        )
        .await;
    over.problem(409, "conflict");

    let writer = app.writer();
    app.create(&writer, "/api/v1/tags", &json!({"name": "Thẻ cũ"}))
        .await;
    assert_eq!(app.webhooks.deliver_due().await.expect("deliver"), 1);
    let id = first["id"].as_i64().expect("id");
    assert_eq!(deliveries(&app, &admin, id).await.len(), 1);
    let now = app.now();
    let kept = newsroom::db::webhooks::prune(&mut app.conn(), now - chrono::Duration::days(30))
        .expect("prune");
    assert_eq!(kept, 0, "a fresh delivery stays");
    let pruned = newsroom::db::webhooks::prune(&mut app.conn(), now + chrono::Duration::days(1))
        .expect("prune");
    assert_eq!(pruned, 1);
    assert!(deliveries(&app, &admin, id).await.is_empty());
});
