//! Stored public representations (decision 0020): the bytes a rendering gives, kept and served
//! until something they show changes, with the view count added when read; never what the
//! public may not see, never past a scheduled publication, never older than a write that
//! committed before the read began.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::patch;
use crate::helpers::TestApp;
use newsroom::api::caching::CacheSettings;

/// Every field of an article but the body: `fields=` with them all makes the list path build its
/// entries as before, never from the store.
const SUMMARY_FIELDS: &str = "slug,title,lead,cover,source,byline,language,status,published_at,tags,related,translation_of,translations,authors,section,sections,events,people,organizations,mentions,mention_exclusions,view_count,version,created_at,updated_at";

/// An instance on the same database with no response cache: every read reaches the database.
async fn uncached(app: &TestApp) -> TestApp {
    app.another_instance_with(CacheSettings {
        max_bytes: 0,
        ..CacheSettings::default()
    })
    .await
}

fn stored(app: &TestApp) -> i64 {
    newsroom::db::renditions::count(&mut app.conn()).expect("count")
}

/// `PATCH` of `url` at the version a GET with the token just read; it must succeed.
async fn edit(app: &TestApp, token: &str, url: &str, changes: Value) {
    let read = app
        .with_token(token, TestRequest::get().uri(url))
        .await
        .etag();
    let edited = app.with_token(token, patch(url, &read, &changes)).await;
    assert_eq!(edited.status, 200, "{}", edited.text());
}

/// The article's stored representations forgotten, as a change to it would.
fn forget(app: &TestApp, id: i64) {
    newsroom::db::renditions::forget(&mut app.conn(), &format!("article-{id}")).expect("forget");
}

db_test!(
    stored_representations_are_the_bytes_a_rendering_gives,
    |app| {
        let reader = uncached(&app).await;
        let listed = reader.get("/api/v1/articles?per_page=100").await;
        assert_eq!(listed.status, 200);
        let summaries = listed.json()["data"].as_array().expect("data").clone();
        assert!(summaries.len() >= 2, "the fixtures have articles");
        assert!(
            stored(&app) >= summaries.len() as i64,
            "the list stored its summaries"
        );
        // From the store: the same bytes; built field by field: the same JSON.
        let again = reader.get("/api/v1/articles?per_page=100").await;
        assert_eq!(again.body, listed.body);
        let built = reader
            .get_ok(&format!(
                "/api/v1/articles?per_page=100&fields={SUMMARY_FIELDS}"
            ))
            .await;
        assert_eq!(built["data"], listed.json()["data"]);
        for summary in &summaries {
            let url = format!(
                "/api/v1/articles/{}",
                summary["slug"].as_str().expect("slug")
            );
            let first = reader.get(&url).await;
            assert_eq!(first.status, 200);
            let kept = reader.get(&url).await;
            assert_eq!(
                kept.body, first.body,
                "{url}: the stored bytes are the rendered ones"
            );
            assert_eq!(kept.header("surrogate-key"), first.header("surrogate-key"));
            let built = reader
                .get_ok(&format!("{url}?fields={SUMMARY_FIELDS},body"))
                .await;
            assert_eq!(
                built,
                first.json(),
                "{url}: as the field-by-field path builds it"
            );
            // Rendered again from nothing: the same bytes again.
            forget(&app, summary["id"].as_i64().expect("id"));
            assert_eq!(reader.get(&url).await.body, first.body);
        }
    }
);

db_test!(a_change_to_what_an_article_shows_renders_it_again, |app| {
    let reader = uncached(&app).await;
    let writer = app.writer();
    let url = app
        .published_article(
            &writer,
            with(article("Bài có thẻ"), json!({"tags": ["Thẻ cũ"]})),
        )
        .await;
    let shown = reader.get_ok(&url).await;
    assert_eq!(shown["data"]["tags"][0]["name"], "Thẻ cũ");
    let listed = reader.get_ok("/api/v1/articles?tag=the-cu").await;
    assert_eq!(listed["data"][0]["tags"][0]["name"], "Thẻ cũ");
    // The tag is renamed: the article and its summary show the new name at once.
    edit(
        &app,
        &writer,
        "/api/v1/tags/the-cu",
        json!({"name": "Thẻ mới"}),
    )
    .await;
    assert_eq!(
        reader.get_ok(&url).await["data"]["tags"][0]["name"],
        "Thẻ mới"
    );
    let listed = reader.get_ok("/api/v1/articles?tag=the-cu").await;
    assert_eq!(listed["data"][0]["tags"][0]["name"], "Thẻ mới");
    // The source's name too.
    let source = json!({"name": "Thông tấn xã Việt Nam (TTXVN)"});
    edit(&app, &writer, "/api/v1/organizations/ttxvn", source).await;
    assert_eq!(
        reader.get_ok(&url).await["data"]["source"]["name"],
        "Thông tấn xã Việt Nam (TTXVN)"
    );
    // The article itself edited shows its new title.
    edit(&app, &writer, &url, json!({"title": "Bài có thẻ, sửa lại"})).await;
    assert_eq!(
        reader.get_ok(&url).await["data"]["title"],
        "Bài có thẻ, sửa lại"
    );
});

db_test!(view_counts_are_added_when_read, |app| {
    use diesel::prelude::*;
    use newsroom::db::schema::{articles, renditions};
    let reader = uncached(&app).await;
    let listed = reader.get_ok("/api/v1/articles?per_page=1").await;
    let slug = listed["data"][0]["slug"].as_str().expect("slug").to_owned();
    let url = format!("/api/v1/articles/{slug}");
    let before = reader.get_ok(&url).await;
    let rendered_at: Vec<chrono::NaiveDateTime> = renditions::table
        .select(renditions::rendered_at)
        .load(&mut **app.conn())
        .expect("times");
    // What the visit flush does: no content write, no change logged.
    diesel::update(articles::table.filter(articles::slug.eq(&slug)))
        .set(articles::view_count.eq(articles::view_count + 1520))
        .execute(&mut **app.conn())
        .expect("count");
    let after = reader.get_ok(&url).await;
    assert_eq!(
        after["data"]["view_count"].as_i64(),
        before["data"]["view_count"].as_i64().map(|n| n + 1520)
    );
    let listed = reader.get_ok("/api/v1/articles?per_page=1").await;
    assert_eq!(listed["data"][0]["view_count"], after["data"]["view_count"]);
    let again: Vec<chrono::NaiveDateTime> = renditions::table
        .select(renditions::rendered_at)
        .load(&mut **app.conn())
        .expect("times");
    assert_eq!(again, rendered_at, "nothing was rendered again");
});

db_test!(
    a_related_article_scheduled_for_later_appears_at_its_moment,
    |app| {
        let reader = uncached(&app).await;
        let writer = app.writer();
        let in_an_hour = (app.now() + chrono::Duration::hours(1))
            .and_utc()
            .to_rfc3339();
        let scheduled = app
            .create_article(
                &writer,
                &with(
                    article("Bài hẹn giờ"),
                    json!({"status": "published", "published_at": in_an_hour}),
                ),
            )
            .await
            .location();
        let slug = scheduled.rsplit('/').next().expect("slug").to_owned();
        let main = app
            .published_article(
                &writer,
                with(article("Bài chính"), json!({"related": [slug]})),
            )
            .await;
        assert_eq!(reader.get_ok(&main).await["data"]["related"], json!([]));
        assert_eq!(reader.get(&scheduled).await.status, 404);
        // Its moment comes, with no write and before any task logged the publication.
        app.clock
            .set(app.clock.now().and_utc() + chrono::Duration::minutes(61));
        reader
            .clock
            .set(reader.clock.now().and_utc() + chrono::Duration::minutes(61));
        let shown = reader.get_ok(&main).await;
        assert_eq!(shown["data"]["related"][0]["slug"], slug.as_str());
        assert_eq!(reader.get(&scheduled).await.status, 200);
    }
);

db_test!(relinked_mentions_are_logged_and_shown, |app| {
    let reader = uncached(&app).await;
    let writer = app.writer();
    let url = app
        .published_article(
            &writer,
            with(
                article("Bộ trưởng Nguyễn Văn Hùng phát biểu"),
                json!({"body": [{"type": "paragraph", "text": "Bộ trưởng Nguyễn Văn Hùng phát biểu."}]}),
            ),
        )
        .await;
    let before: Value = reader.get_ok(&url).await;
    assert!(before["data"]["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .all(|m| m["name"] != "Nguyễn Văn Hùng"));
    let head = |app: &TestApp| newsroom::db::changes::head(&mut app.conn()).expect("head");
    let created = app
        .create(
            &writer,
            "/api/v1/people",
            &json!({"name": "Nguyễn Văn Hùng"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let logged = head(&app);
    let (_, changed) = app.relink().expect("a relink was asked for");
    assert!(changed >= 1);
    assert!(
        head(&app) > logged,
        "a relinked article enters the change log"
    );
    let after = reader.get_ok(&url).await;
    assert!(
        after["data"]["mentions"]
            .as_array()
            .expect("mentions")
            .iter()
            .any(|m| m["name"] == "Nguyễn Văn Hùng"),
        "{}",
        after["data"]["mentions"]
    );
});

db_test!(
    representations_stored_beside_concurrent_writes_are_never_stale,
    |app| {
        let writer = app.writer();
        let url = app
            .published_article(
                &writer,
                with(
                    article("Bài đọc khi đang sửa"),
                    json!({"tags": ["Thẻ đua"]}),
                ),
            )
            .await;
        let readers: Vec<TestApp> =
            futures_util::future::join_all((0..4).map(|_| uncached(&app))).await;
        for round in 0..6 {
            let name = format!("Thẻ đua {round}");
            let tag = app
                .with_token(&writer, TestRequest::get().uri("/api/v1/tags/the-dua"))
                .await;
            let rename = app.with_token(
                &writer,
                patch("/api/v1/tags/the-dua", &tag.etag(), &json!({"name": name})),
            );
            // Readers render and store while the rename commits.
            let reads =
                futures_util::future::join_all(readers.iter().flat_map(|reader| {
                    [reader.get(&url), reader.get("/api/v1/articles?tag=the-dua")]
                }));
            let (renamed, _) = futures_util::join!(rename, reads);
            assert_eq!(renamed.status, 200, "{}", renamed.text());
            // Whatever was stored meanwhile, a read after the write shows it.
            for reader in &readers {
                assert_eq!(
                    reader.get_ok(&url).await["data"]["tags"][0]["name"],
                    name.as_str()
                );
                let listed = reader.get_ok("/api/v1/articles?tag=the-dua").await;
                assert_eq!(listed["data"][0]["tags"][0]["name"], name.as_str());
            }
        }
    }
);

// Event lists come from stored representations too: the same bytes as built, and a change to
// what an event shows (its parent, an organizer, itself) shows at once.
db_test!(event_lists_are_stored_and_follow_what_they_show, |app| {
    let reader = uncached(&app).await;
    let writer = app.writer();
    let url = "/api/v1/events/sicw-2022/children?per_page=100";
    let before = stored(&app);
    let listed = reader.get(url).await;
    assert_eq!(listed.status, 200);
    let children = listed.json()["data"].as_array().expect("data").clone();
    assert!(children.len() >= 2, "the demo's SICW has children");
    assert!(stored(&app) >= before + children.len() as i64, "stored");
    assert_eq!(reader.get(url).await.body, listed.body, "the stored bytes");
    let fields = "slug,name,name_en,names,language,short_name,edition,theme,description,starts_on,ends_on,date_precision,city,country,parent,organizers,participants,version,created_at,updated_at";
    let built = reader.get_ok(&format!("{url}&fields={fields}")).await;
    assert_eq!(built["data"], listed.json()["data"], "built field by field");

    // The parent renamed: every child shows its new name.
    edit(
        &app,
        &writer,
        "/api/v1/events/sicw-2022",
        json!({"short_name": "SICW 22"}),
    )
    .await;
    let listed = reader.get_ok(url).await;
    for child in listed["data"].as_array().expect("data") {
        assert_eq!(child["parent"]["short_name"], "SICW 22", "{child}");
    }
    // A child edited shows its own change.
    let slug = children[0]["slug"].as_str().expect("slug");
    edit(
        &app,
        &writer,
        &format!("/api/v1/events/{slug}"),
        json!({"theme": "Chủ đề mới"}),
    )
    .await;
    let listed = reader.get_ok(url).await;
    let child = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|c| c["slug"] == slug)
        .expect("still listed");
    assert_eq!(child["theme"], "Chủ đề mới");
});

// An article at its URL is answered from its stored representation in one statement, by slug
// or by id (decision 0022): the same bytes as a rendering, and never once it stops being
// public: unpublished it is a 404, deleted a 410, renamed its old slug a 301.
db_test!(
    an_article_stored_is_found_by_slug_or_id_until_it_is_not_public,
    |app| {
        let reader = uncached(&app).await;
        let writer = app.writer();
        let url = app.published_article(&writer, article("Bài lưu sẵn")).await;
        let first = reader.get(&url).await;
        assert_eq!(first.status, 200);
        let id = first.json()["data"]["id"].as_i64().expect("id");
        let by_id = reader.get(&format!("/api/v1/articles/{id}")).await;
        assert_eq!(by_id.body, first.body, "the stored bytes, found by id");
        assert_eq!(reader.get(&url).await.body, first.body);

        edit(&app, &writer, &url, json!({"status": "draft"})).await;
        assert_eq!(reader.get(&url).await.status, 404);
        assert_eq!(
            reader.get(&format!("/api/v1/articles/{id}")).await.status,
            404
        );

        edit(&app, &writer, &url, json!({"status": "published"})).await;
        assert_eq!(reader.get(&url).await.status, 200);
        edit(&app, &writer, &url, json!({"slug": "bai-luu-san-moi"})).await;
        assert_eq!(reader.get(&url).await.status, 301);
        let moved = "/api/v1/articles/bai-luu-san-moi";
        assert_eq!(reader.get(moved).await.status, 200);

        let version = app
            .with_token(&writer, TestRequest::get().uri(moved))
            .await
            .etag();
        let deleted = app
            .with_token(&writer, crate::helpers::kit::delete(moved, &version))
            .await;
        assert_eq!(deleted.status, 204, "{}", deleted.text());
        assert_eq!(reader.get(moved).await.status, 410);
        assert_eq!(
            reader.get(&format!("/api/v1/articles/{id}")).await.status,
            410
        );
    }
);
