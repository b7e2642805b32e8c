//! Sections: a tree in menu order, articles with a primary and further sections, lists that
//! take in the sections below, no cycles, and what keeps a section from being deleted.

use serde_json::json;

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::{delete, patch};
use crate::helpers::{slugs, TestApp};

async fn section(app: &TestApp, body: serde_json::Value) -> serde_json::Value {
    let res = app.create(&app.writer(), "/api/v1/sections", &body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["data"].clone()
}

db_test!(
    articles_are_found_through_their_sections_and_the_ones_above,
    |app| {
        let writer = app.writer();
        let news = section(&app, json!({"name": "Thời sự", "position": 1})).await;
        assert_eq!(news["slug"], "thoi-su");
        let security = section(
            &app,
            json!({"name": "An ninh - Trật tự", "parent": "thoi-su", "position": 2}),
        )
        .await;
        assert_eq!(security["parent"]["slug"], "thoi-su");
        let cyber = section(
            &app,
            json!({"name": "An ninh mạng", "parent": security["id"], "position": 1}),
        )
        .await;
        let world = section(&app, json!({"name": "Thế giới", "position": 2})).await;
        let sport = section(&app, json!({"name": "Thể thao", "position": 3})).await;

        let listed = app.get_ok("/api/v1/sections").await;
        assert_eq!(
            slugs(&listed),
            [
                "an-ninh-mang",
                "thoi-su",
                "an-ninh-trat-tu",
                "the-gioi",
                "the-thao"
            ],
            "by position, then name"
        );

        let in_cyber = app
            .published_article(
                &writer,
                with(
                    article("Tin an ninh mạng"),
                    json!({"section": "an-ninh-mang", "sections": ["the-gioi"]}),
                ),
            )
            .await;
        app.published_article(
            &writer,
            with(article("Tin thể thao"), json!({"section": sport["id"]})),
        )
        .await;
        app.create_article(
            &writer,
            &with(article("Nháp thời sự"), json!({"section": "thoi-su"})),
        )
        .await;
        let read = app.get_ok(&in_cyber).await;
        assert_eq!(
            read["data"]["section"],
            json!({"id": cyber["id"], "slug": "an-ninh-mang", "name": "An ninh mạng"})
        );
        assert_eq!(read["data"]["sections"][0]["slug"], "the-gioi");

        for (query, expected) in [
            ("/api/v1/articles?section=thoi-su", vec!["tin-an-ninh-mang"]),
            (
                "/api/v1/articles?section=an-ninh-trat-tu",
                vec!["tin-an-ninh-mang"],
            ),
            (
                "/api/v1/articles?section=the-gioi",
                vec!["tin-an-ninh-mang"],
            ),
            ("/api/v1/articles?section=the-thao", vec!["tin-the-thao"]),
            (
                "/api/v1/sections/thoi-su/articles",
                vec!["tin-an-ninh-mang"],
            ),
            ("/api/v1/articles?section=khong-co", vec![]),
        ] {
            assert_eq!(slugs(&app.get_ok(query).await), expected, "{query}");
        }
        let _ = world;
        let _ = news;
    }
);

db_test!(the_tree_has_no_cycles_and_keeps_what_is_in_it, |app| {
    let writer = app.writer();
    let top = section(&app, json!({"name": "Kinh tế"})).await;
    let mid = section(&app, json!({"name": "Tài chính", "parent": "kinh-te"})).await;
    section(&app, json!({"name": "Ngân hàng", "parent": "tai-chinh"})).await;
    let cycle = app
        .with_token(
            &writer,
            patch(
                "/api/v1/sections/kinh-te",
                "\"1\"",
                &json!({"parent": "ngan-hang"}),
            ),
        )
        .await;
    cycle.problem(422, "validation");
    let itself = app
        .with_token(
            &writer,
            patch(
                "/api/v1/sections/kinh-te",
                "\"1\"",
                &json!({"parent": "kinh-te"}),
            ),
        )
        .await;
    itself.problem(422, "validation");
    app.with_token(&writer, delete("/api/v1/sections/tai-chinh", "\"1\""))
        .await
        .problem(409, "conflict");
    let story = app
        .published_article(
            &writer,
            with(article("Lãi suất"), json!({"section": "ngan-hang"})),
        )
        .await;
    app.with_token(&writer, delete("/api/v1/sections/ngan-hang", "\"1\""))
        .await
        .problem(409, "conflict");
    let moved = app
        .with_token(&writer, patch(&story, "\"1\"", &json!({"section": null})))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(
        app.with_token(&writer, delete("/api/v1/sections/ngan-hang", "\"1\""))
            .await
            .status,
        204
    );
    assert_eq!(
        app.with_token(&writer, delete("/api/v1/sections/tai-chinh", "\"1\""))
            .await
            .status,
        204
    );
    let _ = (top, mid);
    // Nine levels is one too many.
    let mut parent = json!(null);
    let mut refused = None;
    for depth in 1..=9 {
        let res = app
            .create(
                &writer,
                "/api/v1/sections",
                &json!({"name": format!("Tầng {depth}"), "parent": parent}),
            )
            .await;
        if res.status != 201 {
            refused = Some((depth, res.status.as_u16()));
            break;
        }
        parent = res.json()["data"]["id"].clone();
    }
    assert_eq!(refused, Some((9, 422)));
    // Bad references and bounds.
    for (body, pointer) in [
        (json!({"section": "khong-co"}), "/section"),
        (json!({"sections": ["khong-co"]}), "/sections/0"),
        (json!({"sections": vec!["kinh-te"; 11]}), "/sections"),
    ] {
        let problem = app
            .create_article(&writer, &with(article("Sai chuyên mục"), body.clone()))
            .await
            .problem(422, "validation");
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{body}");
    }
});
