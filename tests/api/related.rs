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
    let english =
        "General To Lam leads the Vietnamese delegation to SICW 2022 and the AMCC7 conference";
    assert_eq!(at("Cùng sự kiện và người"), 0, "{ranked:?}");
    // The seed article and its English edition share as much, and are as old.
    assert_eq!(
        [at(seed), at(english)]
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        [1, 2].into_iter().collect(),
        "{ranked:?}"
    );
    assert_eq!(at("Cùng sự kiện"), 3, "{ranked:?}");
    assert_eq!(at("Cùng thẻ"), 4, "{ranked:?}");
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

db_test!(pinned_articles_come_first, |app| {
    let writer = app.writer();
    let plain = |title: &str| {
        with(
            article(title),
            json!({"tags": [], "events": [], "people": [], "organizations": []}),
        )
    };
    let main = app
        .published_article(
            &writer,
            with(plain("Bài có ghim"), json!({"events": ["amcc7"]})),
        )
        .await;
    app.published_article(
        &writer,
        with(plain("Chung sự kiện"), json!({"events": ["amcc7"]})),
    )
    .await;
    let pinned = app.published_article(&writer, plain("Bài được ghim")).await;
    let draft = app
        .create_article(&writer, &plain("Nháp được ghim"))
        .await
        .location();
    let slug = |path: &str| path.rsplit('/').next().unwrap_or_default().to_owned();
    let res = app
        .with_token(
            &writer,
            crate::helpers::kit::patch(
                &main,
                "\"1\"",
                &json!({"related": [slug(&draft), slug(&pinned), slug(&main)]}),
            ),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let editorial: Vec<_> = res.json()["data"]["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| r["slug"].clone())
        .collect();
    assert_eq!(
        editorial,
        [json!("nhap-duoc-ghim"), json!("bai-duoc-ghim")],
        "itself left out"
    );
    let public = app.get_ok(&main).await;
    let shown: Vec<_> = public["data"]["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| r["slug"].clone())
        .collect();
    assert_eq!(
        shown,
        [json!("bai-duoc-ghim")],
        "the public sees the pins that are out"
    );
    let related = titles(&app.get_ok(&format!("{main}/related")).await);
    assert_eq!(related[0], "Bài được ghim", "{related:?}");
    assert_eq!(related[1], "Chung sự kiện", "{related:?}");
    assert!(!related.contains(&"Nháp được ghim".to_owned()));
    app.with_token(
        &writer,
        crate::helpers::kit::patch(
            &main,
            "\"2\"",
            &json!({"related": vec!["bai-duoc-ghim"; 11]}),
        ),
    )
    .await
    .problem(422, "validation");
});

db_test!(a_shared_section_or_a_shared_mention_relates_too, |app| {
    let writer = app.writer();
    let plain = |title: &str| {
        with(
            article(title),
            json!({"tags": [], "events": [], "people": [], "organizations": []}),
        )
    };
    let section = app
        .create(&writer, "/api/v1/sections", &json!({"name": "Quốc phòng"}))
        .await;
    assert_eq!(section.status, 201);
    let main = app
        .published_article(
            &writer,
            with(
                plain("Bài chuyên mục"),
                json!({"section": "quoc-phong", "lead": "Không nhắc ai."}),
            ),
        )
        .await;
    app.published_article(
        &writer,
        with(
            plain("Cùng chuyên mục"),
            json!({"section": "quoc-phong", "lead": "Không nhắc ai."}),
        ),
    )
    .await;
    app.published_article(
        &writer,
        with(plain("Khác hẳn"), json!({"lead": "Không nhắc ai."})),
    )
    .await;
    let related = titles(&app.get_ok(&format!("{main}/related?limit=20")).await);
    assert!(
        related.contains(&"Cùng chuyên mục".to_owned()),
        "{related:?}"
    );
    assert!(!related.contains(&"Khác hẳn".to_owned()), "{related:?}");

    // Two texts naming Tô Lâm, with no link between them.
    let speaker = app
        .published_article(
            &writer,
            with(
                plain("Phát biểu"),
                json!({"lead": "Bộ trưởng Tô Lâm phát biểu."}),
            ),
        )
        .await;
    app.published_article(
        &writer,
        with(
            plain("Tiếp khách"),
            json!({"lead": "Bộ trưởng Tô Lâm tiếp khách."}),
        ),
    )
    .await;
    app.relink();
    let related = titles(&app.get_ok(&format!("{speaker}/related?limit=20")).await);
    assert!(related.contains(&"Tiếp khách".to_owned()), "{related:?}");
    assert!(!related.contains(&"Khác hẳn".to_owned()), "{related:?}");
});
