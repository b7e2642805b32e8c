//! Drafts and scheduled articles are invisible to anonymous callers on every path; archived ones
//! only at their own URL; deleted ones answer 410. The clock is moved, never slept on.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db_test;
use crate::helpers::{slugs, TestApp};
use newsroom::db::articles::{self, ArticleChanges, Relation};
use newsroom::db::schema;
use newsroom::domain::kinds::ArticleStatus;

/// An article about AMCC7 and Tô Lâm, tagged `bi-mat` (used by nothing else).
fn insert_article(
    app: &TestApp,
    slug: &str,
    status: &str,
    published_at: Option<NaiveDateTime>,
) -> i64 {
    let mut conn = app.conn();
    let now = app.now();
    let id = <articles::ArticleRow as newsroom::db::Record>::insert(
        &mut conn,
        &ArticleChanges {
            slug: slug.into(),
            title: format!("Bài {slug}"),
            lead: None,
            body: r#"[{"type":"paragraph","text":"Bí mật quốc gia."}]"#.into(),
            source_id: Some(find_id(app, "ttxvn")),
            byline: None,
            language: "vi".into(),
            status: ArticleStatus::parse(status).expect("status"),
            published_at,
            search_key: format!(" bi mat {slug} "),
            sort_key: slug.into(),
            updated_at: now,
            section_id: None,
        },
    )
    .expect("insert");
    // Behind the API's back, as a script would: its search row too.
    newsroom::db::search::reindex(&mut conn, newsroom::db::search::Kind::Article, id)
        .expect("search row");
    let tag = newsroom::db::tags::ensure(&mut conn, "bi-mat", "Bí mật", now)
        .expect("tag")
        .expect("live tag");
    articles::link(&mut conn, Relation::Tags, id, &[tag]).expect("tag link");
    let event: i64 = schema::events::table
        .filter(schema::events::slug.eq("amcc7"))
        .select(schema::events::id)
        .first(&mut **conn)
        .expect("amcc7");
    articles::link(&mut conn, Relation::Events, id, &[event]).expect("event link");
    let person: i64 = schema::people::table
        .filter(schema::people::slug.eq("to-lam"))
        .select(schema::people::id)
        .first(&mut **conn)
        .expect("to-lam");
    articles::link(&mut conn, Relation::People, id, &[person]).expect("person link");
    // Written behind the API's back: the response cache must be told.
    app.cache.invalidate();
    id
}

fn find_id(app: &TestApp, org_slug: &str) -> i64 {
    schema::organizations::table
        .filter(schema::organizations::slug.eq(org_slug))
        .select(schema::organizations::id)
        .first(&mut **app.conn())
        .expect("organization")
}

/// Every anonymous path an article could show up on, with the count of articles it shows.
async fn visible_counts(app: &TestApp) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for path in [
        "/api/v1/articles",
        "/api/v1/articles?tag=bi-mat",
        "/api/v1/articles?q=bi%20mat%20quoc%20gia",
        "/api/v1/search?q=bi%20mat%20quoc%20gia&type=article",
        "/api/v1/articles?event=amcc7",
        "/api/v1/articles?person=to-lam",
        "/api/v1/events/amcc7/articles",
        "/api/v1/people/to-lam/articles",
        "/api/v1/articles?source=ttxvn",
    ] {
        let body = app.get_ok(path).await;
        counts.push((
            path.to_owned(),
            body["meta"]["total"].as_i64().unwrap_or(-1),
        ));
    }
    let tags = app.get_ok("/api/v1/tags").await;
    let secret = tags["data"]
        .as_array()
        .expect("tags")
        .iter()
        .find(|t| t["slug"] == "bi-mat")
        .and_then(|t| t["article_count"].as_i64())
        .unwrap_or(0);
    counts.push(("tags: bi-mat".into(), secret));
    counts
}

/// What the demo shows: its two articles and the first one's English edition.
fn baseline() -> Vec<(String, i64)> {
    [
        ("/api/v1/articles", 3),
        ("/api/v1/articles?tag=bi-mat", 0),
        ("/api/v1/articles?q=bi%20mat%20quoc%20gia", 0),
        ("/api/v1/search?q=bi%20mat%20quoc%20gia&type=article", 0),
        ("/api/v1/articles?event=amcc7", 2),
        ("/api/v1/articles?person=to-lam", 2),
        ("/api/v1/events/amcc7/articles", 2),
        ("/api/v1/people/to-lam/articles", 2),
        ("/api/v1/articles?source=ttxvn", 2),
        ("tags: bi-mat", 0),
    ]
    .into_iter()
    .map(|(p, n)| (p.to_owned(), n))
    .collect()
}

fn plus_one() -> Vec<(String, i64)> {
    baseline().into_iter().map(|(p, n)| (p, n + 1)).collect()
}

db_test!(drafts_are_invisible_everywhere, |app| {
    insert_article(&app, "ban-nhap", "draft", None);
    insert_article(
        &app,
        "ban-nhap-co-ngay",
        "draft",
        Some(app.now() - Duration::days(1)),
    );
    assert_eq!(visible_counts(&app).await, baseline());
    app.get("/api/v1/articles/ban-nhap")
        .await
        .problem(404, "not-found");
    app.get("/api/v1/articles/ban-nhap-co-ngay")
        .await
        .problem(404, "not-found");
});

db_test!(scheduled_articles_appear_at_their_publish_moment, |app| {
    let at = app.now() + Duration::hours(2);
    let id = insert_article(&app, "hen-gio", "published", Some(at));
    assert_eq!(visible_counts(&app).await, baseline());
    app.get("/api/v1/articles/hen-gio")
        .await
        .problem(404, "not-found");
    app.get(&format!("/api/v1/articles/{id}"))
        .await
        .problem(404, "not-found");

    app.clock.set((at - Duration::seconds(1)).and_utc());
    app.get("/api/v1/articles/hen-gio")
        .await
        .problem(404, "not-found");

    app.clock.set(at.and_utc());
    assert_eq!(visible_counts(&app).await, plus_one());
    let body = app.get_ok("/api/v1/articles/hen-gio").await;
    assert_eq!(body["data"]["id"], id);
    let newest = app.get_ok("/api/v1/articles?per_page=1").await;
    assert_eq!(slugs(&newest), ["hen-gio"]);
});

db_test!(archived_articles_stay_at_their_url_but_leave_lists, |app| {
    insert_article(
        &app,
        "luu-tru",
        "archived",
        Some(app.now() - Duration::days(30)),
    );
    assert_eq!(visible_counts(&app).await, baseline());
    let body = app.get_ok("/api/v1/articles/luu-tru").await;
    assert_eq!(body["data"]["status"], "archived");
});

db_test!(deleted_articles_answer_gone_and_leave_every_list, |app| {
    let id = insert_article(
        &app,
        "da-xoa",
        "published",
        Some(app.now() - Duration::days(1)),
    );
    assert_eq!(visible_counts(&app).await, plus_one());
    diesel::update(schema::articles::table.find(id))
        .set(schema::articles::deleted_at.eq(Some(app.now())))
        .execute(&mut **app.conn())
        .expect("soft delete");
    app.cache.invalidate();
    assert_eq!(visible_counts(&app).await, baseline());
    app.get("/api/v1/articles/da-xoa")
        .await
        .problem(410, "gone");
    // A deleted draft was never public: 404, not 410.
    let draft = insert_article(&app, "nhap-da-xoa", "draft", None);
    diesel::update(schema::articles::table.find(draft))
        .set(schema::articles::deleted_at.eq(Some(app.now())))
        .execute(&mut **app.conn())
        .expect("soft delete");
    app.cache.invalidate();
    app.get("/api/v1/articles/nhap-da-xoa")
        .await
        .problem(404, "not-found");
});

db_test!(
    deleted_people_vanish_from_references_and_answer_gone,
    |app| {
        diesel::update(schema::people::table.filter(schema::people::slug.eq("tim-watts")))
            .set(schema::people::deleted_at.eq(Some(app.now())))
            .execute(&mut **app.conn())
            .expect("soft delete");
        app.cache.invalidate();
        app.get("/api/v1/people/tim-watts")
            .await
            .problem(410, "gone");
        app.get("/api/v1/people/tim-watts/articles")
            .await
            .problem(410, "gone");
        let people = app.get_ok("/api/v1/people").await;
        assert!(!slugs(&people).contains(&"tim-watts".to_owned()));
        let article = app
            .get_ok("/api/v1/articles?fields=people&per_page=1&sort=published_at,id")
            .await;
        let names: Vec<&str> = article["data"][0]["people"]
            .as_array()
            .expect("people")
            .iter()
            .filter_map(|p| p["slug"].as_str())
            .collect();
        assert!(!names.contains(&"tim-watts") && names.contains(&"to-lam"));
    }
);

/// Every page of `path` (two items a page) by cursor and by page number, with the total.
async fn pages(app: &TestApp, path: &str) -> (Vec<String>, Vec<String>, i64) {
    let first = app.get_ok(&format!("{path}&per_page=2")).await;
    let total = first["meta"]["total"].as_i64().expect("total");
    let mut by_cursor = slugs(&first);
    let mut page = first;
    while let Some(cursor) = page["meta"]["next_cursor"].as_str().map(str::to_owned) {
        page = app
            .get_ok(&format!("{path}&per_page=2&cursor={cursor}"))
            .await;
        by_cursor.extend(slugs(&page));
    }
    let mut by_number = Vec::new();
    for n in 1..=(total + 1) / 2 {
        by_number.extend(slugs(
            &app.get_ok(&format!("{path}&per_page=2&page={n}")).await,
        ));
    }
    (by_cursor, by_number, total)
}

db_test!(
    lists_read_from_the_link_index_agree_with_the_articles_table,
    |app| {
        // `?tag=` alone is read from the link table's copy of each article's state; an
        // `updated_after` that narrows nothing sends the same list down the general path.
        let now = app.now();
        let hour = Duration::hours(1);
        let ids: Vec<i64> = [
            ("cu-nhat", "published", Some(now - hour * 5)),
            ("cung-gio-a", "published", Some(now - hour * 3)),
            ("cung-gio-b", "published", Some(now - hour * 3)),
            ("moi", "published", Some(now - hour)),
            ("nhap", "draft", None),
            ("hen-gio", "published", Some(now + hour)),
            ("se-xoa", "published", Some(now - hour * 2)),
            ("se-go", "published", Some(now - hour * 4)),
            ("se-doi-gio", "published", Some(now - hour * 6)),
            ("se-dang", "draft", Some(now - hour * 7)),
        ]
        .into_iter()
        .map(|(slug, status, at)| insert_article(&app, slug, status, at))
        .collect();
        // A window inside the list (its bounds as UTC instants).
        let instant = |at: chrono::NaiveDateTime| at.and_utc().format("%Y-%m-%dT%H:%M:%SZ");
        let window = format!(
            "tag=bi-mat&published_after={}&published_before={}",
            instant(now - hour * 5),
            instant(now - hour * 2)
        );
        let compare = |label: &'static str| {
            let app = &app;
            let window = window.clone();
            async move {
                for filter in ["tag=bi-mat", "event=amcc7", "person=to-lam", &window] {
                    let fast = pages(app, &format!("/api/v1/articles?{filter}")).await;
                    let general = pages(
                        app,
                        &format!("/api/v1/articles?{filter}&updated_after=1900-01-01T00:00:00Z"),
                    )
                    .await;
                    assert_eq!(fast, general, "{label}: {filter}");
                    assert_eq!(fast.0, fast.1, "{label}: cursor and page agree");
                }
                pages(app, "/api/v1/articles?tag=bi-mat").await
            }
        };
        let (before, _, total) = compare("as inserted").await;
        assert_eq!(
            before,
            [
                "moi",
                "se-xoa",
                "cung-gio-b",
                "cung-gio-a",
                "se-go",
                "cu-nhat",
                "se-doi-gio"
            ]
            .map(|s| s.to_owned())
        );
        assert_eq!(total, 7);

        // Behind the API's back, as a script would: the triggers keep the copies right.
        let mut conn = app.conn();
        diesel::update(schema::articles::table.find(ids[6]))
            .set(schema::articles::deleted_at.eq(Some(now)))
            .execute(&mut **conn)
            .expect("delete");
        diesel::update(schema::articles::table.find(ids[7]))
            .set(schema::articles::status.eq(ArticleStatus::Draft))
            .execute(&mut **conn)
            .expect("unpublish");
        diesel::update(schema::articles::table.find(ids[8]))
            .set(schema::articles::published_at.eq(Some(now + hour * 2)))
            .execute(&mut **conn)
            .expect("reschedule");
        diesel::update(schema::articles::table.find(ids[9]))
            .set(schema::articles::status.eq(ArticleStatus::Published))
            .execute(&mut **conn)
            .expect("publish");
        drop(conn);
        app.cache.invalidate();
        let (after, _, total) = compare("after changes").await;
        assert_eq!(
            after,
            ["moi", "cung-gio-b", "cung-gio-a", "cu-nhat", "se-dang"].map(|s| s.to_owned())
        );
        assert_eq!(total, 5);

        app.clock.set((now + hour * 2).and_utc());
        let (later, _, _) = compare("two hours on").await;
        assert_eq!(&later[..2], ["se-doi-gio", "hen-gio"]);
    }
);
