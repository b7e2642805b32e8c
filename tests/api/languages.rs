//! Names in every language (issue 25, decision 0028): the request chooses the language (`lang`,
//! else `Accept-Language`, else the default), answers say which (`Content-Language`, `Vary`),
//! and the cache never hands one language's answer to a request for another.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::kit::{patch, put};
use crate::helpers::{Resp, TestApp};

const AMCC7_VI: &str = "Hội nghị Bộ trưởng ASEAN về An ninh mạng lần thứ 7";
const AMCC7_EN: &str = "7th ASEAN Ministerial Conference on Cybersecurity";

async fn get_in(app: &TestApp, uri: &str, accept_language: &str) -> Resp {
    app.request(
        TestRequest::get()
            .uri(uri)
            .insert_header(("Accept-Language", accept_language)),
    )
    .await
}

fn vary(res: &Resp) -> String {
    res.headers
        .get_all("vary")
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ")
}

db_test!(the_demo_answers_in_english_when_asked, |app| {
    let res = app.get("/api/v1/events/amcc7?lang=en").await;
    assert_eq!(res.status, 200, "{}", res.text());
    let event = &res.json()["data"];
    assert_eq!(event["name"], AMCC7_EN);
    assert_eq!(event["language"], "en");
    assert_eq!(event["names"]["en"]["name"], AMCC7_EN);
    assert_eq!(
        event["name_en"], AMCC7_EN,
        "the deprecated field still answers"
    );
    assert_eq!(
        event["parent"]["name"],
        "Singapore International Cyber Week 2022"
    );
    assert_eq!(res.header("content-language"), Some("en"));
    assert!(
        !vary(&res).contains("Accept-Language"),
        "`lang` chose: {}",
        vary(&res)
    );

    // No `lang`, no header: the default, and the answer varies by the header it did not get.
    let res = app.get("/api/v1/events/amcc7").await;
    assert_eq!(res.json()["data"]["name"], AMCC7_VI);
    assert_eq!(res.json()["data"]["language"], "vi");
    assert_eq!(res.header("content-language"), Some("vi"));
    assert!(vary(&res).contains("Accept-Language"), "{}", vary(&res));

    // A description in English where the event has one; the default's where it has none.
    let sicw = app.get_ok("/api/v1/events/sicw-2022?lang=en").await;
    assert!(sicw["data"]["description"]
        .as_str()
        .is_some_and(|d| d.starts_with("The leading cybersecurity forum")));
    assert_eq!(
        sicw["data"]["theme"],
        "An ninh kỹ thuật số: Trách nhiệm chung"
    );

    // An item without an English name says it is in Vietnamese.
    let asean = app.get_ok("/api/v1/organizations/asean?lang=en").await;
    assert_eq!(asean["data"]["language"], "vi");
    let ttxvn = app.get_ok("/api/v1/organizations/ttxvn?lang=en").await;
    assert_eq!(ttxvn["data"]["name"], "Vietnam News Agency");

    // People: display names and positions' titles.
    let to_lam = app.get_ok("/api/v1/people/to-lam?lang=en").await;
    assert_eq!(to_lam["data"]["name"], "To Lam");
    let titles: Vec<&str> = to_lam["data"]["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Minister of Public Security"),
        "{titles:?}"
    );

    // Articles name what they link in the language asked for, mentions and tags included.
    let article = app.get_ok("/api/v1/articles/1?lang=en").await;
    let names = |field: &str| -> Vec<String> {
        article["data"][field]
            .as_array()
            .expect(field)
            .iter()
            .filter_map(|item| item["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(names("events").contains(&AMCC7_EN.to_owned()));
    assert!(names("tags").contains(&"Cybersecurity".to_owned()));
    assert!(names("people").contains(&"To Lam".to_owned()));
    assert!(article["data"]["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .any(|m| m["name"] == AMCC7_EN));
    // The article's own text stays in its language: it is an edition of its own.
    assert_eq!(article["data"]["language"], "vi");

    // Lists, sub-collections and search too.
    let children = app
        .get_ok("/api/v1/events/sicw-2022/children?lang=en&per_page=100")
        .await;
    assert!(children["data"]
        .as_array()
        .expect("data")
        .iter()
        .any(|e| e["name"] == AMCC7_EN));
    let found = app
        .get_ok("/api/v1/search?q=AMCC7&type=event&lang=en")
        .await;
    assert_eq!(found["data"][0]["title"], AMCC7_EN);
});

db_test!(
    accept_language_chooses_by_quality_and_a_bad_one_is_ignored,
    |app| {
        let uri = "/api/v1/events/amcc7";
        for (header, expected) in [
            ("en-US,en;q=0.9,vi;q=0.8", AMCC7_EN),
            ("de, en;q=0.5, vi;q=0.4", AMCC7_EN),
            ("vi, en;q=0.5", AMCC7_VI),
            ("en;q=0, vi", AMCC7_VI),
            ("*", AMCC7_VI),
            ("en;q=7", AMCC7_VI),
            ("en_US", AMCC7_VI),
            (",,;", AMCC7_VI),
        ] {
            let res = get_in(&app, uri, header).await;
            assert_eq!(res.status, 200, "{header}: {}", res.text());
            assert_eq!(res.json()["data"]["name"], expected, "{header}");
            assert!(vary(&res).contains("Accept-Language"), "{header}");
        }
        // `lang` wins over the header.
        let res = get_in(&app, "/api/v1/events/amcc7?lang=vi", "en").await;
        assert_eq!(res.json()["data"]["name"], AMCC7_VI);
        // A served language the item has no name in, and a tag no language served matches, fall back.
        let res = app.get("/api/v1/events/amcc7?lang=fr").await;
        assert_eq!(res.json()["data"]["name"], AMCC7_VI);
        assert_eq!(res.json()["data"]["language"], "vi");
        assert_eq!(res.header("content-language"), Some("fr"));
        let res = app.get("/api/v1/events/amcc7?lang=de-AT").await;
        assert_eq!(res.json()["data"]["name"], AMCC7_VI);
        assert_eq!(res.header("content-language"), Some("vi"));
        let res = app.get("/api/v1/events/amcc7?lang=EN-gb").await;
        assert_eq!(res.json()["data"]["name"], AMCC7_EN);
    }
);

db_test!(
    a_malformed_lang_is_a_400_and_routes_without_names_refuse_it,
    |app| {
        for uri in [
            "/api/v1/events/amcc7?lang=en_US",
            "/api/v1/events?lang=english-as-spoken-in-singapore",
            "/api/v1/articles?lang=1",
            "/api/v1/search?q=AMCC7&lang=",
        ] {
            let problem = app.get(uri).await.problem(400, "invalid-parameter");
            assert_eq!(problem["errors"][0]["parameter"], "lang", "{uri}");
        }
        for uri in ["/api/v1/authors?lang=en", "/api/v1/stats/visits?lang=en"] {
            let problem = app.get(uri).await.problem(400, "invalid-parameter");
            assert_eq!(problem["errors"][0]["parameter"], "lang", "{uri}");
        }
    }
);

db_test!(the_cache_never_answers_in_another_language, |app| {
    // Each URL asked in one language, then in the other, in both orders: every answer is in
    // the language asked for, with its own ETag.
    for uri in [
        "/api/v1/events/amcc7",
        "/api/v1/events?per_page=100",
        "/api/v1/articles/1",
        "/api/v1/articles",
        "/api/v1/tags",
        "/api/v1/people/to-lam",
    ] {
        for first_english in [true, false] {
            app.state.cache.invalidate();
            let (english, vietnamese) = match first_english {
                true => {
                    let en = get_in(&app, uri, "en").await;
                    (en, app.get(uri).await)
                }
                false => {
                    let vi = app.get(uri).await;
                    (get_in(&app, uri, "en").await, vi)
                }
            };
            let again_en = get_in(&app, uri, "en-GB,en;q=0.8").await;
            let again_vi = get_in(&app, uri, "vi-VN").await;
            for (res, lang) in [
                (&english, "en"),
                (&again_en, "en"),
                (&vietnamese, "vi"),
                (&again_vi, "vi"),
            ] {
                assert_eq!(res.status, 200, "{uri}");
                assert_eq!(res.header("content-language"), Some(lang), "{uri}");
                assert!(vary(res).contains("Accept-Language"), "{uri}");
            }
            assert_ne!(english.etag(), vietnamese.etag(), "{uri}");
            assert_eq!(english.body, again_en.body, "{uri}");
            assert_eq!(vietnamese.body, again_vi.body, "{uri}");
            assert_eq!(english.etag(), again_en.etag(), "{uri}");
            assert_ne!(
                english.body, vietnamese.body,
                "{uri}: one language for both"
            );
            if let Some(name) = vietnamese.json()["data"]["name"].as_str() {
                assert_ne!(Some(name), english.json()["data"]["name"].as_str(), "{uri}");
            }
            // A 304 for the language's own ETag, not for the other's.
            let revalidated = app
                .request(
                    TestRequest::get()
                        .uri(uri)
                        .insert_header(("Accept-Language", "en"))
                        .insert_header(("If-None-Match", vietnamese.etag())),
                )
                .await;
            assert_eq!(revalidated.status, 200, "{uri}");
        }
    }
    // With `lang`, the query keys the answer: the header is not read, and not in `Vary`.
    let en = get_in(&app, "/api/v1/events/amcc7?lang=en", "vi").await;
    let vi = get_in(&app, "/api/v1/events/amcc7?lang=vi", "en").await;
    assert_eq!(en.json()["data"]["name"], AMCC7_EN);
    assert_eq!(vi.json()["data"]["name"], AMCC7_VI);
    // Links to the next page keep `lang`.
    let page = app.get("/api/v1/events?lang=en&per_page=1").await;
    let next = page.json()["links"]["next"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(next.contains("lang=en"), "{next}");
    let next_page = app.get(&next).await;
    assert_eq!(next_page.header("content-language"), Some("en"));
});

db_test!(
    names_are_written_checked_and_read_in_every_language,
    |app| {
        let token = app.writer();
        let body = json!({
            "name": "Bộ Ngoại giao Australia",
            "kind": "ministry",
            "country": "AU",
            "description": "Cơ quan phụ trách đối ngoại của Australia.",
            "names": {
                "EN": {"name": "Department of Foreign Affairs and Trade", "description": "Australia's foreign ministry."},
                "fr": {"name": "Ministère des Affaires étrangères et du Commerce"}
            }
        });
        let res = app.create(&token, "/api/v1/organizations", &body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let uri = res.location();
        let written = res.json()["data"].clone();
        assert_eq!(
            written["name"], "Bộ Ngoại giao Australia",
            "editors read the default"
        );
        assert_eq!(
            written["names"]["en"]["name"],
            "Department of Foreign Affairs and Trade"
        );
        assert_eq!(
            written["name_en"],
            "Department of Foreign Affairs and Trade"
        );

        let english = app.get_ok(&format!("{uri}?lang=en")).await;
        assert_eq!(
            english["data"]["description"],
            "Australia's foreign ministry."
        );
        let french = app.get_ok(&format!("{uri}?lang=fr")).await;
        assert_eq!(
            french["data"]["name"],
            "Ministère des Affaires étrangères et du Commerce"
        );
        assert_eq!(
            french["data"]["description"],
            "Cơ quan phụ trách đối ngoại của Australia."
        );
        // Found by any of its names.
        let found = app
            .get_ok("/api/v1/organizations?q=Foreign%20Affairs")
            .await;
        assert_eq!(found["data"].as_array().map(Vec::len), Some(1));

        // A token holder's `Accept-Language` is not read: a GET-edit-PUT keeps every language.
        let res = app
            .with_token(
                &token,
                TestRequest::get()
                    .uri(&uri)
                    .insert_header(("Accept-Language", "en")),
            )
            .await;
        assert_eq!(res.json()["data"]["name"], "Bộ Ngoại giao Australia");
        assert_eq!(res.header("content-language"), Some("vi"));
        let mut edited = res.json()["data"].clone();
        edited["names"]["en"]["name"] = json!("DFAT");
        edited["name_en"] = json!("DFAT");
        let res = app
            .with_token(&token, put(&uri, &res.etag(), &edited))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["data"]["names"]["en"]["name"], "DFAT");
        assert_eq!(
            res.json()["data"]["names"]["fr"]["name"],
            "Ministère des Affaires étrangères et du Commerce"
        );

        // The deprecated `name_en` alone still writes the English name; against `names`, a 422.
        let res = app.with_token(&token, TestRequest::get().uri(&uri)).await;
        let res = app
            .with_token(
                &token,
                patch(&uri, &res.etag(), &json!({"name_en": "Foreign Affairs"})),
            )
            .await;
        let problem = res.problem(422, "validation");
        assert_eq!(problem["errors"][0]["pointer"], "/name_en");
        let res = app
        .create(&token, "/api/v1/organizations", &json!({"name": "Bộ Quốc phòng Australia", "kind": "ministry", "name_en": "Department of Defence"}))
        .await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(
            res.json()["data"]["names"]["en"]["name"],
            "Department of Defence"
        );

        // Bad names: each a 422 naming its place.
        for (names, pointer) in [
            (json!({"vi": {"name": "x"}}), "/names/vi"),
            (json!({"de": {"name": "x"}}), "/names/de"),
            (json!({"en_US": {"name": "x"}}), "/names/en_US"),
            (json!({"en": {"name": " "}}), "/names/en/name"),
            (json!({"en": {"name": "x".repeat(501)}}), "/names/en/name"),
            (
                json!({"en": {"name": "x"}, "EN": {"name": "y"}}),
                "/names/en",
            ),
        ] {
            let res = app
                .create(
                    &token,
                    "/api/v1/events",
                    &json!({"name": "Sự kiện", "names": names}),
                )
                .await;
            let problem = res.problem(422, "validation");
            let pointers: Vec<&str> = problem["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .filter_map(|e| e["pointer"].as_str())
                .collect();
            assert!(
                pointers.iter().any(|p| p.eq_ignore_ascii_case(pointer)),
                "{names}: {pointers:?}"
            );
        }
        let res = app
        .create(&token, "/api/v1/tags", &json!({"name": "Chuyển đổi số", "names": {"en": {"name": "Digital transformation", "description": "no"}}}))
        .await;
        assert_eq!(
            res.problem(422, "validation")["errors"][0]["pointer"],
            "/names/en/description"
        );

        // Tags, sections and positions take names too.
        let res = app
            .create(
                &token,
                "/api/v1/sections",
                &json!({"name": "Thế giới", "names": {"en": {"name": "World"}}}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let section = app.get_ok(&format!("{}?lang=en", res.location())).await;
        assert_eq!(section["data"]["name"], "World");
        let res = app
        .create(&token, "/api/v1/people", &json!({
            "name": "Tim Watts",
            "names": {"zh": {"name": "蒂姆·沃茨"}},
            "positions": [{"title": "Trợ lý Ngoại trưởng", "titles": {"en": "Assistant Minister for Foreign Affairs"}}]
        }))
        .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let person: Value = app
            .get_ok(&format!("{}?lang=zh-Hans-CN", res.location()))
            .await;
        assert_eq!(person["data"]["name"], "蒂姆·沃茨");
        assert_eq!(person["data"]["language"], "zh");
        assert_eq!(
            person["data"]["positions"][0]["title"],
            "Trợ lý Ngoại trưởng"
        );
        assert_eq!(
            person["data"]["positions"][0]["title_en"],
            "Assistant Minister for Foreign Affairs"
        );
    }
);

const ENGLISH_EDITION: &str =
    "General To Lam leads the Vietnamese delegation to SICW 2022 and the AMCC7 conference";

db_test!(the_demo_has_an_english_edition_of_the_seed_article, |app| {
    let vi = app.get_ok("/api/v1/articles/1").await;
    let translations = vi["data"]["translations"]
        .as_array()
        .expect("translations")
        .clone();
    assert_eq!(translations.len(), 1, "{translations:?}");
    assert_eq!(translations[0]["language"], "en");
    assert_eq!(translations[0]["title"], ENGLISH_EDITION);
    assert_eq!(translations[0]["outdated"], false);
    let en_uri = format!("/api/v1/articles/{}", translations[0]["id"]);
    let en = app.get_ok(&format!("{en_uri}?lang=en")).await;
    assert_eq!(en["data"]["language"], "en");
    assert_eq!(en["data"]["translation_of"]["id"], 1);
    // Its text names the demo's people and events in English: the mentions found them.
    let mentioned: Vec<&str> = en["data"]["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .filter_map(|m| m["slug"].as_str())
        .collect();
    for slug in ["to-lam", "josephine-teo", "amcc7", "teo-chee-hean"] {
        assert!(mentioned.contains(&slug), "{slug} in {mentioned:?}");
    }
    // Its editions are not its related articles: `translations` names them.
    let related = app.get_ok("/api/v1/articles/1/related?limit=20").await;
    assert!(related["data"]
        .as_array()
        .expect("data")
        .iter()
        .all(|a| a["id"] != translations[0]["id"]));
    // One edition per language: the list filters by the article's own language.
    let english = app
        .get_ok("/api/v1/articles?language=en&fields=title")
        .await;
    assert_eq!(english["meta"]["total"], 1);
    assert_eq!(english["data"][0]["title"], ENGLISH_EDITION);
    // A deleted edition frees its language: another English edition may be written.
    let writer = app.writer();
    let again = json!({"title": "General To Lam at SICW 2022", "body": [], "language": "en", "translation_of": 1});
    app.create_article(&writer, &again)
        .await
        .problem(409, "conflict");
    let version = app
        .with_token(&writer, TestRequest::get().uri(&en_uri))
        .await
        .etag();
    let res = app
        .with_token(&writer, crate::helpers::kit::delete(&en_uri, &version))
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    let res = app.create_article(&writer, &again).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["data"]["translation_of"]["id"], 1);
    let vi = app.get_ok("/api/v1/articles/1").await;
    assert_eq!(
        vi["data"]["translations"].as_array().map(Vec::len),
        Some(0),
        "the new one is a draft"
    );
});

db_test!(feeds_and_sitemaps_are_per_edition, |app| {
    // An edition's feed: its articles only, its language, tags named as `lang` asks.
    let rss = app.get("/feeds/articles.rss?language=en&lang=en").await;
    assert_eq!(rss.status, 200, "{}", rss.text());
    let rss = rss.text();
    assert!(rss.contains("<language>en</language>"), "{rss}");
    assert!(rss.contains(ENGLISH_EDITION), "{rss}");
    assert!(
        !rss.contains("Đại tướng Tô Lâm dẫn đầu"),
        "another edition in the feed"
    );
    assert!(rss.contains("<category>Cybersecurity</category>"), "{rss}");
    assert!(
        rss.contains("https://portal.example.vn/en/tin/"),
        "{{lang_prefix}}: {rss}"
    );
    let all = app.get("/feeds/articles.rss").await.text();
    assert!(
        all.contains("<language>vi</language>")
            && all.contains("<category>An ninh mạng</category>")
    );
    // Feeds are subscribed to by URL: a reader's Accept-Language does not change them.
    assert_eq!(get_in(&app, "/feeds/articles.rss", "en").await.text(), all);
    let atom = app.get("/feeds/articles.atom?language=en").await.text();
    assert!(atom.contains("xml:lang=\"en\""), "{atom}");
    let json_feed = app.get_ok("/feeds/articles.json?language=en").await;
    assert_eq!(json_feed["language"], "en");
    assert_eq!(json_feed["items"][0]["language"], "en");
    app.get("/feeds/articles.rss?language=english!")
        .await
        .problem(400, "invalid-parameter");

    // The sitemap links the editions to each other, the default's as x-default.
    let page = app.get("/sitemaps/articles-1.xml").await.text();
    assert!(
        page.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""),
        "{page}"
    );
    let vi_url = "https://portal.example.vn/tin/dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7-1.html";
    for link in [
        format!("<xhtml:link rel=\"alternate\" hreflang=\"vi\" href=\"{vi_url}\"/>"),
        format!("<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{vi_url}\"/>"),
        "<xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://portal.example.vn/en/tin/"
            .to_owned(),
    ] {
        assert_eq!(
            page.matches(&link).count(),
            2,
            "{link} for each edition: {page}"
        );
    }
    // An edition that is not out is not linked.
    let writer = app.writer();
    let draft = app
        .create_article(
            &writer,
            &json!({"title": "Bản nháp tiếng Pháp", "body": [], "language": "fr", "translation_of": 1}),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.text());
    let page = app.get("/sitemaps/articles-1.xml").await.text();
    assert!(!page.contains("hreflang=\"fr\""), "{page}");
});

db_test!(search_stems_english_and_narrows_by_language, |app| {
    // `conferences` is nowhere as written; its stem finds `conference`.
    let found = app
        .get_ok("/api/v1/search?q=conferences&type=article&language=en")
        .await;
    let titles: Vec<&str> = found["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["title"].as_str())
        .collect();
    assert_eq!(titles, [ENGLISH_EDITION]);
    // Events carry every language's names: found by a form of an English name.
    let events = app
        .get_ok("/api/v1/search?q=conferences&type=event&lang=en")
        .await;
    assert!(events["data"]
        .as_array()
        .expect("data")
        .iter()
        .any(|r| r["title"] == AMCC7_EN));
    // `language` narrows articles to one edition.
    let vietnamese = app
        .get_ok("/api/v1/search?q=AMCC7&type=article&language=vi")
        .await;
    assert_eq!(vietnamese["meta"]["total"], 1);
    assert_eq!(vietnamese["data"][0]["id"], 1);
    let both = app.get_ok("/api/v1/search?q=AMCC7&type=article").await;
    assert_eq!(both["meta"]["total"], 2);
    // Lists' `q` too, with the list's `language` choosing the stemmer.
    let listed = app
        .get_ok("/api/v1/articles?q=conferences&language=en&fields=title")
        .await;
    assert_eq!(listed["meta"]["total"], 1);
    let ranked = app
        .get_ok("/api/v1/events?q=conferences&sort=relevance&lang=en&fields=name")
        .await;
    assert_eq!(ranked["data"][0]["name"], AMCC7_EN);
    let vietnamese_only = app
        .get_ok("/api/v1/articles?q=conferences&language=vi")
        .await;
    assert_eq!(vietnamese_only["meta"]["total"], 0);
    // Vietnamese is matched as before: no stemming of `vi`, and a quoted word is as written.
    let quoted = app
        .get_ok("/api/v1/search?q=%22conferences%22&type=article")
        .await;
    assert_eq!(quoted["meta"]["total"], 0);
    app.get("/api/v1/search?q=AMCC7&language=vi_VN")
        .await
        .problem(400, "invalid-parameter");
});

db_test!(
    a_preview_link_names_things_in_the_language_asked_for,
    |app| {
        let writer = app.writer();
        let draft = app
            .create_article(
                &writer,
                &json!({"title": "Bản nháp về AMCC7", "body": [], "events": ["amcc7"]}),
            )
            .await
            .location();
        let made = app
            .with_token(
                &writer,
                TestRequest::post().uri(&format!("{draft}/preview-links")),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text());
        let url = made.json()["data"]["url"].as_str().expect("url").to_owned();
        let path = &url[url.find("/api/v1/previews/").expect("a preview URL")..];
        let english = app.get(&format!("{path}?lang=en")).await;
        assert_eq!(english.status, 200, "{}", english.text());
        assert_eq!(english.json()["data"]["events"][0]["name"], AMCC7_EN);
        assert_eq!(english.header("content-language"), Some("en"));
        // A preview is private: the reader's header does not choose.
        let by_header = get_in(&app, path, "en").await;
        assert_eq!(by_header.json()["data"]["events"][0]["name"], AMCC7_VI);
        app.get(&format!("{path}?lang=en_GB"))
            .await
            .problem(400, "invalid-parameter");
    }
);
