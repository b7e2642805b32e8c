use crate::db_test;

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
            ("an-ninh-mang", 1),
            ("asean", 1),
            ("hop-tac-quoc-te", 1),
            ("phong-chong-tham-nhung", 1)
        ]
    );
    assert_eq!(body["data"][0]["name"], "An ninh mạng");
    assert_eq!(body["meta"]["total"], 4);
    app.get("/api/v1/tags?include=articles")
        .await
        .problem(400, "invalid-parameter");
});
