//! `GET /api/v1/changes`: what anonymous callers and token holders see, scheduled
//! publications entering the feed when they happen, long polling, and a mirror kept equal to
//! the source by following the feed.

use actix_web::test::TestRequest;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::{delete, patch};
use crate::helpers::TestApp;

/// Every change after `cursor` (following `next_cursor` to the end), and the cursor to go on
/// from.
async fn follow(app: &TestApp, token: Option<&str>, cursor: Option<&str>) -> (Vec<Value>, String) {
    let mut cursor = cursor.map(str::to_owned);
    let mut items = Vec::new();
    loop {
        let uri = match &cursor {
            Some(c) => format!("/api/v1/changes?per_page=7&cursor={c}"),
            None => "/api/v1/changes?per_page=7".to_owned(),
        };
        let req = TestRequest::get().uri(&uri);
        let res = match token {
            Some(token) => app.with_token(token, req).await,
            None => app.request(req).await,
        };
        assert_eq!(res.status, 200, "{}", res.text());
        let body = res.json();
        let page = body["data"].as_array().expect("data").clone();
        let next = body["meta"]["next_cursor"]
            .as_str()
            .expect("next_cursor")
            .to_owned();
        let more = body["links"]["next"].is_string();
        items.extend(page);
        cursor = Some(next);
        if !more {
            break;
        }
    }
    (items, cursor.unwrap_or_default())
}

fn actions(items: &[Value]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|i| {
            (
                i["type"].as_str().unwrap_or("").to_owned(),
                i["action"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Logs the publications that are due, as the service's watch does each second.
fn publish_due(app: &TestApp) -> usize {
    let now = app.now();
    let mut conn = app.conn();
    newsroom::db::content_transaction(&mut conn, |conn| {
        Ok(newsroom::db::changes::log_due_publications(conn, now)?)
    })
    .expect("due publications")
}

db_test!(anonymous_callers_see_what_became_visible_to_them, |app| {
    let writer = app.writer();
    let (_, public_start) = follow(&app, None, None).await;
    let (_, editor_start) = follow(&app, Some(&writer), None).await;
    let created = app
        .create_article(&writer, &article("Bản nháp về AMCC7"))
        .await;
    assert_eq!(created.status, 201);
    let path = created.location();
    let (seen, _) = follow(&app, None, Some(&public_start)).await;
    assert!(
        seen.iter().all(|i| i["type"] != "article"),
        "a draft never reaches the public feed: {seen:?}"
    );
    let edited = app
        .with_token(
            &writer,
            patch(&path, "\"1\"", &json!({"lead": "Sửa bản nháp."})),
        )
        .await;
    assert_eq!(edited.status, 200);
    let published = app
        .with_token(
            &writer,
            patch(&path, "\"2\"", &json!({"status": "published"})),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text());
    let updated = app
        .with_token(
            &writer,
            patch(&path, "\"3\"", &json!({"title": "Khai mạc AMCC7"})),
        )
        .await;
    assert_eq!(updated.status, 200);
    let archived = app
        .with_token(
            &writer,
            patch(&path, "\"4\"", &json!({"status": "archived"})),
        )
        .await;
    assert_eq!(archived.status, 200);
    let unpublished = app
        .with_token(&writer, patch(&path, "\"5\"", &json!({"status": "draft"})))
        .await;
    assert_eq!(unpublished.status, 200);
    let deleted = app.with_token(&writer, delete(&path, "\"6\"")).await;
    assert_eq!(deleted.status, 204);

    let (public, _) = follow(&app, None, Some(&public_start)).await;
    let articles: Vec<_> = actions(&public)
        .into_iter()
        .filter(|(t, _)| t == "article")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        articles,
        ["created", "updated", "updated", "deleted"],
        "publish, edit, archive, unpublish; the deletion of a draft is not theirs to see"
    );
    let (editorial, _) = follow(&app, Some(&writer), Some(&editor_start)).await;
    let articles: Vec<_> = actions(&editorial)
        .into_iter()
        .filter(|(t, _)| t == "article")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        articles,
        ["created", "updated", "updated", "updated", "updated", "updated", "deleted"]
    );
    let seqs: Vec<i64> = editorial
        .iter()
        .map(|i| i["seq"].as_i64().unwrap_or(0))
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "no gaps for token holders: {seqs:?}"
    );
    let only_tags = app.get_ok("/api/v1/changes?type=tag").await;
    assert!(only_tags["data"]
        .as_array()
        .is_some_and(|d| !d.is_empty() && d.iter().all(|i| i["type"] == "tag")));
});

db_test!(
    a_scheduled_publication_enters_the_feed_when_it_happens,
    |app| {
        let writer = app.writer();
        let (_, start) = follow(&app, None, None).await;
        let at = (app.now() + chrono::Duration::hours(1))
            .and_utc()
            .to_rfc3339();
        let body = with(
            article("Phiên hợp bàn tròn SICW"),
            json!({"status": "published", "published_at": at}),
        );
        let created = app.create_article(&writer, &body).await;
        assert_eq!(created.status, 201, "{}", created.text());
        assert_eq!(publish_due(&app), 0, "not yet");
        let (before, cursor) = follow(&app, None, Some(&start)).await;
        assert!(before.iter().all(|i| i["type"] != "article"), "{before:?}");
        let head_before = newsroom::db::changes::head(&mut app.conn()).expect("head");

        app.clock
            .set((app.now() + chrono::Duration::hours(2)).and_utc());
        assert_eq!(publish_due(&app), 1);
        assert_eq!(publish_due(&app), 0, "logged once");
        let (after, _) = follow(&app, None, Some(&cursor)).await;
        assert_eq!(
            actions(&after),
            [("article".to_owned(), "created".to_owned())]
        );
        assert_eq!(
            after[0]["seq"].as_i64(),
            Some(head_before + 1),
            "the number of the moment it was noticed, after everything the poller had seen"
        );
        assert_eq!(after[0]["slug"], "phien-hop-ban-tron-sicw");
    }
);

db_test!(long_polling_answers_when_a_change_comes, |app| {
    let (_, cursor) = follow(&app, None, None).await;
    let started = std::time::Instant::now();
    let empty = app
        .get_ok(&format!("/api/v1/changes?wait=1&cursor={cursor}"))
        .await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    assert_eq!(empty["data"], json!([]));
    assert_eq!(
        empty["meta"]["next_cursor"],
        cursor.as_str(),
        "an empty page keeps the place"
    );

    let writer = app.writer();
    let uri = format!("/api/v1/changes?wait=20&cursor={cursor}");
    let waiting = app.get(&uri);
    let writing = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
        app.create(&writer, "/api/v1/tags", &json!({"name": "Long polling"}))
            .await
    };
    let started = std::time::Instant::now();
    let (answered, written) = futures_util::future::join(waiting, writing).await;
    assert_eq!(written.status, 201);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let body = answered.json();
    assert_eq!(body["data"][0]["type"], "tag", "{body}");
    assert_eq!(body["data"][0]["action"], "created");
    assert_eq!(answered.header("cache-control"), Some("no-store"));
});

db_test!(bad_feed_parameters_are_problems, |app| {
    for query in [
        "type=story",
        "cursor=abc",
        "per_page=0",
        "per_page=101",
        "wait=31",
        "wait=-1",
        "since=1",
    ] {
        app.get(&format!("/api/v1/changes?{query}"))
            .await
            .problem(400, "invalid-parameter");
    }
});

/// An item without what other items' changes move (counts, mention links, views): those are
/// not changes of the item, and the feed does not list them as such.
fn own(mut item: Value) -> Value {
    if let Some(map) = item.as_object_mut() {
        for derived in ["article_count", "mentions", "view_count", "views"] {
            map.remove(derived);
        }
    }
    item
}

/// Asserts the mirror equals the source, naming the items that differ.
#[track_caller]
fn assert_mirrors(
    mirror: &BTreeMap<(String, i64), Value>,
    source: &BTreeMap<(String, i64), Value>,
    when: &str,
) {
    let differing: Vec<_> = source
        .keys()
        .chain(mirror.keys())
        .filter(|k| mirror.get(*k) != source.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "{when}: the mirror differs at {differing:?}"
    );
}

/// The public items of every type, by `(type, id)`, as the item endpoints serve them.
async fn public_items(app: &TestApp) -> BTreeMap<(String, i64), Value> {
    let mut items = BTreeMap::new();
    for (kind, collection) in [
        ("article", "articles"),
        ("event", "events"),
        ("person", "people"),
        ("organization", "organizations"),
        ("tag", "tags"),
    ] {
        let list = app
            .get_ok(&format!("/api/v1/{collection}?per_page=100"))
            .await;
        for entry in list["data"].as_array().expect("data") {
            let id = entry["id"].as_i64().expect("id");
            let item = app.get_ok(&format!("/api/v1/{collection}/{id}")).await;
            items.insert((kind.to_owned(), id), own(item["data"].clone()));
        }
    }
    items
}

/// What a mirroring script does with one page of changes.
async fn apply(app: &TestApp, mirror: &mut BTreeMap<(String, i64), Value>, changes: &[Value]) {
    for change in changes {
        let kind = change["type"].as_str().expect("type").to_owned();
        let id = change["id"].as_i64().expect("id");
        let collection = newsroom::domain::changes::collection_of(&kind).expect("known type");
        match change["action"].as_str() {
            Some("deleted") => {
                mirror.remove(&(kind, id));
            }
            _ => {
                let item = app.get(&format!("/api/v1/{collection}/{id}")).await;
                if item.status == 200 {
                    mirror.insert((kind, id), own(item.json()["data"].clone()));
                } else {
                    // Changed again since: a later change in the feed says what became of it.
                    mirror.remove(&(kind, id));
                }
            }
        }
    }
}

db_test!(
    a_mirror_following_the_feed_stays_equal_to_the_source,
    |app| {
        let writer = app.writer();
        let mut mirror = BTreeMap::new();
        let (changes, mut cursor) = follow(&app, None, None).await;
        apply(&app, &mut mirror, &changes).await;
        assert_mirrors(&mirror, &public_items(&app).await, "after the seed");

        // Creates, edits, a rename, deletions, a scheduled publication.
        let first = app
            .published_article(&writer, article("Hội nghị AMCC7 khai mạc"))
            .await;
        let draft = app
            .create_article(&writer, &article("Bản nháp"))
            .await
            .location();
        let person = app
            .create(
                &writer,
                "/api/v1/people",
                &json!({"name": "Nguyễn Văn Gương"}),
            )
            .await;
        assert_eq!(person.status, 201, "{}", person.text());
        let person = person.location();
        let tag = app
            .create(&writer, "/api/v1/tags", &json!({"name": "Gương mặt"}))
            .await
            .location();
        let at = (app.now() + chrono::Duration::minutes(30))
            .and_utc()
            .to_rfc3339();
        let scheduled = app
            .create_article(
                &writer,
                &with(
                    article("Lên lịch đăng"),
                    json!({"status": "published", "published_at": at}),
                ),
            )
            .await;
        assert_eq!(scheduled.status, 201);
        let (changes, next) = follow(&app, None, Some(&cursor)).await;
        cursor = next;
        apply(&app, &mut mirror, &changes).await;
        assert_mirrors(&mirror, &public_items(&app).await, "after creates");

        let renamed = app
            .with_token(
                &writer,
                patch(
                    &first,
                    "\"1\"",
                    &json!({"slug": "amcc7-khai-mac", "lead": "Sửa."}),
                ),
            )
            .await;
        assert_eq!(renamed.status, 200, "{}", renamed.text());
        let renamed_person = app
            .with_token(
                &writer,
                patch(&person, "\"1\"", &json!({"honorific": "Ông"})),
            )
            .await;
        assert_eq!(renamed_person.status, 200, "{}", renamed_person.text());
        assert_eq!(
            app.with_token(&writer, delete(&tag, "\"1\"")).await.status,
            204
        );
        assert_eq!(
            app.with_token(&writer, delete(&draft, "\"1\""))
                .await
                .status,
            204
        );
        app.clock
            .set((app.now() + chrono::Duration::hours(1)).and_utc());
        assert_eq!(publish_due(&app), 1);
        let (changes, next) = follow(&app, None, Some(&cursor)).await;
        cursor = next;
        apply(&app, &mut mirror, &changes).await;
        assert_mirrors(
            &mirror,
            &public_items(&app).await,
            "after edits, a rename, deletions and a publication",
        );

        assert_eq!(
            app.with_token(&writer, delete("/api/v1/articles/amcc7-khai-mac", "\"2\""))
                .await
                .status,
            204
        );
        let (changes, _) = follow(&app, None, Some(&cursor)).await;
        apply(&app, &mut mirror, &changes).await;
        assert_mirrors(
            &mirror,
            &public_items(&app).await,
            "after deleting a public article",
        );
    }
);

db_test!(
    instances_noticing_a_publication_together_log_it_once,
    |app| {
        let writer = app.writer();
        let at = (app.now() + chrono::Duration::minutes(5))
            .and_utc()
            .to_rfc3339();
        for n in 0..3 {
            let body = with(
                article(&format!("Cùng lúc {n}")),
                json!({"status": "published", "published_at": at}),
            );
            assert_eq!(app.create_article(&writer, &body).await.status, 201);
        }
        app.clock
            .set((app.now() + chrono::Duration::minutes(10)).and_utc());
        let now = app.now();
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let pool = app.pool.clone();
                std::thread::spawn(move || {
                    let mut conn = pool.get().expect("connection");
                    newsroom::db::content_transaction(&mut conn, |conn| {
                        Ok(newsroom::db::changes::log_due_publications(conn, now)?)
                    })
                    .expect("due publications")
                })
            })
            .collect();
        let logged: usize = workers.into_iter().map(|w| w.join().expect("worker")).sum();
        assert_eq!(
            logged, 3,
            "each publication logged by exactly one of the instances"
        );
    }
);

db_test!(
    a_feed_page_is_kept_here_until_the_log_moves_and_never_downstream,
    |app| {
        let uri = "/api/v1/changes?per_page=100";
        let first = app.get(uri).await;
        assert_eq!(first.status, 200);
        assert_eq!(first.header("cache-control"), Some("no-store"));
        assert!(first.header("x-newsroom-no-store-downstream").is_none());
        let builds = app.cache.builds();
        let again = app.get(uri).await;
        assert_eq!(again.body, first.body);
        assert_eq!(app.cache.builds(), builds, "a hit");
        assert_eq!(again.header("cache-control"), Some("no-store"));
        // A write moves the log: the next page read shows it.
        let created = app
            .create(
                &app.writer(),
                "/api/v1/tags",
                &json!({"name": "Trang mới của nguồn"}),
            )
            .await;
        assert_eq!(created.status, 201);
        let after = app.get_ok(uri).await;
        let last = after["data"].as_array().and_then(|d| d.last()).cloned();
        assert_eq!(
            last.map(|c| c["type"].clone()),
            Some(json!("tag")),
            "{after}"
        );
    }
);
