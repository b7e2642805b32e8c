use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::slugs;

const SEED_ARTICLE: &str =
    "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7";

db_test!(
    the_seed_article_has_its_publish_time_source_and_body,
    |app| {
        let body = app
            .get_ok(&format!("/api/v1/articles/{SEED_ARTICLE}"))
            .await;
        let article = &body["data"];
        assert_eq!(article["published_at"], "2022-10-21T08:24:00+07:00");
        assert_eq!(article["status"], "published");
        assert_eq!(article["source"]["short_name"], "TTXVN");
        assert_eq!(article["source"]["slug"], "ttxvn");
        let blocks = article["body"].as_array().expect("body");
        let images: Vec<_> = blocks.iter().filter(|b| b["type"] == "image").collect();
        let paragraphs = blocks.iter().filter(|b| b["type"] == "paragraph").count();
        assert_eq!(images.len(), 3);
        assert_eq!(paragraphs, 9);
        assert!(images[1]["caption"]
            .as_str()
            .is_some_and(|c| c.starts_with("Bộ trưởng Công an Tô Lâm tham dự Lễ khai mạc")));
        assert_eq!(article["cover"], *images[0]);
        assert!(article["lead"]
            .as_str()
            .is_some_and(|l| l.starts_with("Đoàn đại biểu Việt Nam do Đại tướng Tô Lâm")));
        assert!(article["body_html"].is_null(), "no html unless asked");
    }
);

db_test!(an_article_is_found_by_id_as_by_slug, |app| {
    let by_slug = app
        .get_ok(&format!("/api/v1/articles/{SEED_ARTICLE}"))
        .await;
    let id = by_slug["data"]["id"].as_i64().expect("id");
    let by_id = app.get_ok(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(by_slug, by_id);
});

db_test!(lists_are_summaries_without_body, |app| {
    let writer = app.writer();
    for title in ["Bài tóm tắt thứ nhất", "Bài tóm tắt thứ hai"] {
        let body = with(article(title), serde_json::json!({"tags": ["Tóm tắt"]}));
        app.published_article(&writer, body).await;
    }
    let body = app.get_ok("/api/v1/articles?tag=tom-tat").await;
    assert_eq!(body["meta"]["total"], 2);
    let first = &body["data"][0];
    assert!(first.get("body").is_none());
    assert_eq!(first["cover"]["caption"], "Quang cảnh hội nghị.");
    assert_eq!(
        first["tags"],
        serde_json::json!([{"slug": "tom-tat", "name": "Tóm tắt"}])
    );
    assert_eq!(
        first["events"][0],
        serde_json::json!({
            "id": first["events"][0]["id"], "slug": "amcc7",
            "name": "Hội nghị Bộ trưởng ASEAN về An ninh mạng lần thứ 7", "short_name": "AMCC7"
        })
    );
});

db_test!(the_second_article_comes_from_kgo, |app| {
    let body = app.get_ok("/api/v1/articles?source=kgo").await;
    assert_eq!(body["meta"]["total"], 1);
    assert!(body["data"][0]["title"]
        .as_str()
        .is_some_and(|t| t.starts_with("Công cuộc đấu tranh phòng, chống tham nhũng")));
});

db_test!(fields_choose_what_a_list_returns, |app| {
    let body = app
        .get_ok("/api/v1/articles?fields=title,body&per_page=1")
        .await;
    let item = body["data"][0].as_object().expect("object");
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["body", "id", "title"]);
});

db_test!(formats_render_the_body_as_escaped_html_and_text, |app| {
    let body = app
        .get_ok(&format!(
            "/api/v1/articles/{SEED_ARTICLE}?formats=html,text"
        ))
        .await;
    let html = body["data"]["body_html"].as_str().expect("html");
    assert!(html.starts_with("<figure><figcaption>Các quan chức hàng đầu ASEAN"));
    assert_eq!(html.matches("<p>").count(), 9);
    let text = body["data"]["body_text"].as_str().expect("text");
    assert!(text.contains("\n\nTại phiên khai mạc Hội nghị AMCC7, bà Josephine Teo"));
});

db_test!(include_embeds_events_with_their_parents, |app| {
    let body = app
        .get_ok(&format!(
            "/api/v1/articles/{SEED_ARTICLE}?include=events.parent,people,source"
        ))
        .await;
    let events = body["data"]["events"].as_array().expect("events");
    let amcc7 = events.iter().find(|e| e["slug"] == "amcc7").expect("amcc7");
    assert_eq!(amcc7["edition"], 7);
    assert_eq!(amcc7["parent"]["slug"], "sicw-2022");
    assert_eq!(
        amcc7["parent"]["theme"],
        "An ninh kỹ thuật số: Trách nhiệm chung"
    );
    let people = body["data"]["people"].as_array().expect("people");
    assert_eq!(people.len(), 6);
    assert!(people.iter().all(|p| p["positions"].is_array()));
    assert_eq!(body["data"]["source"]["kind"], "news_agency");
    // Without include, references only.
    let plain = app
        .get_ok(&format!("/api/v1/articles/{SEED_ARTICLE}"))
        .await;
    assert!(plain["data"]["events"][0].get("parent").is_none());
});

db_test!(filters_narrow_the_list, |app| {
    for (query, expected) in [
        // The seed article and its English edition.
        ("event=amcc7", 2),
        ("person=to-lam", 2),
        ("organization=asean", 2),
        ("tag=an-ninh-mang", 2),
        ("tag=phong-chong-tham-nhung", 1),
        ("source=ttxvn", 2),
        ("language=en", 1),
        ("language=vi", 2),
        ("event=amcc7&language=vi", 1),
        ("published_after=2022-10-21", 3),
        ("published_after=2022-10-22", 0),
        ("published_before=2022-10-21", 3),
        ("published_before=2022-10-20", 0),
        ("published_after=2022-10-21T08:24:00%2B07:00", 3),
        ("published_after=2022-10-21T08:24:01%2B07:00", 0),
        ("updated_after=2026-11-25", 3),
        ("updated_after=2026-11-26", 0),
        ("q=an%20ninh%20mang", 1),
        ("q=THAM%20NHUNG", 1),
        ("event=no-such-event", 0),
        ("event=amcc7&source=kgo", 0),
    ] {
        let body = app.get_ok(&format!("/api/v1/articles?{query}")).await;
        assert_eq!(body["meta"]["total"], expected, "{query}");
        assert_eq!(
            body["data"].as_array().map(Vec::len),
            Some(expected as usize),
            "{query}"
        );
    }
});

db_test!(sort_orders_by_title_and_id, |app| {
    let asc = slugs(&app.get_ok("/api/v1/articles?sort=title").await);
    let desc = slugs(&app.get_ok("/api/v1/articles?sort=-title").await);
    assert_eq!(
        asc.len(),
        3,
        "the seed's two articles and the English edition"
    );
    assert!(asc[0].starts_with("cong-cuoc"));
    assert_eq!(
        asc.iter().rev().collect::<Vec<_>>(),
        desc.iter().collect::<Vec<_>>()
    );
    let by_id = app.get_ok("/api/v1/articles?sort=-id").await;
    assert!(by_id["data"][0]["id"].as_i64() > by_id["data"][1]["id"].as_i64());
});

db_test!(pagination_walks_every_item_once, |app| {
    let writer = app.writer();
    for n in 1..=7 {
        let body = with(
            article(&format!("Bài phân trang số {n}")),
            serde_json::json!({"tags": ["Phân trang"]}),
        );
        app.published_article(&writer, body).await;
    }
    let first = app
        .request(
            actix_web::test::TestRequest::get().uri("/api/v1/articles?tag=phan-trang&per_page=3"),
        )
        .await;
    assert_eq!(first.status, 200);
    let link = first.header("link").expect("Link header").to_owned();
    assert!(link.contains("rel=\"next\"") && link.contains("rel=\"last\""));
    assert!(!link.contains("rel=\"prev\""));
    let body = first.json();
    assert_eq!(body["meta"]["total"], 7);
    assert_eq!(body["meta"]["total_pages"], 3);
    let mut seen = slugs(&body);
    let mut next = body["links"]["next"].as_str().map(str::to_owned);
    while let Some(url) = next {
        let page = app.get_ok(&url).await;
        seen.extend(slugs(&page));
        next = page["links"]["next"].as_str().map(str::to_owned);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 7);
    assert_eq!(unique.len(), 7);
});

db_test!(pagination_edges, |app| {
    let writer = app.writer();
    for n in 1..=7 {
        let body = with(
            article(&format!("Bài biên trang số {n}")),
            serde_json::json!({"tags": ["Biên trang"]}),
        );
        app.published_article(&writer, body).await;
    }
    let list = "/api/v1/articles?tag=bien-trang";
    let last = app.get_ok(&format!("{list}&per_page=3&page=3")).await;
    assert_eq!(last["data"].as_array().map(Vec::len), Some(1));
    assert!(last["links"]["next"].is_null());
    assert!(last["links"]["prev"]
        .as_str()
        .is_some_and(|p| p.contains("page=2")));
    let beyond = app.get_ok(&format!("{list}&per_page=3&page=99")).await;
    assert_eq!(beyond["data"], serde_json::json!([]));
    assert_eq!(beyond["meta"]["total"], 7);
    let exact = app.get_ok(&format!("{list}&per_page=7")).await;
    assert!(exact["links"]["next"].is_null());
    let max = app.get_ok(&format!("{list}&per_page=100")).await;
    assert_eq!(max["meta"]["per_page"], 100);
    let uncounted = app.get_ok(&format!("{list}&per_page=3&count=none")).await;
    assert!(uncounted["meta"].get("total").is_none());
    assert!(uncounted["links"].get("last").is_none());
    assert!(uncounted["links"]["next"].is_string());
    let empty = app.get_ok("/api/v1/articles?tag=khong-co").await;
    assert_eq!(empty["meta"]["total_pages"], 0);
    for bad in [
        "per_page=0",
        "per_page=101",
        "page=0",
        "page=-1",
        "page=abc",
        "per_page=1.5",
    ] {
        app.get(&format!("/api/v1/events?{bad}"))
            .await
            .problem(400, "invalid-parameter");
    }
});

/// Follows `links.next` from `start`, collecting slugs; asserts each page had a cursor link.
async fn walk_by_cursor(app: &crate::helpers::TestApp, start: &str) -> Vec<String> {
    let mut page = app.get_ok(start).await;
    let mut seen = slugs(&page);
    while let Some(cursor) = page["meta"]["next_cursor"].as_str().map(str::to_owned) {
        let next = page["links"]["next"]
            .as_str()
            .expect("next link")
            .to_owned();
        assert!(
            next.contains("cursor=") || seen.len() <= slugs(&page).len(),
            "{next}"
        );
        let separator = if start.contains('?') { '&' } else { '?' };
        page = app
            .get_ok(&format!("{start}{separator}cursor={cursor}"))
            .await;
        assert!(page["meta"].get("page").is_none());
        assert!(page["links"].get("last").is_none());
        seen.extend(slugs(&page));
        assert!(seen.len() <= 100, "cursor walk does not end");
    }
    seen
}

db_test!(cursors_walk_every_item_once_in_order, |app| {
    for (list, sort) in [
        ("/api/v1/events", "-starts_on"),
        ("/api/v1/events", "starts_on"),
        ("/api/v1/events", "name"),
        ("/api/v1/events", "-id"),
        ("/api/v1/people", "-name"),
        ("/api/v1/organizations", "name"),
        ("/api/v1/articles", "-published_at"),
        ("/api/v1/articles", "title"),
        ("/api/v1/events/sicw-2022/children", "-updated_at"),
    ] {
        let everything = slugs(
            &app.get_ok(&format!("{list}?sort={sort}&per_page=100"))
                .await,
        );
        for per_page in [1, 2, 3] {
            let walked =
                walk_by_cursor(&app, &format!("{list}?sort={sort}&per_page={per_page}")).await;
            assert_eq!(walked, everything, "{list} sort={sort} per_page={per_page}");
        }
    }
});

/// A cursor's JSON without its signature: what someone crafting one by hand would send.
fn unsigned(cursor: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let bytes = URL_SAFE_NO_PAD.decode(cursor).expect("base64url");
    let json = &bytes[..bytes.len() - 16];
    assert!(serde_json::from_slice::<serde_json::Value>(json).is_ok());
    URL_SAFE_NO_PAD.encode(json)
}

db_test!(bad_cursors_are_400s, |app| {
    let first = app.get_ok("/api/v1/events?per_page=2").await;
    let cursor = first["meta"]["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    for query in [
        format!("cursor={cursor}&page=2"),
        format!("cursor={cursor}&sort=name"),
        format!("cursor={cursor}&sort=-starts_on,name"),
        "cursor=bm90LWEtY3Vyc29y".to_owned(),
        "cursor=%%%".to_owned(),
        format!("cursor={}", unsigned(&cursor)),
    ] {
        let problem = app
            .get(&format!("/api/v1/events?{query}"))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(problem["errors"][0]["parameter"], "cursor", "{query}");
    }
    // Another instance on the same database takes the cursor: the key is stored there.
    let other = app.another_instance().await;
    other
        .get_ok(&format!("/api/v1/events?per_page=2&cursor={cursor}"))
        .await;
    let tags = app.get("/api/v1/tags?cursor=abc").await;
    tags.problem(400, "invalid-parameter");
    let multi = app
        .get_ok("/api/v1/events?per_page=2&sort=-starts_on,name")
        .await;
    assert!(multi["meta"].get("next_cursor").is_none());
});

db_test!(a_search_is_at_most_200_characters, |app| {
    for list in ["articles", "events", "people", "organizations"] {
        let long = "a".repeat(201);
        let problem = app
            .get(&format!("/api/v1/{list}?q={long}"))
            .await
            .problem(400, "invalid-parameter");
        assert_eq!(problem["errors"][0]["parameter"], "q", "{list}");
        let fits = "ạ".repeat(200);
        app.get_ok(&format!("/api/v1/{list}?q={}", urlencode(&fits)))
            .await;
    }
});

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
