//! Search on both databases (issue 10): a corpus of made-up articles beside the demo data,
//! covering `duong`/`dương`/`đường`, tone-mark placement, pasted `Ð`, NFD input, prefixes,
//! phrases, syntax characters, field weights, recency and visibility.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::TestApp;

/// Publishes an article with this title, lead and one paragraph, published `days_ago`.
async fn publish(app: &TestApp, token: &str, title: &str, lead: &str, text: &str, days_ago: i64) {
    let at = app.now() - chrono::Duration::days(days_ago);
    let body = with(
        article(title),
        json!({
            "lead": lead,
            "body": [{"type": "paragraph", "text": text}],
            "published_at": format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S")),
            "tags": [], "events": [], "people": [], "organizations": [],
        }),
    );
    app.published_article(token, body).await;
}

/// The results of `/search` as `type:slug`, in order.
async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let body = app
        .get_ok(&format!("/api/v1/search?q={q}&per_page=100"))
        .await;
    results(&body)
}

fn results(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| {
            format!(
                "{}:{}",
                r["type"].as_str().unwrap_or("?"),
                r["slug"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

async fn corpus(app: &TestApp) -> String {
    let writer = app.writer();
    publish(
        app,
        &writer,
        "Con đường mới ở Khánh Hòa",
        "Tin giao thông.",
        "Mở rộng quốc lộ.",
        5,
    )
    .await;
    publish(
        app,
        &writer,
        "Bờ biển Dương Đông",
        "Tin du lịch.",
        "Phú Quốc đón khách.",
        5,
    )
    .await;
    publish(
        app,
        &writer,
        "Ông Duong Van Minh",
        "Tin nhân sự.",
        "Bổ nhiệm mới.",
        5,
    )
    .await;
    publish(
        app,
        &writer,
        "Hội nghị hoà bình",
        "Tin ngoại giao.",
        "Các bên thống nhất.",
        6,
    )
    .await;
    publish(
        app,
        &writer,
        "Phòng chống tham nhũng",
        "Tin nội chính.",
        "Kiểm tra tài sản.",
        6,
    )
    .await;
    publish(
        app,
        &writer,
        "Đoàn công tác",
        "Ông tham dự hội thảo.",
        "Cùng những người khác.",
        6,
    )
    .await;
    publish(
        app,
        &writer,
        "\u{D0}ại hội thể thao",
        "Tin thể thao.",
        "Khai mạc.",
        7,
    )
    .await;
    // NFD as some editors' tools send it: stored NFC, found either way.
    publish(
        app,
        &writer,
        "Khu\u{302}ng bo\u{302}\u{301} ma\u{323}ng",
        "Tin an ninh.",
        "Cảnh báo.",
        7,
    )
    .await;
    // One word in three places, for the field weights; and twins for recency.
    publish(
        app,
        &writer,
        "Cảng Vân Phong",
        "Tin kinh tế.",
        "Không có gì.",
        8,
    )
    .await;
    publish(
        app,
        &writer,
        "Tin kinh tế",
        "Cảng Vân Phong mở rộng.",
        "Không có gì.",
        8,
    )
    .await;
    publish(
        app,
        &writer,
        "Tin biển",
        "Tin tức.",
        "Tàu cập cảng Vân Phong.",
        8,
    )
    .await;
    publish(
        app,
        &writer,
        "Bản tin sáng",
        "Thời tiết.",
        "Nắng nóng kéo dài.",
        9,
    )
    .await;
    publish(
        app,
        &writer,
        "Bản tin sáng",
        "Thời tiết.",
        "Nắng nóng kéo dài.",
        2,
    )
    .await;
    writer
}

db_test!(
    search_ignores_case_and_diacritics_and_ranks_exact_words_first,
    |app| {
        corpus(&app).await;
        // Folded: every spelling of duong, exact first.
        let duong = found(&app, "\"đường\"").await;
        assert_eq!(
            duong.first().map(String::as_str),
            Some("article:con-duong-moi-o-khanh-hoa"),
            "{duong:?}"
        );
        assert!(
            duong.contains(&"article:bo-bien-duong-dong".to_owned()),
            "{duong:?}"
        );
        assert!(
            duong.contains(&"article:ong-duong-van-minh".to_owned()),
            "{duong:?}"
        );
        let plain = found(&app, "\"duong\"").await;
        assert_eq!(
            plain.first().map(String::as_str),
            Some("article:ong-duong-van-minh"),
            "{plain:?}"
        );
        let ocean = found(&app, "\"dương\"").await;
        assert_eq!(
            ocean.first().map(String::as_str),
            Some("article:bo-bien-duong-dong"),
            "{ocean:?}"
        );
        // Accents and case ignored; tone marks placed either way are one word, exactly.
        assert!(found(&app, "dai tuong")
            .await
            .contains(&"person:to-lam".to_owned()));
        assert!(found(&app, "khung bo mang")
            .await
            .contains(&"article:khung-bo-mang".to_owned()));
        assert!(found(&app, "khủng bố mạng")
            .await
            .contains(&"article:khung-bo-mang".to_owned()));
        let peace = app.get_ok("/api/v1/search?q=h%C3%B2a%20b%C3%ACnh").await;
        assert_eq!(results(&peace), ["article:hoi-nghi-hoa-binh"]);
        assert!(
            peace["data"][0]["score"].as_f64() >= Some(12.0),
            "hòa = hoà, exactly: {peace}"
        );
        // `Ð` pasted for `Đ` is `Đ`, both ways.
        assert_eq!(
            found(&app, "\"đại hội\"").await,
            ["article:dai-hoi-the-thao"]
        );
        assert!(found(&app, "\u{D0}ại hội")
            .await
            .contains(&"article:dai-hoi-the-thao".to_owned()));
    }
);

db_test!(
    search_matches_phrases_prefixes_and_syntax_literally,
    |app| {
        corpus(&app).await;
        // Syllables are not words: tham nhũng is a phrase.
        let corruption = found(&app, "tham nhũng").await;
        assert!(
            corruption.contains(&"article:phong-chong-tham-nhung".to_owned()),
            "{corruption:?}"
        );
        assert!(
            !corruption.contains(&"article:doan-cong-tac".to_owned()),
            "{corruption:?}"
        );
        // The last word is a prefix; quoted, it is whole.
        assert!(found(&app, "mayork")
            .await
            .contains(&"person:alejandro-mayorkas".to_owned()));
        assert!(found(&app, "\"mayork\"").await.is_empty());
        // Aliases, short names.
        assert!(found(&app, "Teo Chee Hean")
            .await
            .contains(&"person:teo-chee-hean".to_owned()));
        assert!(found(&app, "Tiêu Chí Hiền")
            .await
            .contains(&"person:teo-chee-hean".to_owned()));
        assert!(found(&app, "Josephin Teo")
            .await
            .contains(&"person:josephine-teo".to_owned()));
        assert!(found(&app, "AMCC7")
            .await
            .contains(&"event:amcc7".to_owned()));
        assert!(found(&app, "TTXVN")
            .await
            .contains(&"organization:ttxvn".to_owned()));
        // No whole-phrase match: cut into the longest phrases the index holds.
        let cut = found(&app, "cảng vân phong tàu").await;
        assert_eq!(cut, ["article:tin-bien"], "{cut:?}");
        // Syntax characters are literal separators: never a 500, never an operator.
        for q in [
            "%",
            "_",
            "*",
            "\\",
            "'",
            "NEAR",
            "a OR b",
            "-c",
            "\"",
            "(x",
            "^",
            "col:val",
            "an* NOT ninh",
            "\u{0}",
        ] {
            let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            let res = app.get(&format!("/api/v1/search?q={encoded}")).await;
            assert!(
                res.status == 200 || res.status == 400,
                "{q:?}: {}",
                res.status
            );
        }
        app.get("/api/v1/search?q=%25%25")
            .await
            .problem(400, "invalid-parameter");
        app.get("/api/v1/search")
            .await
            .problem(400, "invalid-parameter");
        let long: String = "a".repeat(201);
        app.get(&format!("/api/v1/search?q={long}"))
            .await
            .problem(400, "invalid-parameter");
        app.get("/api/v1/search?q=a&type=tag")
            .await
            .problem(400, "invalid-parameter");
        // Snippets mark the words and escape the rest.
        let body = app.get_ok("/api/v1/search?q=tham%20nh%C5%A9ng").await;
        let snippet = body["data"][0]["snippet"].as_str().unwrap_or("");
        assert!(
            snippet.contains("<mark>tham</mark> <mark>nhũng</mark>"),
            "{snippet}"
        );
    }
);

db_test!(search_weighs_fields_and_prefers_newer_among_equals, |app| {
    corpus(&app).await;
    assert_eq!(
        found(&app, "\"cảng vân phong\"").await,
        [
            "article:cang-van-phong",
            "article:tin-kinh-te",
            "article:tin-bien"
        ]
    );
    let twins = found(&app, "\"nắng nóng kéo dài\"").await;
    assert_eq!(twins.len(), 2);
    let newest = app
        .get_ok("/api/v1/articles?per_page=1&q=n%E1%BA%AFng%20n%C3%B3ng")
        .await;
    assert_eq!(
        twins[0],
        format!(
            "article:{}",
            newest["data"][0]["slug"].as_str().unwrap_or("")
        )
    );
    // Lists match the same way and rank the same way with sort=relevance.
    let ranked = app
        .get_ok(
            "/api/v1/articles?q=%22c%E1%BA%A3ng%20v%C3%A2n%20phong%22&sort=relevance&fields=slug",
        )
        .await;
    let slugs: Vec<&str> = ranked["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|a| a["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["cang-van-phong", "tin-kinh-te", "tin-bien"]);
    assert_eq!(ranked["meta"]["total"], 3);
    app.get("/api/v1/articles?sort=relevance")
        .await
        .problem(400, "invalid-parameter");
    // Narrowed by another filter, still ranked.
    let narrowed = app
        .get_ok("/api/v1/people?q=teo&sort=relevance&country=SG&fields=slug")
        .await;
    assert!(
        narrowed["data"].as_array().is_some_and(|d| !d.is_empty()),
        "{narrowed}"
    );
});

db_test!(search_shows_each_caller_what_they_may_see, |app| {
    let writer = app.writer();
    let draft = with(
        article("Bản nháp bí mật quốc phòng"),
        json!({"status": "draft"}),
    );
    app.create_article(&writer, &draft).await;
    assert!(found(&app, "bi mat quoc phong").await.is_empty());
    let preview = app
        .with_token(
            &writer,
            TestRequest::get().uri("/api/v1/search?q=bi%20mat%20quoc%20phong"),
        )
        .await;
    assert_eq!(
        results(&preview.json()),
        ["article:ban-nhap-bi-mat-quoc-phong"]
    );
    assert_eq!(preview.header("cache-control"), Some("private, no-store"));
    // An edit reaches the index in its own transaction; a delete leaves it.
    let location = app
        .published_article(&writer, article("Tin cũ về cảng biển"))
        .await;
    assert_eq!(
        found(&app, "\"cang bien\"").await,
        ["article:tin-cu-ve-cang-bien"]
    );
    let res = app
        .with_token(
            &writer,
            crate::helpers::kit::patch(&location, "\"1\"", &json!({"title": "Tin mới về sân bay"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let after = found(&app, "\"cang bien\"").await;
    assert!(after.is_empty(), "{after:?}");
    assert_eq!(
        found(&app, "\"san bay\"").await,
        ["article:tin-cu-ve-cang-bien"]
    );
    let res = app
        .with_token(&writer, crate::helpers::kit::delete(&location, "\"2\""))
        .await;
    assert_eq!(res.status, 204);
    assert!(found(&app, "\"san bay\"").await.is_empty());
    // People are found by a new alias as soon as it is written.
    let person = json!({"name": "Nguyễn Văn A", "aliases": [{"name": "Anh Ba Sài Gòn", "language": "vi", "kind": "other"}]});
    assert_eq!(
        app.create(&writer, "/api/v1/people", &person).await.status,
        201
    );
    assert_eq!(found(&app, "ba sai gon").await, ["person:nguyen-van-a"]);
});

// While the one-time fill runs in the background (a large database after an upgrade), search
// says so rather than answering from a half-filled index; everything else answers.
db_test!(search_answers_503_while_the_index_is_being_filled, |app| {
    app.search_fill.begin(1_000_000);
    app.search_fill.progress(250_000);
    for uri in [
        "/api/v1/search?q=amcc7",
        "/api/v1/articles?q=amcc7",
        "/api/v1/articles?q=amcc7&sort=relevance",
        "/api/v1/people?q=teo",
    ] {
        let res = app.get(uri).await;
        assert_eq!(res.status, 503, "{uri}");
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
        assert_eq!(res.header("retry-after"), Some("30"));
        let problem = res.json();
        assert_eq!(problem["type"], "/problems/search-filling");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("250000 of 1000000")),
            "{problem}"
        );
    }
    app.get_ok("/api/v1/articles").await;
    app.search_fill.finish();
    let body = app.get_ok("/api/v1/search?q=amcc7").await;
    assert!(!results(&body).is_empty());
});

// The fill adds the rows that are missing and keeps those a write made, even while writers
// are at work (on PostgreSQL they really run at the same time: a fill's row gives way to a
// write's, a write's replaces a fill's).
db_test!(the_fill_adds_missing_rows_beside_concurrent_writes, |app| {
    use diesel::connection::SimpleConnection;
    use newsroom::db::{search, DbConnection};
    let clear = |conn: &mut DbConnection| match conn {
        DbConnection::Sqlite(c) => c
            .batch_execute("DELETE FROM search_index; DELETE FROM maintenance_steps;")
            .expect("clear"),
        DbConnection::Pg(c) => c
            .batch_execute("DELETE FROM search_index; DELETE FROM maintenance_steps;")
            .expect("clear"),
    };
    let writer = app.writer();
    for i in 0..40 {
        publish(
            &app,
            &writer,
            &format!("Bài cũ số {i}"),
            "Tin.",
            "Nội dung.",
            3,
        )
        .await;
    }
    clear(&mut app.conn());
    assert!(search::fill_pending(&mut app.conn()).expect("step"));
    assert!(found(&app, "amcc7").await.is_empty(), "the index is empty");
    let mut conn = app.conn();
    let filler = std::thread::spawn(move || {
        let mut passes = 0;
        // As the background fill does: a pass that meets a writer (SQLite) is run again.
        loop {
            passes += 1;
            match search::fill(&mut conn, chrono::Utc::now().naive_utc(), &|_| {}) {
                Ok(added) => return (added, passes),
                Err(_) if passes < 50 => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => panic!("fill: {e}"),
            }
        }
    });
    for i in 0..10 {
        publish(
            &app,
            &writer,
            &format!("Tin mới zyxw{i}"),
            "Tin.",
            "Nội dung.",
            1,
        )
        .await;
    }
    let (added, _) = filler.join().expect("the fill ends");
    assert!(added >= 40, "the fill added the older rows: {added}");
    assert!(!search::fill_pending(&mut app.conn()).expect("step"));
    for i in 0..10 {
        assert_eq!(found(&app, &format!("zyxw{i}")).await.len(), 1, "zyxw{i}");
    }
    assert_eq!(found(&app, "bài cũ số 7").await.len(), 1);
    assert!(!found(&app, "amcc7").await.is_empty());
    // One row per item, whoever wrote it.
    let total = search::fill_size(&mut app.conn()).expect("size");
    let rows: i64 = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT count(*) AS n FROM search_index")
            .get_result::<N>(&mut **app.conn())
            .expect("count")
            .n
    };
    assert_eq!(rows as u64, total);
});

// A one-word prefix stands for the words it begins (from `search_terms`); one that begins more
// than the index should expand is the index's own prefix match. Both find the same items.
db_test!(
    a_prefix_finds_what_it_begins_however_many_words_it_begins,
    |app| {
        let writer = app.writer();
        let many: Vec<String> = (0..70).map(|i| format!("zq{i}")).collect();
        publish(&app, &writer, "Mã số kiểm thử", "Tin.", &many.join(" "), 2).await;
        publish(&app, &writer, "Một bài khác", "Tin.", "zq70 zqx", 2).await;
        assert_eq!(
            found(&app, "zq").await.len(),
            2,
            "70+ words: the index's prefix"
        );
        assert_eq!(found(&app, "zq7").await.len(), 2, "zq7, zq70");
        assert_eq!(found(&app, "zq69").await.len(), 1);
        assert_eq!(found(&app, "zqx").await.len(), 1);
        assert!(found(&app, "zqy").await.is_empty(), "no word: nothing");
        assert_eq!(
            found(&app, "kiểm zq1").await.len(),
            1,
            "no item holds the phrase: cut into `kiểm` and the prefix `zq1`"
        );
        assert_eq!(
            found(&app, "\"thử\" zq1").await.len(),
            1,
            "two phrases, the last a prefix"
        );
    }
);

/// `meta.total` of an anonymous article search.
async fn total(app: &TestApp, q: &str) -> i64 {
    let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let body = app
        .get_ok(&format!("/api/v1/search?q={q}&type=article"))
        .await;
    body["meta"]["total"].as_i64().unwrap_or(-1)
}

// A total counts what the public may see, whichever way it is counted. On SQLite, when fewer
// articles are hidden than match, it is every match less the hidden ones that match: here six
// public articles and four hidden ones hold `rạn san hô` (the demo hides none). Otherwise each
// match is looked up: `cá voi xanh` is in one public article and one draft, with five hidden in
// all. Hidden: a draft, a scheduled article, an archived one, and one deleted behind the API's
// back (its search row left in the index, as a script would leave it).
db_test!(search_totals_count_only_what_the_public_may_see, |app| {
    use diesel::prelude::*;
    let writer = app.writer();
    for i in 0..6 {
        publish(
            &app,
            &writer,
            &format!("Rạn san hô số {i}"),
            "Tin biển.",
            "Bảo tồn.",
            i + 1,
        )
        .await;
    }
    let draft = with(article("Rạn san hô bản nháp"), json!({"status": "draft"}));
    assert_eq!(app.create_article(&writer, &draft).await.status, 201);
    publish(
        &app,
        &writer,
        "Rạn san hô hẹn giờ",
        "Tin biển.",
        "Sắp đăng.",
        -1,
    )
    .await;
    let archived = app
        .published_article(&writer, article("Rạn san hô lưu trữ"))
        .await;
    let res = app
        .with_token(
            &writer,
            crate::helpers::kit::patch(&archived, "\"1\"", &json!({"status": "archived"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    app.published_article(&writer, article("Rạn san hô đã xóa"))
        .await;
    let id: i64 = newsroom::db::schema::articles::table
        .filter(newsroom::db::schema::articles::slug.eq("ran-san-ho-da-xoa"))
        .select(newsroom::db::schema::articles::id)
        .first(&mut **app.conn())
        .expect("deleted article");
    diesel::update(newsroom::db::schema::articles::table.find(id))
        .set(newsroom::db::schema::articles::deleted_at.eq(Some(app.now())))
        .execute(&mut **app.conn())
        .expect("soft delete");
    app.cache.invalidate();
    assert_eq!(total(&app, "rạn san hô").await, 6);
    assert_eq!(found(&app, "rạn san hô").await.len(), 6);

    publish(
        &app,
        &writer,
        "Cá voi xanh ở Côn Đảo",
        "Tin biển.",
        "Hiếm gặp.",
        1,
    )
    .await;
    let draft = with(article("Cá voi xanh bản nháp"), json!({"status": "draft"}));
    assert_eq!(app.create_article(&writer, &draft).await.status, 201);
    assert_eq!(total(&app, "cá voi xanh").await, 1);

    // The scheduled one comes out at its moment.
    app.clock
        .set((app.now() + chrono::Duration::days(2)).and_utc());
    app.cache.invalidate();
    assert_eq!(total(&app, "rạn san hô").await, 7);
    assert_eq!(found(&app, "rạn san hô").await.len(), 7);
});
