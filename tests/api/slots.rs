//! Curated slots: ordered placements with windows on an injected clock, invisible articles
//! skipped for the public and shown to token holders, If-Match, and cached answers that end at
//! the next window boundary.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::{delete, put};
use crate::helpers::TestApp;

fn titles(slot: &serde_json::Value) -> Vec<String> {
    slot["data"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["article"]["title"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn at(app: &TestApp, minutes: i64) -> String {
    (app.now() + chrono::Duration::minutes(minutes))
        .and_utc()
        .to_rfc3339()
}

db_test!(a_slot_shows_what_is_placed_now_and_out, |app| {
    let writer = app.writer();
    let never = app.get_ok("/api/v1/slots/home-top").await;
    assert_eq!(
        never["data"],
        json!({"name": "home-top", "version": 0, "items": []})
    );
    let editorial = app
        .with_token(&writer, TestRequest::get().uri("/api/v1/slots/home-top"))
        .await;
    assert_eq!(editorial.etag(), "\"0\"");

    let first = app
        .published_article(&writer, article("Tin đầu trang"))
        .await;
    let second = app.published_article(&writer, article("Tin thứ hai")).await;
    let later = app
        .published_article(&writer, article("Tin buổi chiều"))
        .await;
    let draft = app
        .create_article(&writer, &article("Bản nháp trang chủ"))
        .await
        .location();
    let scheduled = app
        .create_article(
            &writer,
            &with(
                article("Hẹn giờ trang chủ"),
                json!({"status": "published", "published_at": at(&app, 30)}),
            ),
        )
        .await
        .location();
    let gone = app.published_article(&writer, article("Sẽ bị xoá")).await;
    let items = json!({"items": [
        {"article": first.rsplit('/').next()},
        {"article": draft.rsplit('/').next()},
        {"article": scheduled.rsplit('/').next()},
        {"article": gone.rsplit('/').next()},
        {"article": later.rsplit('/').next(), "from": at(&app, 60), "until": at(&app, 120)},
        {"article": second.rsplit('/').next(), "until": at(&app, 90)},
    ]});
    let placed = app
        .with_token(&writer, put("/api/v1/slots/home-top", "\"0\"", &items))
        .await;
    assert_eq!(placed.status, 200, "{}", placed.text());
    assert_eq!(placed.etag(), "\"1\"");
    let deleted = app.with_token(&writer, delete(&gone, "\"1\"")).await;
    assert_eq!(deleted.status, 204);

    let public = app.get_ok("/api/v1/slots/home-top").await;
    assert_eq!(
        titles(&public),
        ["Tin đầu trang", "Tin thứ hai"],
        "drafts, scheduled, deleted and later ones skipped"
    );
    assert!(public["data"]["items"][0].get("current").is_none());
    let res = app.get("/api/v1/slots/home-top").await;
    let control = res.header("cache-control").unwrap_or("").to_owned();
    assert!(control.contains("max-age="), "{control}");
    assert!(
        res.header("x-newsroom-valid-until").is_none(),
        "the internal header stays inside"
    );

    let editorial = app
        .with_token(&writer, TestRequest::get().uri("/api/v1/slots/home-top"))
        .await;
    let all = editorial.json();
    assert_eq!(
        all["data"]["items"].as_array().map(Vec::len),
        Some(6),
        "token holders see every placement"
    );
    let current: Vec<_> = all["data"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["current"].clone())
        .collect();
    assert_eq!(
        current,
        [
            json!(true),
            json!(false),
            json!(false),
            json!(false),
            json!(false),
            json!(true)
        ]
    );

    // 40 minutes on: the scheduled article is out.
    app.clock
        .set((app.now() + chrono::Duration::minutes(40)).and_utc());
    assert_eq!(
        titles(&app.get_ok("/api/v1/slots/home-top").await),
        ["Tin đầu trang", "Hẹn giờ trang chủ", "Tin thứ hai"]
    );
    // 70: the afternoon one's window opened.
    app.clock
        .set((app.now() + chrono::Duration::minutes(30)).and_utc());
    assert_eq!(
        titles(&app.get_ok("/api/v1/slots/home-top").await),
        [
            "Tin đầu trang",
            "Hẹn giờ trang chủ",
            "Tin buổi chiều",
            "Tin thứ hai"
        ]
    );
    // 100: the second one's window closed; 130: the afternoon one's too.
    app.clock
        .set((app.now() + chrono::Duration::minutes(30)).and_utc());
    assert_eq!(
        titles(&app.get_ok("/api/v1/slots/home-top").await),
        ["Tin đầu trang", "Hẹn giờ trang chủ", "Tin buổi chiều"]
    );
    app.clock
        .set((app.now() + chrono::Duration::minutes(30)).and_utc());
    assert_eq!(
        titles(&app.get_ok("/api/v1/slots/home-top").await),
        ["Tin đầu trang", "Hẹn giờ trang chủ"]
    );
});

db_test!(slot_writes_need_publish_and_the_current_version, |app| {
    let writer = app.writer();
    let story = app.published_article(&writer, article("Tin nổi bật")).await;
    let slug = story.rsplit('/').next().expect("slug").to_owned();
    let body = json!({"items": [{"article": slug}]});
    app.with_token(
        &app.drafter(),
        put("/api/v1/slots/home-featured", "\"0\"", &body),
    )
    .await
    .problem(403, "forbidden");
    app.request(put("/api/v1/slots/home-featured", "\"0\"", &body))
        .await
        .problem(401, "unauthorized");
    let missing = app
        .with_token(
            &writer,
            TestRequest::put()
                .uri("/api/v1/slots/home-featured")
                .set_json(&body),
        )
        .await;
    missing.problem(428, "precondition-required");
    assert_eq!(
        app.with_token(&writer, put("/api/v1/slots/home-featured", "\"0\"", &body))
            .await
            .status,
        200
    );
    app.with_token(&writer, put("/api/v1/slots/home-featured", "\"0\"", &body))
        .await
        .problem(412, "precondition-failed");
    for (bad, pointer) in [
        (
            json!({"items": [{"article": "khong-co-bai-nay"}]}),
            "/items/0/article",
        ),
        (
            json!({"items": [{"article": slug, "from": "2026-11-26T10:00:00+07:00", "until": "2026-11-26T09:00:00+07:00"}]}),
            "/items/0/until",
        ),
        (
            json!({"items": vec![json!({"article": slug}); 51]}),
            "/items",
        ),
    ] {
        let problem = app
            .with_token(&writer, put("/api/v1/slots/home-featured", "\"1\"", &bad))
            .await
            .problem(422, "validation");
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{bad}");
    }
    app.get("/api/v1/slots/Home_Top")
        .await
        .problem(404, "not-found");
    // The slot's change is in the feed (public: it is public), and the cache of other
    // instances follows it.
    let feed = app.get_ok("/api/v1/changes?type=slot").await;
    assert_eq!(feed["data"][0]["slug"], "home-featured");
    assert_eq!(feed["data"][0]["action"], "created");
});

db_test!(a_cached_slot_ends_at_its_next_window_boundary, |app| {
    let writer = app.writer();
    let story = app.published_article(&writer, article("Mở cửa sổ")).await;
    let slug = story.rsplit('/').next().expect("slug").to_owned();
    let body = json!({"items": [{"article": slug, "from": at(&app, 5)}]});
    assert_eq!(
        app.with_token(&writer, put("/api/v1/slots/home-top", "\"0\"", &body))
            .await
            .status,
        200
    );
    // An instance whose entries could live an hour: only the window can end them.
    let long = app
        .another_instance_with(newsroom::api::caching::CacheSettings {
            ttl: 3600,
            max_age: 3600,
            s_maxage: 3600,
            ..Default::default()
        })
        .await;
    let before = long.get("/api/v1/slots/home-top").await;
    assert_eq!(titles(&before.json()), Vec::<String>::new());
    let control = before.header("cache-control").unwrap_or("").to_owned();
    let max_age: i64 = control
        .split(", ")
        .find_map(|part| part.strip_prefix("max-age="))
        .and_then(|v| v.parse().ok())
        .expect("max-age");
    assert!(
        max_age <= 300,
        "fresh no longer than the window's opening: {control}"
    );
    let builds = long.cache.builds();
    long.get("/api/v1/slots/home-top").await;
    assert_eq!(long.cache.builds(), builds, "cached meanwhile");
    long.clock
        .set((long.now() + chrono::Duration::minutes(6)).and_utc());
    assert_eq!(
        titles(&long.get_ok("/api/v1/slots/home-top").await),
        ["Mở cửa sổ"]
    );
});
