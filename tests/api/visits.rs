//! Visit counting: the stored totals after a flush, with an injected clock.

use actix_web::test::TestRequest;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{Resp, TestApp};

const ARTICLE: &str =
    "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7";
const READER: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1";

/// A beacon from `ip` (the socket peer) with a reader's User-Agent.
async fn beacon(app: &TestApp, ip: &str, body: Value) -> Resp {
    beacon_as(app, ip, READER, None, body).await
}

async fn beacon_as(
    app: &TestApp,
    ip: &str,
    ua: &str,
    forwarded: Option<&str>,
    body: Value,
) -> Resp {
    let mut req = TestRequest::post()
        .uri("/api/v1/visits")
        .peer_addr(format!("{ip}:40000").parse().expect("addr"))
        .insert_header(("Content-Type", "text/plain;charset=UTF-8"))
        .insert_header(("User-Agent", ua))
        .set_payload(body.to_string());
    if let Some(xff) = forwarded {
        req = req.insert_header(("X-Forwarded-For", xff));
    }
    let res = app.request(req).await;
    assert_eq!(res.status, 202, "{}", String::from_utf8_lossy(&res.body));
    res
}

async fn totals(app: &TestApp) -> Value {
    app.get_ok("/api/v1/stats/visits").await["data"].clone()
}

fn at(app: &TestApp, local: &str) {
    let t: DateTime<Utc> = DateTime::parse_from_rfc3339(local)
        .expect("time")
        .with_timezone(&Utc);
    app.clock.set(t);
}

db_test!(a_reload_within_the_window_counts_once, |app| {
    at(&app, "2026-11-25T10:00:00+07:00");
    let page = json!({"path": "/bai-viet/amcc7", "article": ARTICLE});
    beacon(&app, "203.0.113.1", page.clone()).await;
    beacon(&app, "203.0.113.1", page.clone()).await;
    app.flush();
    at(&app, "2026-11-25T10:29:00+07:00");
    beacon(&app, "203.0.113.1", page.clone()).await;
    app.flush();
    let t = totals(&app).await;
    assert_eq!(
        (t["today"].as_i64(), t["visitors_today"].as_i64()),
        (Some(1), Some(1))
    );
    at(&app, "2026-11-25T10:31:00+07:00");
    beacon(&app, "203.0.113.1", page.clone()).await;
    beacon(&app, "203.0.113.2", page).await;
    app.flush();
    let t = totals(&app).await;
    assert_eq!(t["today"], 3);
    assert_eq!(t["visitors_today"], 2);
    assert_eq!(t["total"], 1003, "the baseline of 1000 is added");
    assert_eq!(t["online_now"], 2);
    assert_eq!(t["time_zone"], "Asia/Ho_Chi_Minh");
    let article = app.get_ok(&format!("/api/v1/articles/{ARTICLE}")).await;
    assert_eq!(article["data"]["view_count"], 3);
    let preview = app.token("preview", &["content:preview"]);
    let editorial = app
        .with_token(
            &preview,
            TestRequest::get().uri(&format!("/api/v1/articles/{ARTICLE}")),
        )
        .await
        .json();
    assert!(
        editorial["data"].get("view_count").is_none(),
        "the editorial representation has no counts"
    );
});

db_test!(days_turn_at_portal_local_midnight_with_a_new_salt, |app| {
    let page = json!({"path": "/"});
    at(&app, "2026-11-24T23:59:00+07:00");
    beacon(&app, "203.0.113.9", page.clone()).await;
    app.flush();
    at(&app, "2026-11-25T00:01:00+07:00");
    beacon(&app, "203.0.113.9", page).await;
    app.flush();
    let t = totals(&app).await;
    assert_eq!(
        (t["today"].as_i64(), t["yesterday"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        t["visitors_today"], 1,
        "the same reader is a new visitor on a new day"
    );
    assert_eq!(t["this_week"], 2, "Monday 23 Nov starts the week");
    let salts: i64 = {
        use diesel::prelude::*;
        newsroom::db::schema::visit_salts::table
            .count()
            .get_result(&mut **app.conn())
            .expect("count")
    };
    assert_eq!(salts, 2);
});

db_test!(bots_budgets_and_invisible_articles_count_nothing, |app| {
    at(&app, "2026-11-25T09:00:00+07:00");
    beacon_as(
        &app,
        "203.0.113.3",
        "Mozilla/5.0 (compatible; Googlebot/2.1)",
        None,
        json!({"path": "/"}),
    )
    .await;
    beacon_as(&app, "203.0.113.3", "", None, json!({"path": "/"})).await;
    beacon(
        &app,
        "203.0.113.3",
        json!({"path": "/x", "article": "khong-co-bai-nay"}),
    )
    .await;
    beacon(&app, "203.0.113.3", json!({"path": "/x", "article": 999})).await;
    for i in 0..70 {
        beacon(&app, "203.0.113.4", json!({"path": format!("/trang/{i}")})).await;
    }
    app.flush();
    let t = totals(&app).await;
    assert_eq!(t["today"], 60, "one IP gets 60 counted views a minute");
    app.clock
        .set((app.clock.now() + Duration::minutes(1)).and_utc());
    beacon(&app, "203.0.113.4", json!({"path": "/trang/moi"})).await;
    app.flush();
    assert_eq!(totals(&app).await["today"], 61);
});

db_test!(forwarded_for_counts_only_behind_a_trusted_proxy, |app| {
    at(&app, "2026-11-25T09:00:00+07:00");
    for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        beacon_as(&app, "10.0.0.1", READER, Some(client), json!({"path": "/"})).await;
        beacon_as(
            &app,
            "192.0.2.50",
            READER,
            Some(client),
            json!({"path": "/"}),
        )
        .await;
    }
    app.flush();
    let t = totals(&app).await;
    assert_eq!(
        t["visitors_today"], 4,
        "three behind the proxy, one spoofing directly"
    );
});

db_test!(bad_beacons_are_400_and_good_ones_202, |app| {
    let post = |content_type: &'static str, body: &'static str| {
        TestRequest::post()
            .uri("/api/v1/visits")
            .insert_header(("Content-Type", content_type))
            .set_payload(body)
    };
    app.request(post("text/plain", "not json"))
        .await
        .problem(400, "invalid-body");
    app.request(post("text/plain", "[1]"))
        .await
        .problem(400, "invalid-body");
    app.request(post("application/json", "{\"path\": 5}"))
        .await
        .problem(400, "invalid-body");
    app.request(post("application/json", "{\"path\": \"no-slash\"}"))
        .await
        .problem(400, "invalid-body");
    app.request(post("application/json", "{\"path\": \"/\", \"extra\": 1}"))
        .await
        .problem(400, "invalid-body");
    app.request(post(
        "application/json",
        "{\"path\": \"/\", \"article\": true}",
    ))
    .await
    .problem(400, "invalid-body");
    app.request(post("application/xml", "<a/>"))
        .await
        .problem(415, "unsupported-media-type");
    let long: &'static str =
        Box::leak(format!("{{\"path\": \"/{}\"}}", "a".repeat(600)).into_boxed_str());
    let problem = app
        .request(post("application/json", long))
        .await
        .problem(400, "invalid-body");
    assert_eq!(problem["errors"][0]["pointer"], "/path");
    let big: &'static str =
        Box::leak(format!("{{\"path\": \"/{}\"}}", "a".repeat(17000)).into_boxed_str());
    app.request(post("application/json", big))
        .await
        .problem(413, "payload-too-large");
    let ok = app
        .request(post(
            "application/json",
            "{\"path\": \"/\", \"referrer\": \"https://google.com/\"}",
        ))
        .await;
    assert_eq!(ok.status, 202);
    assert!(ok.body.is_empty());
});

db_test!(a_thousand_concurrent_beacons_count_exactly, |app| {
    at(&app, "2026-11-25T09:00:00+07:00");
    let requests: Vec<_> = (0..1000)
        .map(|i| {
            let client = format!("198.51.{}.{}", i / 250, i % 250 + 1);
            let body = json!({"path": format!("/trang/{}", i % 10), "article": if i % 2 == 0 { json!(ARTICLE) } else { Value::Null }});
            let req = TestRequest::post()
                .uri("/api/v1/visits")
                .peer_addr("10.0.0.1:40000".parse().expect("addr"))
                .insert_header(("Content-Type", "application/json"))
                .insert_header(("User-Agent", READER))
                .insert_header(("X-Forwarded-For", client))
                .set_payload(body.to_string());
            app.request(req)
        })
        .collect();
    for res in futures_util::future::join_all(requests).await {
        assert_eq!(res.status, 202);
    }
    assert_eq!(app.visits.pending(), 1000);
    let flushed = app.flush();
    assert_eq!((flushed.views, flushed.visitors), (1000, 1000));
    let t = totals(&app).await;
    assert_eq!(
        (t["today"].as_i64(), t["visitors_today"].as_i64()),
        (Some(1000), Some(1000))
    );
    let popular = app
        .get_ok("/api/v1/stats/articles/popular?period=day&limit=5")
        .await;
    assert_eq!(popular["data"][0]["slug"], ARTICLE);
    assert_eq!(popular["data"][0]["views"], 500);
    assert!(popular["data"][0].get("body").is_none());
    let sorted = app
        .get_ok("/api/v1/articles?sort=-view_count&fields=view_count")
        .await;
    assert_eq!(sorted["data"][0]["view_count"], 500);
    app.get("/api/v1/stats/articles/popular?period=year")
        .await
        .problem(400, "invalid-parameter");
    app.get("/api/v1/stats/articles/popular?limit=51")
        .await
        .problem(400, "invalid-parameter");
});

db_test!(two_instances_on_one_database_dedupe_exactly, |app| {
    at(&app, "2026-11-25T09:00:00+07:00");
    let other = app.another_instance().await;
    let page = json!({"path": "/bai-viet", "article": ARTICLE});
    beacon(&app, "203.0.113.20", page.clone()).await;
    beacon(&other, "203.0.113.20", page.clone()).await;
    beacon(&other, "203.0.113.21", page).await;
    app.flush();
    other.flush();
    let t = totals(&app).await;
    assert_eq!(
        (t["today"].as_i64(), t["visitors_today"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(totals(&other).await["today"], 2);
});

db_test!(
    a_beacon_counts_for_the_article_as_it_is_at_the_flush,
    |app| {
        use crate::helpers::{fixtures, kit};
        at(&app, "2026-11-25T09:00:00+07:00");
        let writer = app.writer();
        let created = app
            .create_article(&writer, &fixtures::article("Bài nháp về an ninh mạng"))
            .await;
        assert_eq!(created.status, 201);
        let location = created.location();
        let draft = created.json();
        let slug = draft["data"]["slug"].as_str().expect("slug").to_owned();
        let id = draft["data"]["id"].as_i64().expect("id");
        beacon(
            &app,
            "203.0.113.5",
            json!({"path": "/nhap", "article": slug}),
        )
        .await;
        beacon(&app, "203.0.113.6", json!({"path": "/nhap", "article": id})).await;
        assert_eq!(app.flush().views, 0, "a draft counts nothing");

        let published = app
            .with_token(
                &writer,
                kit::patch(&location, &created.etag(), &json!({"status": "published"})),
            )
            .await;
        assert_eq!(published.status, 200);
        beacon(
            &app,
            "203.0.113.5",
            json!({"path": "/moi", "article": slug}),
        )
        .await;
        beacon(&app, "203.0.113.6", json!({"path": "/moi", "article": id})).await;
        let flushed = app.flush();
        assert_eq!(
            flushed.views, 2,
            "published since start, found by slug and by id"
        );
        let popular = app.get_ok("/api/v1/stats/articles/popular").await;
        assert_eq!(popular["data"][0]["slug"], slug.as_str());
        assert_eq!(popular["data"][0]["views"], 2);
    }
);

db_test!(the_beacon_spec_states_the_limits_the_code_applies, |app| {
    let spec: Value = serde_json::from_str(&newsroom::openapi::spec_json()).expect("spec");
    let fields = &spec["components"]["schemas"]["Beacon"]["properties"];
    for field in ["path", "referrer"] {
        assert_eq!(fields[field]["maxLength"], 512, "{field}");
    }
    let longest = format!("/{}", "a".repeat(511));
    beacon(
        &app,
        "203.0.113.9",
        json!({"path": longest, "referrer": "r".repeat(512)}),
    )
    .await;
    let req = TestRequest::post()
        .uri("/api/v1/visits")
        .peer_addr("203.0.113.9:40000".parse().expect("addr"))
        .insert_header(("Content-Type", "text/plain"))
        .insert_header(("User-Agent", READER))
        .set_payload(json!({"path": format!("/{}", "a".repeat(512))}).to_string());
    app.request(req).await.problem(400, "invalid-body");
});
