//! Body blocks beyond text and images: lists, tables and embeds from the allowed providers,
//! checked on write and escaped in `body_html`.

use serde_json::json;

use crate::db_test;
use crate::helpers::fixtures::{article, with};

db_test!(
    lists_tables_and_embeds_round_trip_and_render_escaped,
    |app| {
        let writer = app.writer();
        let body = json!([
            {"type": "list", "ordered": true, "items": ["Lễ khai mạc <SICW>", "Hội nghị AMCC7"]},
            {"type": "table", "caption": "Lịch & địa điểm", "header": ["Sự kiện", "Ngày"],
             "rows": [["AMCC7", "20/10/2022"], ["<img src=x onerror=alert(1)>", "21/10"]]},
            {"type": "embed", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "caption": "Phát biểu \"AMCC7\""},
            {"type": "embed", "url": "https://x.com/MPS_VN/status/1583000000000000000"}
        ]);
        let location = app
            .published_article(
                &writer,
                with(article("Các khối mới"), json!({"body": body})),
            )
            .await;
        let read = app.get_ok(&format!("{location}?formats=html,text")).await;
        assert_eq!(read["data"]["body"], body, "stored as written");
        let html = read["data"]["body_html"].as_str().expect("body_html");
        assert!(
            html.contains("<ol><li>Lễ khai mạc &lt;SICW&gt;</li>"),
            "{html}"
        );
        assert!(
            html.contains("<td>&lt;img src=x onerror=alert(1)&gt;</td>"),
            "{html}"
        );
        assert!(
            html.contains("<caption>Lịch &amp; địa điểm</caption>"),
            "{html}"
        );
        assert!(
            html.contains("youtube-nocookie.com/embed/dQw4w9WgXcQ"),
            "{html}"
        );
        assert!(html.contains("sandbox=\"allow-scripts"), "{html}");
        assert!(html.contains("<figure class=\"embed embed-x\"><figcaption><a href=\"https://x.com/MPS_VN/status/1583000000000000000\" rel=\"noopener nofollow\""), "{html}");
        let text = read["data"]["body_text"].as_str().expect("body_text");
        assert!(
            text.contains("1. Lễ khai mạc <SICW>\n2. Hội nghị AMCC7"),
            "{text}"
        );
        assert!(
            text.contains("Sự kiện | Ngày\nAMCC7 | 20/10/2022"),
            "{text}"
        );
    }
);

db_test!(bad_blocks_are_422_at_their_pointer, |app| {
    let writer = app.writer();
    for (block, pointer) in [
        (
            json!({"type": "embed", "url": "https://vimeo.com/76979871"}),
            "/body/0/url",
        ),
        (
            json!({"type": "embed", "url": "http://www.youtube.com/watch?v=dQw4w9WgXcQ"}),
            "/body/0/url",
        ),
        (
            json!({"type": "embed", "url": "https://www.youtube.com.evil.example/watch?v=x"}),
            "/body/0/url",
        ),
        (json!({"type": "list", "items": []}), "/body/0/items"),
        (
            json!({"type": "list", "items": ["một", " "]}),
            "/body/0/items/1",
        ),
        (json!({"type": "table", "rows": []}), "/body/0/rows"),
        (
            json!({"type": "table", "header": ["a", "b"], "rows": [["1"]]}),
            "/body/0/rows/0",
        ),
        (
            json!({"type": "table", "rows": [["x".repeat(5001)]]}),
            "/body/0/rows/0/0",
        ),
    ] {
        let res = app
            .create_article(
                &writer,
                &with(article("Khối sai"), json!({"body": [block]})),
            )
            .await;
        let problem = res.problem(422, "validation");
        let pointers: Vec<_> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["pointer"].as_str().unwrap_or("").to_owned())
            .collect();
        assert!(
            pointers.contains(&pointer.to_owned()),
            "{block}: {pointers:?}"
        );
    }
    let many = json!({"type": "list", "items": vec!["mục"; 101]});
    app.create_article(
        &writer,
        &with(article("Quá nhiều"), json!({"body": [many]})),
    )
    .await
    .problem(422, "validation");
});
