//! Related articles: ranked by what they share (events over people over organizations over
//! tags) and recency; only public ones; never the article itself.

use serde_json::json;

use crate::db_test;
use crate::helpers::fixtures::{article, with};

fn titles(body: &serde_json::Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| a["title"].as_str().unwrap_or("").to_owned())
        .collect()
}

db_test!(related_articles_rank_by_what_they_share, |app| {
    let writer = app.writer();
    let bare = |title: &str, changes: serde_json::Value| {
        with(
            with(
                article(title),
                json!({"tags": [], "events": [], "people": [], "organizations": []}),
            ),
            changes,
        )
    };
    let main = app
        .published_article(
            &writer,
            bare(
                "Bài chính",
                json!({"events": ["amcc7"], "people": ["to-lam"], "tags": ["Liên quan"]}),
            ),
        )
        .await;
    app.published_article(
        &writer,
        bare(
            "Cùng sự kiện và người",
            json!({"events": ["amcc7"], "people": ["to-lam"]}),
        ),
    )
    .await;
    app.published_article(&writer, bare("Cùng sự kiện", json!({"events": ["amcc7"]})))
        .await;
    app.published_article(&writer, bare("Cùng thẻ", json!({"tags": ["Liên quan"]})))
        .await;
    app.published_article(&writer, bare("Không liên quan", json!({})))
        .await;
    app.create_article(
        &writer,
        &bare(
            "Bản nháp cùng sự kiện",
            json!({"events": ["amcc7"], "people": ["to-lam"]}),
        ),
    )
    .await;
    let related = app.get_ok(&format!("{main}/related?limit=20")).await;
    let ranked = titles(&related);
    // The seed article shares the event and the person too, but is four years old: recency
    // puts it after the new one that shares as much, before those that share less.
    let at = |title: &str| {
        ranked
            .iter()
            .position(|t| t.as_str() == title)
            .unwrap_or(usize::MAX)
    };
    let seed =
        "Đại tướng Tô Lâm dẫn đầu đoàn đại biểu Việt Nam tham dự SICW 2022 và Hội nghị AMCC7";
    assert_eq!(at("Cùng sự kiện và người"), 0, "{ranked:?}");
    assert_eq!(at(seed), 1, "{ranked:?}");
    assert_eq!(at("Cùng sự kiện"), 2, "{ranked:?}");
    assert_eq!(at("Cùng thẻ"), 3, "{ranked:?}");
    for absent in ["Bài chính", "Không liên quan", "Bản nháp cùng sự kiện"] {
        assert!(
            !ranked.contains(&absent.to_owned()),
            "{absent} in {ranked:?}"
        );
    }
    assert!(related["data"][0].get("body").is_none(), "summaries");
    let two = app.get_ok(&format!("{main}/related?limit=2")).await;
    assert_eq!(titles(&two).len(), 2);
    app.get(&format!("{main}/related?limit=21"))
        .await
        .problem(400, "invalid-parameter");
    app.get("/api/v1/articles/khong-co/related")
        .await
        .problem(404, "not-found");
    let draft = app
        .create_article(&writer, &article("Nháp"))
        .await
        .location();
    app.get(&format!("{draft}/related"))
        .await
        .problem(404, "not-found");
});
