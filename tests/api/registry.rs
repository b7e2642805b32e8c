//! Every resource goes through the shared machinery (decision 0018): these tests walk the
//! resource descriptors, so a resource added to `domain::resources::RESOURCES` without its
//! item key, its events or its visibility fails here.

use actix_web::test::TestRequest;
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::{delete, put};
use crate::helpers::TestApp;
use newsroom::domain::resources::RESOURCES;

/// One public item of each public resource, made through the API: its read URL and its id.
async fn one_of_each(app: &TestApp, writer: &str) -> Vec<(&'static str, String, i64)> {
    let mut made = Vec::new();
    for resource in RESOURCES.iter().filter(|r| r.public) {
        let (path, id) = match resource.kind {
            "slot" => {
                let placed = app
                    .with_token(
                        writer,
                        put(
                            "/api/v1/slots/home-top",
                            "\"0\"",
                            &json!({"items": [{"article": 1}]}),
                        ),
                    )
                    .await;
                assert_eq!(placed.status, 200, "{}", placed.text());
                let id = first_id(app, "SELECT id AS value FROM slots WHERE name = 'home-top'");
                ("/api/v1/slots/home-top".to_owned(), id)
            }
            "article" => {
                let location = app.published_article(writer, article("Bài có khoá")).await;
                let id = app.get_ok(&location).await["data"]["id"]
                    .as_i64()
                    .expect("id");
                (location, id)
            }
            "tag" => {
                // A tag is public while a public article carries it.
                app.published_article(
                    writer,
                    with(article("Bài gắn thẻ"), json!({"tags": ["Thẻ có khoá"]})),
                )
                .await;
                let location = "/api/v1/tags/the-co-khoa".to_owned();
                let id = app.get_ok(&location).await["data"]["id"]
                    .as_i64()
                    .expect("id");
                (location, id)
            }
            kind => {
                let body = match kind {
                    "organization" => json!({"name": "Tổ chức có khoá", "kind": "agency"}),
                    "person" => json!({"name": "Người có khoá"}),
                    "event" => json!({"name": "Sự kiện có khoá"}),
                    "section" => json!({"name": "Chuyên mục có khoá"}),
                    "author" => json!({"name": "Tác giả có khoá"}),
                    other => panic!("no fixture for the public resource `{other}`: add one here"),
                };
                let created = app
                    .create(writer, &format!("/api/v1/{}", resource.collection), &body)
                    .await;
                assert_eq!(created.status, 201, "{kind}: {}", created.text());
                let id = created.json()["data"]["id"].as_i64().expect("id");
                (created.location(), id)
            }
        };
        made.push((resource.kind, path, id));
    }
    made
}

#[derive(diesel::QueryableByName)]
struct Number {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value: i64,
}

fn first_id(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .load::<Number>(&mut **app.conn())
        .expect("query")
        .first()
        .expect("a row")
        .value
}

db_test!(every_public_item_response_names_its_item_key, |app| {
    let writer = app.writer();
    let made = one_of_each(&app, &writer).await;
    assert_eq!(made.len(), RESOURCES.iter().filter(|r| r.public).count());
    for (kind, path, id) in made {
        let read = app.get(&path).await;
        assert_eq!(read.status, 200, "{path}: {}", read.text());
        let keys: Vec<&str> = read
            .header("surrogate-key")
            .unwrap_or_else(|| panic!("{path} carries no Surrogate-Key"))
            .split(' ')
            .collect();
        let wanted = format!("{kind}-{id}");
        assert!(
            keys.contains(&wanted.as_str()),
            "{path}: {keys:?} lacks {wanted}"
        );
        let tags = read.header("cache-tag").expect("Cache-Tag");
        assert!(tags.split(',').any(|t| t == wanted), "{path}: {tags}");
    }
});

db_test!(
    sections_authors_and_slots_fire_their_webhook_events,
    |app| {
        let writer = app.writer();
        let admin = app.token("Quản trị", &["admin"]);
        // Every declared event can be subscribed to.
        let events = newsroom::domain::resources::event_names();
        assert!(events.contains(&"section.created".to_owned()));
        let subscribed = app
            .create(
                &admin,
                "/api/v1/webhooks",
                &json!({"url": "https://hooks.example.vn/newsroom", "events": events}),
            )
            .await;
        assert_eq!(subscribed.status, 201, "{}", subscribed.text());

        let section = app
            .create(&writer, "/api/v1/sections", &json!({"name": "Quốc tế"}))
            .await;
        assert_eq!(section.status, 201, "{}", section.text());
        let renamed = app
            .with_token(
                &writer,
                crate::helpers::kit::patch(
                    &section.location(),
                    "\"1\"",
                    &json!({"name": "Thế giới"}),
                ),
            )
            .await;
        assert_eq!(renamed.status, 200, "{}", renamed.text());
        let gone = app
            .with_token(&writer, delete(&section.location(), "\"2\""))
            .await;
        assert_eq!(gone.status, 204, "{}", gone.text());
        let author = app
            .create(&writer, "/api/v1/authors", &json!({"name": "Trần Thị Tin"}))
            .await;
        assert_eq!(author.status, 201, "{}", author.text());
        let gone = app
            .with_token(&writer, delete(&author.location(), "\"1\""))
            .await;
        assert_eq!(gone.status, 204, "{}", gone.text());
        for version in ["\"0\"", "\"1\""] {
            let placed = app
                .with_token(
                    &writer,
                    put(
                        "/api/v1/slots/home-top",
                        version,
                        &json!({"items": [{"article": 1}]}),
                    ),
                )
                .await;
            assert_eq!(placed.status, 200, "{}", placed.text());
        }

        #[derive(diesel::QueryableByName)]
        struct Fired {
            #[diesel(sql_type = diesel::sql_types::Text)]
            event: String,
        }
        let fired: Vec<String> =
            diesel::sql_query("SELECT d.event FROM webhook_deliveries d ORDER BY d.id")
                .load::<Fired>(&mut **app.conn())
                .expect("deliveries")
                .into_iter()
                .map(|f| f.event)
                .collect();
        assert_eq!(
            fired,
            [
                "section.created",
                "section.updated",
                "section.deleted",
                "author.created",
                "author.deleted",
                "slot.updated",
                "slot.updated",
            ]
        );
    }
);

/// The slugs and titles of articles the public must never see, anywhere.
struct Hidden {
    slugs: Vec<String>,
}

impl Hidden {
    #[track_caller]
    fn absent_from(&self, what: &str, body: &[u8]) {
        let text = String::from_utf8_lossy(body);
        for slug in &self.slugs {
            assert!(
                !text.contains(slug.as_str()),
                "{what} shows `{slug}`: {text}"
            );
        }
    }
}

db_test!(
    no_read_path_shows_a_draft_a_scheduled_or_a_deleted_article,
    |app| {
        let writer = app.writer();
        let tomorrow = (app.now() + chrono::Duration::days(1))
            .and_utc()
            .to_rfc3339();
        let section = app
            .create(&writer, "/api/v1/sections", &json!({"name": "Bí mật"}))
            .await;
        assert_eq!(section.status, 201, "{}", section.text());
        let author = app
            .create(
                &writer,
                "/api/v1/authors",
                &json!({"name": "Phóng viên Bí Mật"}),
            )
            .await;
        assert_eq!(author.status, 201, "{}", author.text());
        let linked = json!({"section": "bi-mat", "authors": ["phong-vien-bi-mat"], "tags": ["kín"],
                        "events": ["amcc7"], "people": ["to-lam"], "organizations": ["asean"]});
        let draft = app
            .create_article(&writer, &with(article("Nháp tuyệt mật"), linked.clone()))
            .await
            .location();
        let scheduled = app
            .create_article(
                &writer,
                &with(
                    article("Hẹn giờ tuyệt mật"),
                    with(
                        linked.clone(),
                        json!({"status": "published", "published_at": tomorrow}),
                    ),
                ),
            )
            .await
            .location();
        let deleted = app
            .published_article(&writer, with(article("Đã xoá tuyệt mật"), linked.clone()))
            .await;
        let slug = |location: &str| location.rsplit('/').next().expect("slug").to_owned();
        let hidden = Hidden {
            slugs: vec![slug(&draft), slug(&scheduled), slug(&deleted)],
        };
        // A public article that pins all three, and a slot that places them.
        let public = app
            .published_article(
                &writer,
                with(
                    article("Bài công khai"),
                    with(
                        linked,
                        json!({"related": [slug(&draft), slug(&scheduled), slug(&deleted)]}),
                    ),
                ),
            )
            .await;
        let placed = app
        .with_token(
            &writer,
            put(
                "/api/v1/slots/home-top",
                "\"0\"",
                &json!({"items": [{"article": slug(&draft)}, {"article": slug(&scheduled)}, {"article": slug(&deleted)}, {"article": slug(&public)}]}),
            ),
        )
        .await;
        assert_eq!(placed.status, 200, "{}", placed.text());
        let etag = app
            .with_token(&writer, TestRequest::get().uri(&deleted))
            .await
            .etag();
        let removed = app.with_token(&writer, delete(&deleted, &etag)).await;
        assert_eq!(removed.status, 204, "{}", removed.text());
        // A preview link of yet another draft: it must show that draft and nothing else unseen.
        let previewed = app
            .create_article(
                &writer,
                &with(
                    article("Bản nháp được xem trước"),
                    json!({"related": [slug(&draft), slug(&scheduled), slug(&public)]}),
                ),
            )
            .await
            .location();
        let link = app
            .with_token(
                &writer,
                TestRequest::post().uri(&format!("{previewed}/preview-links")),
            )
            .await;
        assert_eq!(link.status, 201, "{}", link.text());
        let url = link.json()["data"]["url"].as_str().expect("url").to_owned();
        let preview = url[url.find("/api/v1/previews/").expect("preview path")..].to_owned();
        app.poll_changes();

        let section_id = section.json()["data"]["id"].as_i64().expect("id");
        let author_id = author.json()["data"]["id"].as_i64().expect("id");
        let paths = [
            "/api/v1/articles".to_owned(),
            "/api/v1/articles?per_page=100&include=events,people,organizations".to_owned(),
            "/api/v1/articles?section=bi-mat".to_owned(),
            "/api/v1/articles?author=phong-vien-bi-mat".to_owned(),
            "/api/v1/articles?tag=kin".to_owned(),
            "/api/v1/articles?q=tuyet+mat".to_owned(),
            public.clone(),
            format!("{public}?include=events"),
            format!("{public}/related"),
            "/api/v1/events/amcc7/articles".to_owned(),
            "/api/v1/people/to-lam/articles".to_owned(),
            "/api/v1/organizations/asean".to_owned(),
            format!("/api/v1/sections/{section_id}/articles"),
            format!("/api/v1/authors/{author_id}/articles"),
            format!("/api/v1/sections/{section_id}"),
            format!("/api/v1/authors/{author_id}"),
            "/api/v1/search?q=tuy%E1%BB%87t+m%E1%BA%ADt".to_owned(),
            "/api/v1/search?q=mat".to_owned(),
            "/api/v1/slots/home-top".to_owned(),
            "/api/v1/stats/articles/popular".to_owned(),
            "/feeds/articles.rss".to_owned(),
            "/feeds/articles.atom".to_owned(),
            "/feeds/articles.json".to_owned(),
            "/sitemaps/news.xml".to_owned(),
            "/sitemaps/articles-1.xml".to_owned(),
        ];
        for path in &paths {
            let read = app.get(path).await;
            assert_eq!(read.status, 200, "{path}: {}", read.text());
            hidden.absent_from(path, &read.body);
        }
        // The change feed tells the public of the deletion of what it saw, and of nothing else.
        let changes = app.get("/api/v1/changes?per_page=100").await;
        assert_eq!(changes.status, 200);
        Hidden {
            slugs: vec![slug(&draft), slug(&scheduled), slug(&previewed)],
        }
        .absent_from("the change feed", &changes.body);
        let opened = app.get(&preview).await;
        assert_eq!(opened.status, 200, "{}", opened.text());
        let shown: Value = opened.json();
        assert_eq!(shown["data"]["title"], "Bản nháp được xem trước");
        hidden.absent_from("the preview", &opened.body);
        assert_eq!(
            shown["data"]["related"],
            json!([{"id": app.get_ok(&public).await["data"]["id"], "slug": slug(&public), "title": "Bài công khai"}]),
            "the preview names only what the public may see"
        );
        // Each hidden article itself: 404, or 410 once deleted.
        for (location, status) in [(&draft, 404), (&scheduled, 404), (&deleted, 410)] {
            assert_eq!(app.get(location).await.status, status, "{location}");
        }
    }
);

db_test!(only_publishers_make_preview_links, |app| {
    let writer = app.writer();
    let draft = app
        .create_article(&writer, &article("Nháp cần xem trước"))
        .await
        .location();
    let preview = app.token("Xem trước", &["content:preview"]);
    let drafter = app.drafter();
    for token in [&preview, &drafter] {
        app.with_token(
            token,
            TestRequest::post().uri(&format!("{draft}/preview-links")),
        )
        .await
        .problem(403, "forbidden");
    }
    let admin = app.token("Quản trị", &["admin"]);
    for token in [&writer, &admin] {
        let made = app
            .with_token(
                token,
                TestRequest::post().uri(&format!("{draft}/preview-links")),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text());
    }
});
