//! HTTP caching of public reads: strong ETags from the bytes sent, `304` for `If-None-Match`.

use actix_web::test::TestRequest;

use crate::db_test;
use crate::helpers::kit::patch;

/// Every public GET the spec documents, with its example path parameter filled in.
fn public_gets() -> Vec<String> {
    let spec: serde_json::Value =
        serde_json::from_str(&newsroom::openapi::spec_json()).expect("spec is JSON");
    let mut paths = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        // Media files exist only after an upload: `media::` tests their ETags and 304s. The
        // change feed is `no-store` (it long-polls; its cursor is the caller's place), metrics
        // are for a scraper; a preview link is private by design (`previews::`); the demo has
        // no sections or authors (the seed page names none), `sections::` and `authors::` cover
        // their reads.
        if get.get("security").is_some()
            || path == "/livez"
            || path == "/readyz"
            || path == "/metrics"
            || path == "/api/v1/changes"
            || path.starts_with("/api/v1/previews/")
            || path.starts_with("/api/v1/sections/")
            || path.starts_with("/api/v1/authors/")
            || path.starts_with("/media/")
        {
            continue;
        }
        let mut url = path.clone();
        let mut query = Vec::new();
        for param in get["parameters"].as_array().into_iter().flatten() {
            let name = param["name"].as_str().unwrap_or("");
            let example = match &param["example"] {
                serde_json::Value::Number(n) => n.to_string(),
                other => other.as_str().unwrap_or("").to_owned(),
            };
            let example = example.as_str();
            if param["in"] == "path" {
                url = url.replace(&format!("{{{name}}}"), example);
            } else if param["required"] == true {
                let value: String = form_urlencoded::byte_serialize(example.as_bytes()).collect();
                query.push(format!("{name}={value}"));
            }
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        paths.push(url);
    }
    paths
}

db_test!(every_public_get_has_a_strong_etag_and_answers_304, |app| {
    let paths = public_gets();
    assert!(paths.len() >= 15, "{paths:?}");
    for path in paths {
        let res = app.get(&path).await;
        assert_eq!(
            res.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&res.body)
        );
        let etag = res.etag();
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "{path}: strong, quoted: {etag}"
        );
        let again = app.get(&path).await;
        assert_eq!(again.etag(), etag, "{path}: the same bytes, the same ETag");
        for given in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"nicht\", {etag}"),
            "*".to_owned(),
        ] {
            let cached = app
                .request(
                    TestRequest::get()
                        .uri(&path)
                        .insert_header(("If-None-Match", given.as_str())),
                )
                .await;
            assert_eq!(cached.status, 304, "{path} with If-None-Match: {given}");
            assert!(cached.body.is_empty(), "{path}: a 304 has no body");
            assert_eq!(cached.etag(), etag);
        }
        let other = app
            .request(
                TestRequest::get()
                    .uri(&path)
                    .insert_header(("If-None-Match", "\"khac\"")),
            )
            .await;
        assert_eq!(other.status, 200, "{path}: another ETag gets the body");
        assert_eq!(other.body, res.body);
    }
});

db_test!(
    a_change_changes_the_etag_and_token_holders_keep_the_editorial_one,
    |app| {
        let before = app.get("/api/v1/events/amcc7").await.etag();
        let list_before = app.get("/api/v1/events").await.etag();
        let writer = app.writer();
        let editorial = app
            .with_token(&writer, TestRequest::get().uri("/api/v1/events/amcc7"))
            .await;
        assert_eq!(
            editorial.etag(),
            "\"1\"",
            "the version ETag that If-Match takes"
        );
        assert_eq!(editorial.header("cache-control"), Some("private, no-store"));
        let listed = app
            .with_token(&writer, TestRequest::get().uri("/api/v1/events"))
            .await;
        assert!(
            listed.header("etag").is_none(),
            "no public ETag on a token holder's list"
        );
        let changed = app
            .with_token(
                &writer,
                patch(
                    "/api/v1/events/amcc7",
                    "\"1\"",
                    &serde_json::json!({"city": "Singapura"}),
                ),
            )
            .await;
        assert_eq!(changed.status, 200);
        let after = app
            .request(
                TestRequest::get()
                    .uri("/api/v1/events/amcc7")
                    .insert_header(("If-None-Match", before.as_str())),
            )
            .await;
        assert_eq!(after.status, 200, "the old ETag is stale");
        assert_ne!(after.etag(), before);
        assert_ne!(app.get("/api/v1/events").await.etag(), list_before);
        let health = app.get("/livez").await;
        assert!(
            health.header("etag").is_none(),
            "health checks are never cached"
        );
    }
);

/// Changes the stored title of the seed's second article behind the API's back (not logged), so
/// that a response still showing the old title can only come from the cache.
/// Changes an article in the database as another instance's write would (its stored
/// representations forgotten with it), without this instance's cache hearing of it.
fn retitle_behind_the_back(app: &crate::helpers::TestApp, title: &str) {
    use diesel::prelude::*;
    use newsroom::db::schema::articles;
    let mut conn = app.conn();
    let ids: Vec<i64> = articles::table
        .filter(articles::title.like("Công cuộc%"))
        .select(articles::id)
        .load(&mut **conn)
        .expect("find");
    diesel::update(articles::table.filter(articles::id.eq_any(&ids)))
        .set(articles::title.eq(title))
        .execute(&mut **conn)
        .expect("retitle");
    for id in ids {
        newsroom::db::renditions::forget(&mut conn, &format!("article-{id}")).expect("forget");
    }
}

db_test!(
    a_hit_is_served_from_memory_and_keys_ignore_parameter_order,
    |app| {
        let first = app
            .get("/api/v1/articles?source=kgo&fields=title&per_page=5")
            .await;
        assert_eq!(first.status, 200);
        let control = first
            .header("cache-control")
            .expect("Cache-Control")
            .to_owned();
        assert_eq!(
            control,
            "public, max-age=10, s-maxage=10, stale-while-revalidate=0"
        );
        retitle_behind_the_back(&app, "Tiêu đề mới");
        let reordered = app
            .get("/api/v1/articles?per_page=5&fields=title&source=%6Bgo")
            .await;
        assert_eq!(
            reordered.body, first.body,
            "the same request, spelled otherwise, is a hit"
        );
        assert_eq!(
            reordered.json()["links"]["self"],
            "/api/v1/articles?fields=title&per_page=5&source=kgo",
            "links come from the normalized request"
        );
        app.cache.invalidate();
        let fresh = app
            .get("/api/v1/articles?source=kgo&fields=title&per_page=5")
            .await;
        assert_eq!(fresh.json()["data"][0]["title"], "Tiêu đề mới");
    }
);

db_test!(entries_end_with_their_time_to_live_and_at_midnight, |app| {
    let seen = app.get("/api/v1/articles?source=kgo").await;
    retitle_behind_the_back(&app, "Tiêu đề sau mười giây");
    app.clock
        .set(app.clock.now().and_utc() + chrono::Duration::seconds(9));
    assert_eq!(app.get("/api/v1/articles?source=kgo").await.body, seen.body);
    app.clock
        .set(app.clock.now().and_utc() + chrono::Duration::seconds(2));
    let later = app.get("/api/v1/articles?source=kgo").await;
    assert_eq!(later.json()["data"][0]["title"], "Tiêu đề sau mười giây");
    // 23:59:55 portal time: nothing is fresh past midnight.
    app.clock.set("2026-11-25T16:59:55Z".parse().expect("time"));
    let late = app.get("/api/v1/people/to-lam").await;
    assert_eq!(
        late.header("cache-control"),
        Some("public, max-age=5, s-maxage=5, stale-while-revalidate=0")
    );
});

db_test!(a_write_clears_every_representation_that_shows_it, |app| {
    let article = "/api/v1/articles?source=ttxvn&include=people";
    let before = app.get(article).await.json();
    let names: Vec<&str> = before["data"][0]["people"]
        .as_array()
        .expect("people")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(names.contains(&"Tô Lâm"), "{names:?}");
    let writer = app.writer();
    let renamed = app
        .with_token(
            &writer,
            patch(
                "/api/v1/people/to-lam",
                "\"1\"",
                &serde_json::json!({"name": "Tô Lâm (đã đổi)"}),
            ),
        )
        .await;
    assert_eq!(renamed.status, 200);
    let after = app.get(article).await.json();
    let names: Vec<&str> = after["data"][0]["people"]
        .as_array()
        .expect("people")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Tô Lâm (đã đổi)"),
        "the article shows the new name: {names:?}"
    );
});

db_test!(
    a_scheduled_article_appears_on_time_in_a_cached_list,
    |app| {
        let writer = app.writer();
        let at = app.clock.now().and_utc() + chrono::Duration::minutes(30);
        let body = crate::helpers::fixtures::with(
            crate::helpers::fixtures::article("Bài hẹn giờ"),
            serde_json::json!({"status": "published", "published_at": at.to_rfc3339(), "tags": ["Hẹn giờ"]}),
        );
        assert_eq!(app.create_article(&writer, &body).await.status, 201);
        let list = "/api/v1/articles?tag=hen-gio";
        let before = app.get(list).await;
        assert_eq!(before.json()["meta"]["total"], 0);
        app.clock.set(at - chrono::Duration::seconds(1));
        let still = app.get(list).await;
        assert_eq!(still.json()["meta"]["total"], 0);
        assert_eq!(
            still.header("cache-control"),
            Some("public, max-age=1, s-maxage=1, stale-while-revalidate=0"),
            "nothing stays fresh past the publish moment"
        );
        app.clock.set(at);
        assert_eq!(
            app.get(list).await.json()["meta"]["total"],
            1,
            "on time, no job"
        );
    }
);

db_test!(
    another_instance_learns_of_a_write_from_the_change_log,
    |app| {
        let other = app.another_instance().await;
        let path = "/api/v1/organizations/ttxvn";
        let seen = other.get(path).await.json();
        assert_eq!(seen["data"]["description"], serde_json::Value::Null);
        let writer = app.writer();
        let changed = app
            .with_token(
                &writer,
                patch(
                    path,
                    "\"1\"",
                    &serde_json::json!({"description": "Hãng thông tấn quốc gia"}),
                ),
            )
            .await;
        assert_eq!(changed.status, 200);
        assert_eq!(
            other.get(path).await.json(),
            seen,
            "not yet polled: still cached"
        );
        assert!(other.poll_changes(), "the log moved");
        assert_eq!(
            other.get(path).await.json()["data"]["description"],
            "Hãng thông tấn quốc gia"
        );
        assert!(!other.poll_changes(), "nothing new");
    }
);

db_test!(the_cache_keeps_to_its_byte_bound, |app| {
    let bound = 40 * 1024;
    let small = app
        .another_instance_with(newsroom::api::caching::CacheSettings {
            max_bytes: bound,
            ..Default::default()
        })
        .await;
    for path in public_gets() {
        for page in 1..=3 {
            small.get(&format!("{path}?page={page}")).await;
        }
        small.get(&path).await;
    }
    let used = small.cache.weighted_size();
    assert!(
        used > 0 && used <= bound,
        "{used} bytes against a bound of {bound}"
    );
    let off = app
        .another_instance_with(newsroom::api::caching::CacheSettings {
            max_bytes: 0,
            ..Default::default()
        })
        .await;
    let res = off.get("/api/v1/events").await;
    assert!(res.header("etag").is_some(), "ETags without the cache");
    assert_eq!(off.cache.weighted_size(), 0);
});

fn decode(coding: &str, bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match coding {
        "gzip" => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .expect("gzip");
        }
        "br" => {
            brotli::Decompressor::new(bytes, 4096)
                .read_to_end(&mut out)
                .expect("brotli");
        }
        "zstd" => out = zstd::decode_all(bytes).expect("zstd"),
        other => panic!("unexpected coding {other}"),
    }
    out
}

db_test!(compressed_bodies_decompress_to_the_same_bytes, |app| {
    let path = "/api/v1/articles?include=events,people";
    for cache_on in [true, false] {
        let app = match cache_on {
            true => app.another_instance().await,
            false => {
                app.another_instance_with(newsroom::api::caching::CacheSettings {
                    max_bytes: 0,
                    ..Default::default()
                })
                .await
            }
        };
        let plain = app.get(path).await;
        assert!(plain.body.len() > 1024);
        assert!(plain.header("content-encoding").is_none());
        assert!(plain
            .header("vary")
            .is_some_and(|v| v.contains("Accept-Encoding")));
        let mut etags = vec![plain.etag()];
        for (accept, coding) in [
            ("gzip", "gzip"),
            ("gzip, br", "br"),
            ("zstd;q=1, br;q=0.5", "zstd"),
        ] {
            let res = app
                .request(
                    TestRequest::get()
                        .uri(path)
                        .insert_header(("Accept-Encoding", accept)),
                )
                .await;
            assert_eq!(res.header("content-encoding"), Some(coding), "{accept}");
            assert!(res.body.len() < plain.body.len() / 2, "{coding} compresses");
            assert_eq!(decode(coding, &res.body), plain.body, "{coding}");
            let again = app
                .request(
                    TestRequest::get()
                        .uri(path)
                        .insert_header(("Accept-Encoding", accept))
                        .insert_header(("If-None-Match", res.etag().as_str())),
                )
                .await;
            assert_eq!(again.status, 304, "each coding has its own ETag");
            etags.push(res.etag());
        }
        etags.sort();
        etags.dedup();
        assert_eq!(etags.len(), 4, "strong ETags differ per coding");
        let small = app
            .request(
                TestRequest::get()
                    .uri("/api/v1/tags?per_page=1&fields=slug")
                    .insert_header(("Accept-Encoding", "gzip")),
            )
            .await;
        assert!(
            small.body.len() < 1024 && small.header("content-encoding").is_none(),
            "small bodies go out as they are"
        );
    }
});

db_test!(
    public_responses_name_the_items_they_show_for_cdn_purges,
    |app| {
        let event = app.get("/api/v1/events/amcc7?include=participants").await;
        let keys = event
            .header("surrogate-key")
            .expect("Surrogate-Key")
            .to_owned();
        let id = event.json()["data"]["id"].as_i64().expect("id");
        let names: Vec<&str> = keys.split(' ').collect();
        assert!(names.contains(&format!("event-{id}").as_str()), "{keys}");
        assert!(
            names.iter().any(|k| k.starts_with("person-")),
            "participants: {keys}"
        );
        assert!(
            names.iter().any(|k| k.starts_with("organization-")),
            "organizers: {keys}"
        );
        assert_eq!(
            event.header("cache-tag"),
            Some(keys.replace(' ', ",").as_str())
        );
        let list = app.get("/api/v1/articles").await;
        let keys = list
            .header("surrogate-key")
            .expect("Surrogate-Key")
            .to_owned();
        assert!(
            keys.starts_with("articles "),
            "a list names its collection first: {keys}"
        );
        assert!(keys.split(' ').any(|k| k.starts_with("tag-")), "{keys}");
        assert!(keys.split(' ').count() <= newsroom::api::read::MAX_SURROGATE_KEYS);
        let cached = app.get("/api/v1/articles").await;
        assert_eq!(
            cached.header("surrogate-key"),
            Some(keys.as_str()),
            "kept in the cache"
        );
        let writer = app.writer();
        let editorial = app
            .with_token(&writer, TestRequest::get().uri("/api/v1/events/amcc7"))
            .await;
        assert!(
            editorial.header("surrogate-key").is_none(),
            "token holders' responses are private"
        );
    }
);

async fn total(app: &crate::helpers::TestApp, path: &str) -> i64 {
    app.get(path).await.json()["meta"]["total"]
        .as_i64()
        .expect("total")
}

db_test!(
    list_totals_are_remembered_and_stay_exact_without_the_response_cache,
    |app| {
        use crate::helpers::fixtures;
        let off = app
            .another_instance_with(newsroom::api::caching::CacheSettings {
                max_bytes: 0,
                ..Default::default()
            })
            .await;
        let by_tag = "/api/v1/articles?tag=an-ninh-mang";
        let by_event = "/api/v1/events/amcc7/articles";
        let (tag0, event0) = (total(&off, by_tag).await, total(&off, by_event).await);
        assert!(tag0 >= 1 && event0 >= 1, "the demo article is in both");

        let writer = off.writer();
        let location = off
            .published_article(&writer, fixtures::article("Bài mới về AMCC7"))
            .await;
        assert_eq!(total(&off, by_tag).await, tag0 + 1, "the writer's instance");
        assert_eq!(total(&off, by_event).await, event0 + 1);

        let at = off.clock.now().and_utc() + chrono::Duration::minutes(30);
        let scheduled = fixtures::with(
            fixtures::article("Bài hẹn giờ về AMCC7"),
            serde_json::json!({"status": "published", "published_at": at.to_rfc3339()}),
        );
        assert_eq!(off.create_article(&writer, &scheduled).await.status, 201);
        assert_eq!(total(&off, by_tag).await, tag0 + 1, "not out yet");
        off.clock.set(at);
        assert_eq!(total(&off, by_tag).await, tag0 + 2, "out on time, no write");

        // A write on another instance reaches this one's totals through the change log.
        app.clock.set(at);
        app.published_article(&app.writer(), fixtures::article("Bài ở máy khác"))
            .await;
        assert_eq!(
            total(&off, by_tag).await,
            tag0 + 2,
            "remembered until the log is polled"
        );
        assert!(off.poll_changes());
        assert_eq!(total(&off, by_tag).await, tag0 + 3);

        let gone = off
            .with_token(&writer, crate::helpers::kit::delete(&location, "\"1\""))
            .await;
        assert_eq!(gone.status, 204);
        assert_eq!(total(&off, by_tag).await, tag0 + 2, "a deletion");
        assert_eq!(total(&off, by_event).await, event0 + 2);
    }
);

db_test!(concurrent_misses_of_one_url_build_it_once, |app| {
    let path = "/api/v1/articles?include=events,people";
    app.cache.invalidate();
    let before = app.cache.builds();
    let requests: Vec<_> = (0..20).map(|_| app.get(path)).collect();
    let answers = futures_util::future::join_all(requests).await;
    assert_eq!(
        app.cache.builds() - before,
        1,
        "one build for twenty misses"
    );
    let first = &answers[0];
    assert_eq!(first.status, 200);
    for res in &answers {
        assert_eq!(res.status, 200);
        assert_eq!(res.body, first.body);
        assert_eq!(res.header("etag"), first.header("etag"));
    }
    // A write in between: the next reader does not get the build from before it.
    let writer = app.writer();
    let changed = app
        .with_token(
            &writer,
            patch(
                "/api/v1/people/to-lam",
                "\"1\"",
                &serde_json::json!({"name": "Tô Lâm (đổi tên)"}),
            ),
        )
        .await;
    assert_eq!(
        changed.status,
        200,
        "{}",
        String::from_utf8_lossy(&changed.body)
    );
    let after = app.get_ok(path).await;
    assert!(after.to_string().contains("Tô Lâm (đổi tên)"));
});

/// A response's headers as a comparable set: the request id (one per request) left out, and
/// the exposed-header list read as a set (actix-cors writes it in no fixed order).
fn header_set(res: &crate::helpers::Resp) -> std::collections::BTreeSet<(String, String)> {
    res.headers
        .iter()
        .filter(|(name, _)| name.as_str() != "x-request-id")
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or("?");
            let value = match name.as_str() {
                "access-control-expose-headers" => {
                    let mut names: Vec<_> = value.split(',').map(str::trim).collect();
                    names.sort_unstable();
                    names.join(", ")
                }
                _ => value.to_owned(),
            };
            (name.as_str().to_owned(), value)
        })
        .collect()
}

// The edge answers cache hits before any other layer: what those layers add (CORS's `Vary` and
// exposed headers, the security headers) must be on a hit as on an answer built through them.
db_test!(
    a_hit_at_the_edge_carries_every_header_a_built_answer_has,
    |app| {
        let slug =
            crate::helpers::slugs(&app.get_ok("/api/v1/articles?per_page=1").await)[0].clone();
        for path in [
            "/api/v1/articles?per_page=2".to_owned(),
            format!("/api/v1/articles/{slug}"),
            "/docs/".to_owned(),
            "/feeds/articles.rss".to_owned(),
        ] {
            app.cache.invalidate();
            let builds = app.cache.builds();
            let built = app.get(&path).await;
            assert_eq!(app.cache.builds(), builds + 1, "{path}: built");
            let hit = app.get(&path).await;
            assert_eq!(app.cache.builds(), builds + 1, "{path}: a hit");
            assert_eq!(built.status, 200, "{path}");
            assert_eq!(hit.body, built.body, "{path}");
            assert_eq!(header_set(&hit), header_set(&built), "{path}");
            let vary = hit.header("vary").unwrap_or_default();
            assert!(
                vary.contains("Accept-Encoding") && vary.contains("Origin"),
                "{vary}"
            );

            // A 304 at the edge and one through CORS (a request with `Origin`) differ only by the
            // origin CORS allows.
            let etag = hit.etag();
            let revalidate = || {
                TestRequest::get()
                    .uri(&path)
                    .insert_header(("If-None-Match", etag.as_str()))
            };
            let at_edge = app.request(revalidate()).await;
            let through = app
                .request(revalidate().insert_header(("Origin", "https://baotintuc.vn")))
                .await;
            assert_eq!(
                (at_edge.status.as_u16(), through.status.as_u16()),
                (304, 304)
            );
            assert_eq!(
                through.header("access-control-allow-origin"),
                Some("https://baotintuc.vn")
            );
            let mut through_headers = header_set(&through);
            through_headers.retain(|(name, _)| name != "access-control-allow-origin");
            assert_eq!(header_set(&at_edge), through_headers, "{path}");
            assert_eq!(app.cache.builds(), builds + 1, "{path}: still hits");
        }
        // HEAD is answered at the edge as GET is (the HTTP layer drops the body: `http::`).
        let path = "/api/v1/articles?per_page=2";
        let get = app.get(path).await;
        let builds = app.cache.builds();
        let head = app
            .request(
                TestRequest::default()
                    .method(actix_web::http::Method::HEAD)
                    .uri(path),
            )
            .await;
        assert_eq!(app.cache.builds(), builds, "a hit");
        assert_eq!(head.status, 200);
        assert_eq!(head.header("etag"), get.header("etag"));
    }
);
