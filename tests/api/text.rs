//! Finding 8 (and 2) of the third hostile test: what a one-line text refuses (bidi controls, a
//! stray joiner or BOM, line separators, noncharacters, a name of combining marks only), names
//! stored NFC, tag names unique by their NFC form under concurrent creates, author links with a
//! host, a form with one file, and XML outputs that carry what prose holds.

use actix_web::test::TestRequest;
use futures_util::future::join_all;
use serde_json::json;

use crate::db_test;

db_test!(one_line_texts_refuse_what_reorders_or_hides, |app| {
    let writer = app.writer();
    for name in [
        "Tô Lâm\u{202e}gnaH",
        "\u{2066}Josephine Teo\u{2069}",
        "Tô Lâm\u{2028}Bộ trưởng",
        "\u{feff}Tô Lâm",
        "\u{200d}",
        "Tô Lâm \u{200d}",
        "Tô Lâm\u{fffe}",
        "\u{301}\u{323}\u{309}",
    ] {
        let res = app
            .create(&writer, "/api/v1/people", &json!({ "name": name }))
            .await;
        let problem = res.problem(422, "validation");
        assert_eq!(
            problem["errors"][0]["pointer"], "/name",
            "{name:?}: {problem}"
        );
        let res = app.create_article(&writer, &json!({ "title": name })).await;
        res.problem(422, "validation");
    }
    // Stored NFC: the decomposed spelling comes back composed.
    let res = app
        .create(
            &writer,
            "/api/v1/people",
            &json!({"name": "Nguye\u{302}\u{303}n Thi\u{323} Tho\u{309}a"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["data"]["name"], "Nguyễn Thị Thỏa");
    // A joiner inside an emoji sequence is part of the name.
    let res = app
        .create(
            &writer,
            "/api/v1/tags",
            &json!({"name": "👩\u{200d}💻 Lập trình"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
});

db_test!(tag_names_are_unique_by_their_nfc_form, |app| {
    let writer = app.writer();
    let body = json!({"name": "Chuyển đổi số quốc gia"});
    let answers = join_all((0..8).map(|_| app.create(&writer, "/api/v1/tags", &body))).await;
    let created = answers.iter().filter(|res| res.status == 201).count();
    let refused = answers.iter().filter(|res| res.status == 409).count();
    assert_eq!(
        (created, refused),
        (1, 7),
        "eight identical creates make one tag"
    );
    for res in answers.iter().filter(|res| res.status == 409) {
        let problem = res.problem(409, "conflict");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("/api/v1/tags/chuyen-doi-so-quoc-gia"),
            "{detail}"
        );
        assert!(
            !detail.contains("constraint") && !detail.contains("_key"),
            "{detail}"
        );
    }
    // The decomposed twin is the same name.
    let twin = "Chuye\u{302}\u{309}n đo\u{302}\u{309}i so\u{302}\u{301} quo\u{302}\u{301}c gia";
    app.create(
        &writer,
        "/api/v1/tags",
        &json!({"name": twin, "slug": "ban-sao"}),
    )
    .await
    .problem(409, "conflict");
    // An article naming it, in either spelling, carries the one tag.
    let res = app
        .create_article(
            &writer,
            &json!({"title": "Bài về chuyển đổi số", "tags": [twin]}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(
        res.json()["data"]["tags"][0]["slug"],
        "chuyen-doi-so-quoc-gia"
    );
    // Renaming another tag to the name is refused too.
    let other = app
        .create(&writer, "/api/v1/tags", &json!({"name": "Kinh tế số"}))
        .await;
    assert_eq!(other.status, 201);
    app.with_token(
        &writer,
        crate::helpers::kit::patch("/api/v1/tags/kinh-te-so", "\"1\"", &json!({"name": twin})),
    )
    .await
    .problem(409, "conflict");
});

db_test!(author_links_need_a_host_and_forms_one_file, |app| {
    let writer = app.writer();
    for url in ["https://", "http://", "mailto:", "https:///duong-dan"] {
        let res = app
            .create(
                &writer,
                "/api/v1/authors",
                &json!({"name": "Phóng viên thử", "links": [{"url": url}]}),
            )
            .await;
        let problem = res.problem(422, "validation");
        assert_eq!(
            problem["errors"][0]["pointer"], "/links/0/url",
            "{url}: {problem}"
        );
    }
    let boundary = "ranh-gioi-hai-tep";
    let png = crate::media::png(40, 30);
    let mut body = Vec::new();
    for _ in 0..2 {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"anh.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(&png);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let res = app
        .with_token(
            &writer,
            TestRequest::post()
                .uri("/api/v1/media")
                .insert_header((
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                ))
                .set_payload(body),
        )
        .await;
    let problem = res.problem(400, "invalid-body");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("more than once")),
        "{problem}"
    );
});

// Every XML output, with prose holding each class of character XML 1.0 forbids, is made of
// XML characters only and parses.
db_test!(xml_outputs_carry_prose_with_forbidden_characters, |app| {
    let writer = app.writer();
    let forbidden = "Đoạn\u{b}mềm\u{c}trang\u{1}điều khiển\u{fffe}\u{ffff} hết";
    let slug = app
        .published_article(
            &writer,
            json!({
                "title": "Bài có ký tự lạ",
                "lead": forbidden,
                "body": [{"type": "paragraph", "text": forbidden}],
                "tags": ["Ký tự lạ"],
            }),
        )
        .await;
    assert!(!slug.is_empty());
    for path in [
        "/feeds/articles.rss",
        "/feeds/articles.atom",
        "/sitemaps/news.xml",
        "/sitemap.xml",
        "/sitemaps/articles-1.xml",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, 200, "{path}: {}", res.text());
        let text = res.text();
        let bad: Vec<char> = text
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..))
            .collect();
        assert!(bad.is_empty(), "{path} holds {bad:?}");
        let mut reader = quick_xml::Reader::from_str(&text);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{path} is not XML: {e}"),
            }
        }
    }
    let rss = app.get("/feeds/articles.rss").await.text();
    assert!(rss.contains("Đoạn mềm trang điều khiển hết"), "{rss}");
    // One-line texts refuse them instead.
    app.create_article(&writer, &json!({"title": "Tiêu đề\u{fffe}"}))
        .await
        .problem(422, "validation");
});
