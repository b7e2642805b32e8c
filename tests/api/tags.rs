use crate::db_test;
use crate::helpers::fixtures::{article, with};

db_test!(tags_count_public_articles, |app| {
    let body = app.get_ok("/api/v1/tags?sort=name").await;
    let tags: Vec<(&str, i64)> = body["data"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| {
            (
                t["slug"].as_str().unwrap_or(""),
                t["article_count"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        tags,
        [
            // The seed article and its English edition carry the first three.
            ("an-ninh-mang", 2),
            ("asean", 2),
            ("hop-tac-quoc-te", 2),
            ("phong-chong-tham-nhung", 1)
        ]
    );
    assert_eq!(body["data"][0]["name"], "An ninh mạng");
    assert_eq!(body["meta"]["total"], 4);
    app.get("/api/v1/tags?include=articles")
        .await
        .problem(400, "invalid-parameter");
});

db_test!(tags_count_only_the_articles_the_public_sees, |app| {
    let writer = app.writer();
    let listed = |body: &serde_json::Value| -> Vec<(String, i64)> {
        body["data"]
            .as_array()
            .expect("tags")
            .iter()
            .filter(|t| {
                ["bao-chi", "ban-nhap", "chuyen-doi-so"].contains(&t["slug"].as_str().unwrap_or(""))
            })
            .map(|t| {
                (
                    t["slug"].as_str().unwrap_or("").to_owned(),
                    t["article_count"].as_i64().unwrap_or(-1),
                )
            })
            .collect()
    };
    let before = app.get_ok("/api/v1/tags?sort=name&per_page=100").await;
    // Counts are remembered per content change even with no response cache: they must move.
    let off = app
        .another_instance_with(newsroom::api::caching::CacheSettings {
            max_bytes: 0,
            ..Default::default()
        })
        .await;
    assert_eq!(
        off.get_ok("/api/v1/tags?per_page=1").await["data"][0]["slug"],
        "an-ninh-mang"
    );
    for (title, tags) in [
        (
            "Chuyển đổi số trong báo chí",
            serde_json::json!(["Chuyển đổi số", "Báo chí"]),
        ),
        (
            "Chuyển đổi số ở địa phương",
            serde_json::json!(["Chuyển đổi số"]),
        ),
        (
            "Chuyển đổi số ở miền núi",
            serde_json::json!(["Chuyển đổi số"]),
        ),
    ] {
        app.published_article(
            &writer,
            with(article(title), serde_json::json!({"tags": tags})),
        )
        .await;
    }
    let draft = with(
        article("Bản nháp"),
        serde_json::json!({"tags": ["Bản nháp"]}),
    );
    assert_eq!(app.create_article(&writer, &draft).await.status, 201);
    let after = app.get_ok("/api/v1/tags?sort=name&per_page=100").await;
    assert_eq!(
        listed(&after),
        [("bao-chi".to_owned(), 1), ("chuyen-doi-so".to_owned(), 3)],
        "a tag only a draft carries is not listed"
    );
    assert_eq!(
        after["meta"]["total"].as_i64(),
        before["meta"]["total"].as_i64().map(|n| n + 2)
    );
    off.poll_changes();
    let mut ranked = Vec::new();
    for page in 1..=3 {
        let body = off
            .get_ok(&format!("/api/v1/tags?per_page=1&page={page}"))
            .await;
        ranked.push(body["data"][0]["slug"].clone());
    }
    assert_eq!(
        ranked,
        ["chuyen-doi-so", "an-ninh-mang", "asean"],
        "most used first, then by name, paged"
    );
    app.get("/api/v1/tags/ban-nhap")
        .await
        .problem(404, "not-found");
    let preview = app.token("Xem trước", &["content:preview"]);
    let seen = app
        .with_token(
            &preview,
            actix_web::test::TestRequest::get().uri("/api/v1/tags/ban-nhap"),
        )
        .await;
    assert_eq!(seen.status, 200);
    assert_eq!(
        seen.json()["data"]["article_count"],
        0,
        "counts stay public counts"
    );
});
