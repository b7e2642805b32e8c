//! Shareable previews: a signed link shows a draft or a scheduled article without a token,
//! `private, no-store` and `noindex`, until it expires (injected clock) or is revoked; a link
//! made up or altered shows nothing.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::post;

/// The path of a link's URL.
fn path_of(url: &str) -> String {
    let at = url.find("/api/v1/previews/").expect("a preview URL");
    url[at..].to_owned()
}

db_test!(
    a_preview_link_shows_the_draft_until_it_expires_or_is_revoked,
    |app| {
        let writer = app.writer();
        let draft = app
            .create_article(&writer, &article("Bản nháp để xem trước"))
            .await
            .location();
        app.get(&draft).await.problem(404, "not-found");

        let made = app
            .with_token(
                &writer,
                TestRequest::post().uri(&format!("{draft}/preview-links")),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text());
        let link = made.json()["data"].clone();
        assert_eq!(link["active"], true);
        assert_eq!(link["created_by"], "Ban biên tập");
        let expires =
            chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().expect("time"))
                .expect("time");
        assert_eq!(
            (expires.naive_utc() - app.now()).num_hours(),
            24,
            "24 hours by default"
        );
        let path = path_of(link["url"].as_str().expect("url"));

        let opened = app.get(&path).await;
        assert_eq!(opened.status, 200, "{}", opened.text());
        assert_eq!(opened.header("cache-control"), Some("private, no-store"));
        assert_eq!(opened.header("x-robots-tag"), Some("noindex, nofollow"));
        let shown = opened.json();
        assert_eq!(shown["data"]["title"], "Bản nháp để xem trước");
        assert_eq!(shown["data"]["status"], "draft");
        assert!(shown["data"]["body"].is_array(), "the whole article");

        // As it is now: an edit shows at once.
        let edited = app
            .with_token(
                &writer,
                crate::helpers::kit::patch(&draft, "\"1\"", &json!({"title": "Nháp đã sửa"})),
            )
            .await;
        assert_eq!(edited.status, 200);
        assert_eq!(app.get_ok(&path).await["data"]["title"], "Nháp đã sửa");

        // Altered or made up: nothing.
        let altered = format!("{}x", &path[..path.len() - 1]);
        app.get(&altered).await.problem(404, "not-found");
        let id = link["id"].as_i64().expect("id");
        app.get(&format!(
            "/api/v1/previews/{id}.99999999999.AAAAAAAAAAAAAAAAAAAAAA"
        ))
        .await
        .problem(404, "not-found");
        app.get("/api/v1/previews/nonsense")
            .await
            .problem(404, "not-found");

        // Expired on time.
        app.clock
            .set((app.now() + chrono::Duration::hours(24)).and_utc());
        app.get(&path).await.problem(410, "gone");

        // A week-long one, revoked.
        let week = app
            .with_token(
                &writer,
                post(
                    &format!("{draft}/preview-links"),
                    &json!({"expires_in_hours": 168}),
                ),
            )
            .await;
        assert_eq!(week.status, 201, "{}", week.text());
        let week = week.json()["data"].clone();
        let week_path = path_of(week["url"].as_str().expect("url"));
        assert_eq!(app.get(&week_path).await.status, 200);
        let listed = app
            .with_token(
                &writer,
                TestRequest::get().uri(&format!("{draft}/preview-links")),
            )
            .await;
        let links = listed.json()["data"].clone();
        assert_eq!(links.as_array().map(Vec::len), Some(2));
        assert_eq!(links[0]["active"], true);
        assert_eq!(links[1]["active"], false, "the expired one");
        let revoked = app
            .with_token(
                &writer,
                TestRequest::delete().uri(&format!("{draft}/preview-links/{}", week["id"])),
            )
            .await;
        assert_eq!(revoked.status, 204);
        app.get(&week_path).await.problem(410, "gone");
    }
);

db_test!(preview_links_are_bounded_and_need_a_token, |app| {
    let writer = app.writer();
    let scheduled = app
        .create_article(
            &writer,
            &with(article("Hẹn giờ xem trước"), json!({"status": "published", "published_at": (app.now() + chrono::Duration::days(2)).and_utc().to_rfc3339()})),
        )
        .await
        .location();
    app.request(TestRequest::post().uri(&format!("{scheduled}/preview-links")))
        .await
        .problem(401, "unauthorized");
    for hours in [0, 169, -1] {
        app.with_token(
            &writer,
            post(
                &format!("{scheduled}/preview-links"),
                &json!({"expires_in_hours": hours}),
            ),
        )
        .await
        .problem(422, "validation");
    }
    // Whoever holds the link sees the unpublished article: making one is a publishing act.
    let reader = app.token("Người xem", &["content:preview"]);
    let refused = app
        .with_token(
            &reader,
            post(
                &format!("{scheduled}/preview-links"),
                &json!({"expires_in_hours": 1}),
            ),
        )
        .await;
    refused.problem(403, "forbidden");
    let made = app
        .with_token(
            &writer,
            post(
                &format!("{scheduled}/preview-links"),
                &json!({"expires_in_hours": 1}),
            ),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text());
    let path = path_of(made.json()["data"]["url"].as_str().expect("url"));
    assert_eq!(
        app.get_ok(&path).await["data"]["title"],
        "Hẹn giờ xem trước"
    );
    app.with_token(
        &writer,
        TestRequest::post().uri("/api/v1/articles/khong-co/preview-links"),
    )
    .await
    .problem(404, "not-found");
});

db_test!(
    revoking_a_token_revokes_its_links_and_link_ids_have_one_spelling,
    |app| {
        let (row, publisher) = newsroom::api::tokens::issue(
            &mut app.conn(),
            "Thư ký tòa soạn",
            &[
                newsroom::domain::token::Scope::ContentWrite,
                newsroom::domain::token::Scope::ContentPublish,
            ],
            Some(30),
            app.now(),
        )
        .expect("token");
        let draft = app
            .create_article(&publisher, &article("Nháp của thư ký"))
            .await
            .location();
        let made = app
            .with_token(
                &publisher,
                TestRequest::post().uri(&format!("{draft}/preview-links")),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text());
        let link = made.json()["data"].clone();
        let id = link["id"].as_i64().expect("id");
        let path = path_of(link["url"].as_str().expect("url"));
        assert_eq!(app.get(&path).await.status, 200);

        // Finding 6 of the third hostile test: `+2` and `02` opened (and revoked) link 2.
        let token = path.trim_start_matches("/api/v1/previews/");
        for loose in [format!("+{token}"), format!("0{token}")] {
            app.get(&format!("/api/v1/previews/{loose}"))
                .await
                .problem(404, "not-found");
        }
        let (_, rest) = token.split_once('.').expect("id.expires.signature");
        app.get(&format!("/api/v1/previews/{id}.+{rest}"))
            .await
            .problem(404, "not-found");
        for loose in [format!("+{id}"), format!("0{id}")] {
            app.with_token(
                &publisher,
                TestRequest::delete().uri(&format!("{draft}/preview-links/{loose}")),
            )
            .await
            .problem(404, "not-found");
        }
        assert_eq!(app.get(&path).await.status, 200, "still live");

        // Revoking the token that made it revokes the link at once.
        let admin = app.token("Quản trị", &["admin"]);
        let revoked = app
            .with_token(
                &admin,
                TestRequest::delete().uri(&format!("/api/v1/tokens/{}", row.id)),
            )
            .await;
        assert_eq!(revoked.status, 204, "{}", revoked.text());
        app.get(&path).await.problem(410, "gone");
        let listed = app
            .with_token(
                &app.writer(),
                TestRequest::get().uri(&format!("{draft}/preview-links")),
            )
            .await;
        assert_eq!(
            listed.json()["data"][0]["active"],
            false,
            "{}",
            listed.text()
        );
    }
);
