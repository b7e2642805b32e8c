//! Authors: a resource with an avatar from the media library and links; articles name theirs in
//! order; `?author=` and `/authors/{id}/articles`; an author articles name stays.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::{delete, patch, put};
use crate::helpers::slugs;

db_test!(authors_sign_articles_in_order, |app| {
    let writer = app.writer();
    let uploaded = app
        .with_token(
            &writer,
            TestRequest::post()
                .uri("/api/v1/media")
                .insert_header(("Content-Type", "image/jpeg"))
                .set_payload(crate::media::jpeg(96, 96)),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    let media = uploaded.json()["data"]["id"].as_i64().expect("media id");
    let ha = app
        .create(
            &writer,
            "/api/v1/authors",
            &json!({"name": "Nguyễn Thu Hà", "bio": "Phóng viên thường trú TTXVN tại Singapore.", "avatar": media,
                    "links": [{"label": "Thư điện tử", "url": "mailto:ha@example.vn"}]}),
        )
        .await;
    assert_eq!(ha.status, 201, "{}", ha.text());
    let ha = ha.json()["data"].clone();
    assert_eq!(ha["slug"], "nguyen-thu-ha");
    assert_eq!(ha["avatar"]["id"], media);
    assert!(ha["avatar"]["src"]
        .as_str()
        .is_some_and(|s| s.starts_with("/media/")));
    let minh = app
        .create(&writer, "/api/v1/authors", &json!({"name": "Trần Minh"}))
        .await;
    assert_eq!(minh.status, 201);

    let story = app
        .published_article(
            &writer,
            with(
                article("Bài hai tác giả"),
                json!({"authors": ["tran-minh", "nguyen-thu-ha"], "byline": "TTXVN"}),
            ),
        )
        .await;
    app.published_article(
        &writer,
        with(
            article("Bài một tác giả"),
            json!({"authors": ["nguyen-thu-ha"]}),
        ),
    )
    .await;
    let read = app.get_ok(&story).await;
    let names: Vec<_> = read["data"]["authors"]
        .as_array()
        .expect("authors")
        .iter()
        .map(|a| a["slug"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("tran-minh"), json!("nguyen-thu-ha")],
        "in the order given"
    );
    assert_eq!(read["data"]["byline"], "TTXVN", "the byline stays");
    assert_eq!(
        slugs(&app.get_ok("/api/v1/authors/nguyen-thu-ha/articles").await),
        ["bai-mot-tac-gia", "bai-hai-tac-gia"]
    );
    assert_eq!(
        slugs(&app.get_ok("/api/v1/articles?author=tran-minh").await),
        ["bai-hai-tac-gia"]
    );
    assert_eq!(
        slugs(&app.get_ok("/api/v1/authors").await),
        ["nguyen-thu-ha", "tran-minh"]
    );

    // The representation goes back as it came (avatar object included).
    let mut again = app.get_ok("/api/v1/authors/nguyen-thu-ha").await["data"].clone();
    again["bio"] = json!("Phóng viên TTXVN.");
    let replaced = app
        .with_token(
            &writer,
            put("/api/v1/authors/nguyen-thu-ha", "\"1\"", &again),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    assert_eq!(replaced.json()["data"]["avatar"]["id"], media);

    app.with_token(&writer, delete("/api/v1/authors/tran-minh", "\"1\""))
        .await
        .problem(409, "conflict");
    let unsigned = app
        .with_token(
            &writer,
            patch(&story, "\"1\"", &json!({"authors": ["nguyen-thu-ha"]})),
        )
        .await;
    assert_eq!(unsigned.status, 200, "{}", unsigned.text());
    assert_eq!(
        app.with_token(&writer, delete("/api/v1/authors/tran-minh", "\"1\""))
            .await
            .status,
        204
    );
});

db_test!(bad_authors_are_422, |app| {
    let writer = app.writer();
    for (body, pointer) in [
        (json!({"name": " "}), "/name"),
        (json!({"name": "A", "avatar": 999_999}), "/avatar"),
        (
            json!({"name": "A", "links": [{"url": "javascript:alert(1)"}]}),
            "/links/0/url",
        ),
        (
            json!({"name": "A", "links": vec![json!({"url": "https://x.vn"}); 11]}),
            "/links",
        ),
    ] {
        let problem = app
            .create(&writer, "/api/v1/authors", &body)
            .await
            .problem(422, "validation");
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{body}");
    }
    let problem = app
        .create_article(
            &writer,
            &with(article("Sai tác giả"), json!({"authors": ["khong-co"]})),
        )
        .await
        .problem(422, "validation");
    assert_eq!(problem["errors"][0]["pointer"], "/authors/0");
});
