//! The editorial write API: tokens and scopes, validation, safe concurrent edits, publishing.

use actix_web::test::TestRequest;
use chrono::Duration;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::kit::{self, patch, post, put};

fn draft() -> Value {
    json!({
        "title": "Hội nghị Bộ trưởng ASEAN về An ninh mạng lần thứ 8",
        "lead": "Đoàn đại biểu Việt Nam tham dự Hội nghị.",
        "body": [
            {"type": "paragraph", "text": "Đoạn thứ nhất."},
            {"type": "image", "caption": "Quang cảnh hội nghị.", "credit": "TTXVN"}
        ],
        "source": "ttxvn",
        "tags": ["An ninh mạng", {"slug": "hoi-nghi", "name": "Hội nghị"}],
        "events": ["amcc7", {"id": 1, "slug": "sicw-2022", "name": "x"}],
        "people": ["to-lam"],
        "organizations": ["asean"]
    })
}

db_test!(
    creating_an_article_answers_201_with_location_and_etag,
    |app| {
        let writer = app.token("Ban biên tập", &["content:write", "content:publish"]);
        let res = app.create_article(&writer, &draft()).await;
        assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(
            res.header("location"),
            Some("/api/v1/articles/hoi-nghi-bo-truong-asean-ve-an-ninh-mang-lan-thu-8")
        );
        assert_eq!(res.etag(), "\"1\"");
        assert_eq!(res.header("cache-control"), Some("private, no-store"));
        let article = res.json()["data"].clone();
        assert_eq!(article["status"], "draft");
        assert_eq!(article["source"]["slug"], "ttxvn");
        assert_eq!(
            article["tags"][0],
            json!({"slug": "an-ninh-mang", "name": "An ninh mạng"})
        );
        assert_eq!(article["tags"][1]["slug"], "hoi-nghi");
        assert_eq!(article["events"].as_array().map(Vec::len), Some(2));
        assert_eq!(article["cover"]["caption"], "Quang cảnh hội nghị.");
        // A draft: invisible to the public, visible with a preview token.
        let location = res.header("location").expect("location").to_owned();
        app.get(&location).await.problem(404, "not-found");
        let preview = app.token("Xem trước", &["content:preview"]);
        let seen = app
            .with_token(&preview, TestRequest::get().uri(&location))
            .await;
        assert_eq!(seen.status, 200);
        assert_eq!(seen.etag(), "\"1\"");
        assert_eq!(seen.header("cache-control"), Some("private, no-store"));
        let listed = app
            .with_token(
                &preview,
                TestRequest::get().uri("/api/v1/articles?status=draft"),
            )
            .await;
        assert_eq!(listed.json()["meta"]["total"], 1);
        assert_eq!(
            app.get_ok("/api/v1/articles?status=draft").await["meta"]["total"],
            0
        );
    }
);

db_test!(the_scope_matrix_holds_for_every_write_route, |app| {
    let writer = app.token("writer", &["content:write", "content:publish"]);
    let created = app.create_article(&writer, &draft()).await;
    let path = created.header("location").expect("location").to_owned();
    let preview = app.token("preview", &["content:preview"]);
    let admin = app.token("admin", &["admin"]);
    let revoked = app.token("revoked", &["admin"]);
    let resp = app
        .with_token(&admin, TestRequest::get().uri("/api/v1/tokens"))
        .await;
    let revoked_id = resp.json()["data"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "revoked"))
        .and_then(|t| t["id"].as_i64())
        .expect("revoked token listed");
    let res = app
        .with_token(
            &admin,
            TestRequest::delete().uri(&format!("/api/v1/tokens/{revoked_id}")),
        )
        .await;
    assert_eq!(res.status, 204);
    let expired = app.token("expired", &["admin"]);
    let routes: Vec<(&str, String)> = vec![
        ("POST", "/api/v1/articles".into()),
        ("PUT", path.clone()),
        ("PATCH", path.clone()),
        ("DELETE", path.clone()),
    ];
    // Expire one token by moving the clock past its 30 days, then back.
    let start = app.clock.now();
    for (method, uri) in &routes {
        let req = || {
            TestRequest::default()
                .method(method.parse().expect("method"))
                .uri(uri)
                .insert_header(("If-Match", "\"999\""))
                .set_json(draft())
        };
        let res = app.request(req()).await;
        res.problem(401, "unauthorized");
        assert!(res
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer")));
        app.with_token(&preview, req())
            .await
            .problem(403, "forbidden");
        app.with_token(&revoked, req())
            .await
            .problem(401, "unauthorized");
        app.with_token("nr_0000000000000000_notarealsecretatall000", req())
            .await
            .problem(401, "unauthorized");
        app.clock.set((start + Duration::days(31)).and_utc());
        app.with_token(&expired, req())
            .await
            .problem(401, "unauthorized");
        app.clock.set(start.and_utc());
        // Writers and admins get past authorization (here to the version check, or a create).
        for token in [&writer, &admin] {
            let res = app.with_token(token, req()).await;
            assert!(
                res.status == 201 || res.status == 412,
                "{method} {uri}: {} {}",
                res.status,
                String::from_utf8_lossy(&res.body)
            );
        }
    }
    // A bad token is a 401 even on public reads.
    app.with_token(&revoked, TestRequest::get().uri("/api/v1/articles"))
        .await
        .problem(401, "unauthorized");
    app.with_token(&writer, TestRequest::get().uri("/api/v1/tokens"))
        .await
        .problem(403, "forbidden");
});

db_test!(edits_need_the_current_version, |app| {
    let writer = app.token("writer", &["content:write", "content:publish"]);
    let created = app.create_article(&writer, &draft()).await;
    let path = created.header("location").expect("location").to_owned();
    let change = json!({"lead": "Phần mở đầu mới."});
    let missing = TestRequest::patch()
        .uri(&path)
        .insert_header(("Content-Type", "application/merge-patch+json"))
        .set_payload(change.to_string());
    app.with_token(&writer, missing)
        .await
        .problem(428, "precondition-required");
    app.with_token(&writer, patch(&path, "\"7\"", &change))
        .await
        .problem(412, "precondition-failed");
    app.with_token(&writer, patch(&path, "W/\"abc\"", &change))
        .await
        .problem(412, "precondition-failed");
    let ok = app
        .with_token(&writer, patch(&path, "\"1\"", &change))
        .await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(ok.etag(), "\"2\"");
    assert_eq!(ok.json()["data"]["lead"], "Phần mở đầu mới.");
    assert_eq!(
        ok.json()["data"]["title"],
        draft()["title"],
        "a patch keeps what it does not name"
    );
    app.with_token(&writer, patch(&path, "\"1\"", &change))
        .await
        .problem(412, "precondition-failed");
});

db_test!(two_writers_of_the_same_version_cannot_both_win, |app| {
    let writer = app.token("writer", &["content:write", "content:publish"]);
    let path = app
        .create_article(&writer, &draft())
        .await
        .header("location")
        .expect("location")
        .to_owned();
    let first = app.with_token(&writer, patch(&path, "\"1\"", &json!({"lead": "Bản A"})));
    let second = app.with_token(&writer, patch(&path, "\"1\"", &json!({"lead": "Bản B"})));
    let (a, b) = futures_util::future::join(first, second).await;
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    let preview = app.token("preview", &["content:preview"]);
    let stored = app
        .with_token(&preview, TestRequest::get().uri(&path))
        .await
        .json();
    let winner = if a.status == 200 {
        "Bản A"
    } else {
        "Bản B"
    };
    assert_eq!(stored["data"]["lead"], winner);
    assert_eq!(stored["data"]["version"], 2);
});

db_test!(
    read_only_fields_are_ignored_when_equal_and_rejected_otherwise,
    |app| {
        let writer = app.token("writer", &["content:write", "content:publish"]);
        let path = app
            .create_article(&writer, &draft())
            .await
            .header("location")
            .expect("location")
            .to_owned();
        let preview = app.token("preview", &["content:preview"]);
        // GET, edit, PUT the whole thing back: a round trip works.
        let mut article = app
            .with_token(&preview, TestRequest::get().uri(&path))
            .await
            .json()["data"]
            .clone();
        article["title"] = json!("Tiêu đề đã sửa");
        let put = put(&path, "\"1\"", &article);
        let res = app.with_token(&writer, put).await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.json()["data"]["title"], "Tiêu đề đã sửa");
        assert_eq!(
            res.json()["data"]["slug"],
            article["slug"],
            "PUT keeps the slug"
        );
        // Mass assignment: changing what is read-only is refused, and nothing changes.
        for (field, value) in [
            ("id", json!(999)),
            ("version", json!(40)),
            ("created_at", json!("2000-01-01T00:00:00Z")),
            ("view_count", json!(1000000)),
        ] {
            let res = app
                .with_token(&writer, patch(&path, "\"2\"", &json!({ field: value })))
                .await;
            let problem = res.problem(400, "invalid-body");
            assert_eq!(problem["errors"][0]["pointer"], format!("/{field}"));
        }
        let res = app
            .with_token(
                &writer,
                patch(&path, "\"2\"", &json!({"deleted_at": null, "owner": "x"})),
            )
            .await;
        res.problem(400, "invalid-body");
        let stored = app
            .with_token(&preview, TestRequest::get().uri(&path))
            .await
            .json();
        assert_eq!(stored["data"]["version"], 2);
        assert_eq!(stored["data"]["title"], "Tiêu đề đã sửa");
    }
);

db_test!(bad_bodies_get_the_right_status_and_write_nothing, |app| {
    let writer = app.token("writer", &["content:write", "content:publish"]);
    let before = app
        .with_token(
            &writer,
            TestRequest::get().uri("/api/v1/articles?status=draft"),
        )
        .await
        .json()["meta"]["total"]
        .clone();
    let raw = |body: &str, content_type: &str| {
        TestRequest::post()
            .uri("/api/v1/articles")
            .insert_header(("Content-Type", content_type))
            .set_payload(body.to_owned())
    };
    app.with_token(&writer, raw("{\"title\": ", "application/json"))
        .await
        .problem(400, "invalid-body");
    app.with_token(&writer, raw("[1, 2]", "application/json"))
        .await
        .problem(400, "invalid-body");
    app.with_token(&writer, raw("{\"title\": \"x\"}", "text/plain"))
        .await
        .problem(415, "unsupported-media-type");
    app.with_token(
        &writer,
        raw("{\"title\": \"x\"}", "application/merge-patch+json"),
    )
    .await
    .problem(415, "unsupported-media-type");
    let huge = json!({"title": "x", "lead": "ạ".repeat(100_000)}).to_string();
    app.with_token(&writer, raw(&huge, "application/json"))
        .await
        .problem(413, "payload-too-large");
    for (body, status, kind, pointer) in [
        (json!({"title": 5}), 400, "invalid-body", "/title"),
        (json!({"title": "a\u{0}b"}), 400, "invalid-body", "/title"),
        (
            json!({"title": "x", "tags": ["ok", "n\u{0}ul"]}),
            400,
            "invalid-body",
            "/tags/1",
        ),
        (
            json!({"title": "x", "colour": "red"}),
            400,
            "invalid-body",
            "/colour",
        ),
        (json!({"lead": "no title"}), 400, "invalid-body", ""),
        (
            json!({"title": "x", "body": [{"type": "video"}]}),
            400,
            "invalid-body",
            "/body/0/type",
        ),
        (json!({"title": "   "}), 422, "validation", "/title"),
        (
            json!({"title": "x", "events": ["amcc7", "amcc99"]}),
            422,
            "validation",
            "/events/1",
        ),
        (
            json!({"title": "x", "source": "asean"}),
            422,
            "validation",
            "/source",
        ),
        (
            json!({"title": "x", "status": "live"}),
            422,
            "validation",
            "/status",
        ),
        (
            json!({"title": "x", "slug": "Có Dấu"}),
            422,
            "validation",
            "/slug",
        ),
        (
            json!({"title": "x", "body": [{"type": "heading", "text": "H", "level": 1}]}),
            422,
            "validation",
            "/body/0/level",
        ),
        (
            json!({"title": "x", "body": [{"type": "image", "src": "javascript:alert(1)"}]}),
            422,
            "validation",
            "/body/0/src",
        ),
    ] {
        let res = app.create_article(&writer, &body).await;
        let problem = res.problem(status, kind);
        let pointer_found = problem["errors"].as_array().is_some_and(|errors| {
            errors
                .iter()
                .any(|e| e["pointer"].as_str() == Some(pointer))
        });
        assert!(pointer_found || pointer.is_empty(), "{body}: {problem}");
    }
    let after = app
        .with_token(
            &writer,
            TestRequest::get().uri("/api/v1/articles?status=draft"),
        )
        .await
        .json()["meta"]["total"]
        .clone();
    assert_eq!(before, after, "nothing was written");
});

db_test!(text_is_stored_in_nfc, |app| {
    let writer = app.token("writer", &["content:write", "content:publish"]);
    let res = app
        .create_article(&writer, &json!({"title": "An ninh ma\u{0323}ng"}))
        .await;
    assert_eq!(res.json()["data"]["title"], "An ninh mạng");
    assert_eq!(res.json()["data"]["slug"], "an-ninh-mang");
});

db_test!(scheduled_articles_appear_at_their_moment, |app| {
    let writer = app.token("writer", &["content:write", "content:publish"]);
    let at = app.now() + Duration::hours(3);
    let mut body = draft();
    body["status"] = json!("published");
    body["published_at"] = json!(at.and_utc().to_rfc3339());
    let path = app
        .create_article(&writer, &body)
        .await
        .header("location")
        .expect("location")
        .to_owned();
    app.get(&path).await.problem(404, "not-found");
    // The demo's three: two articles and the first one's English edition.
    assert_eq!(app.get_ok("/api/v1/articles").await["meta"]["total"], 3);
    app.clock.set(at.and_utc());
    assert_eq!(app.get_ok(&path).await["data"]["status"], "published");
    assert_eq!(app.get_ok("/api/v1/articles").await["meta"]["total"], 4);
    assert_eq!(
        app.get_ok("/api/v1/events/amcc7/articles").await["meta"]["total"],
        3
    );
    // Publishing without a time publishes now.
    let mut now_body = draft();
    now_body["title"] = json!("Bài đăng ngay");
    now_body["status"] = json!("published");
    let res = app.create_article(&writer, &now_body).await;
    assert!(res.json()["data"]["published_at"].is_string());
    app.get_ok(res.header("location").expect("location")).await;
});

db_test!(a_changed_slug_redirects_and_stays_taken, |app| {
    let writer = app.token("writer", &["content:write", "content:publish"]);
    let path = app
        .create_article(&writer, &draft())
        .await
        .header("location")
        .expect("location")
        .to_owned();
    let res = app
        .with_token(&writer, patch(&path, "\"1\"", &json!({"slug": "amcc8", "status": "published", "published_at": "2022-11-01T09:00:00+07:00"})))
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let old = app.get(&format!("{path}?fields=title")).await;
    assert_eq!(old.status, 301);
    assert_eq!(
        old.header("location"),
        Some("/api/v1/articles/amcc8?fields=title")
    );
    app.get_ok("/api/v1/articles/amcc8").await;
    let old_slug = path.rsplit('/').next().expect("slug");
    let taken = app
        .create_article(&writer, &json!({"title": "Khác", "slug": old_slug}))
        .await;
    taken.problem(409, "conflict");
    app.create_article(&writer, &json!({"title": "Khác", "slug": "amcc8"}))
        .await
        .problem(409, "conflict");
    // A generated slug that is taken gets a counter instead.
    let again = app.create_article(&writer, &draft()).await;
    assert_eq!(again.status, 201);
    assert!(again.header("location").is_some_and(|l| l.ends_with("-2")));
});

db_test!(deleting_is_soft_and_keeps_the_slug, |app| {
    let writer = app.token("writer", &["content:write", "content:publish"]);
    let mut body = draft();
    body["status"] = json!("published");
    let path = app
        .create_article(&writer, &body)
        .await
        .header("location")
        .expect("location")
        .to_owned();
    app.get_ok(&path).await;
    let delete = |version: &str| kit::delete(&path, version);
    app.with_token(&writer, TestRequest::delete().uri(&path))
        .await
        .problem(428, "precondition-required");
    app.with_token(&writer, delete("\"9\""))
        .await
        .problem(412, "precondition-failed");
    let res = app.with_token(&writer, delete("\"1\"")).await;
    assert_eq!(res.status, 204);
    app.get(&path).await.problem(410, "gone");
    assert_eq!(app.get_ok("/api/v1/articles").await["meta"]["total"], 3);
    let slug = path.rsplit('/').next().expect("slug");
    app.create_article(&writer, &json!({"title": "Khác", "slug": slug}))
        .await
        .problem(409, "conflict");
    app.with_token(&writer, delete("\"2\""))
        .await
        .problem(410, "gone");
});

db_test!(every_change_keeps_a_revision, |app| {
    let writer = app.token("Ban biên tập", &["content:write", "content:publish"]);
    let path = app
        .create_article(&writer, &draft())
        .await
        .header("location")
        .expect("location")
        .to_owned();
    app.with_token(&writer, patch(&path, "\"1\"", &json!({"lead": "Hai"})))
        .await;
    app.with_token(&writer, patch(&path, "\"2\"", &json!({"lead": "Ba"})))
        .await;
    let uri = format!("{path}/revisions");
    app.get(&uri).await.problem(401, "unauthorized");
    let preview = app.token("preview", &["content:preview"]);
    let res = app.with_token(&preview, TestRequest::get().uri(&uri)).await;
    assert_eq!(res.status, 200);
    let body = res.json();
    let versions: Vec<i64> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["version"].as_i64())
        .collect();
    assert_eq!(versions, [3, 2, 1]);
    assert_eq!(body["data"][0]["token_name"], "Ban biên tập");
    assert_eq!(body["data"][0]["article"]["lead"], "Ba");
    assert_eq!(
        body["data"][2]["article"]["lead"],
        "Đoàn đại biểu Việt Nam tham dự Hội nghị."
    );
});

db_test!(revisions_are_paged_like_every_list, |app| {
    let writer = app.token("Ban biên tập", &["content:write", "content:publish"]);
    let path = app
        .create_article(&writer, &draft())
        .await
        .header("location")
        .expect("location")
        .to_owned();
    for version in 1..5 {
        let change = json!({"lead": format!("Lần {version}")});
        let res = app
            .with_token(&writer, patch(&path, &format!("\"{version}\""), &change))
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
    }
    let versions = |body: &serde_json::Value| -> Vec<i64> {
        body["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|r| r["version"].as_i64())
            .collect()
    };
    let uri = format!("{path}/revisions?per_page=2");
    let first = app.with_token(&writer, TestRequest::get().uri(&uri)).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let body = first.json();
    assert_eq!(versions(&body), [5, 4]);
    assert_eq!(body["meta"]["total"], 5);
    assert_eq!(body["meta"]["total_pages"], 3);
    let next = body["links"]["next"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let last = app
        .with_token(
            &writer,
            TestRequest::get().uri(&format!("{path}/revisions?per_page=2&page=3")),
        )
        .await;
    assert_eq!(versions(&last.json()), [1]);
    let second = app.with_token(&writer, TestRequest::get().uri(&next)).await;
    assert_eq!(versions(&second.json()), [3, 2]);
    for bad in ["per_page=101", "page=0", "sort=version", "cursor=abc"] {
        app.with_token(
            &writer,
            TestRequest::get().uri(&format!("{path}/revisions?{bad}")),
        )
        .await
        .problem(400, "invalid-parameter");
    }
});

db_test!(admins_manage_tokens_over_http, |app| {
    let admin = app.token("admin", &["admin"]);
    let res = app
        .with_token(
            &admin,
            post(
                "/api/v1/tokens",
                &json!({"name": "Tòa soạn", "scopes": ["content:write"], "expires_in_days": 7}),
            ),
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let created = res.json()["data"].clone();
    let token = created["token"]
        .as_str()
        .expect("secret shown once")
        .to_owned();
    assert_eq!(created["scopes"], json!(["content:write"]));
    assert!(created["expires_at"].is_string());
    let res = app.create_article(&token, &draft()).await;
    assert_eq!(res.status, 201);
    let listed = app
        .with_token(&admin, TestRequest::get().uri("/api/v1/tokens"))
        .await
        .json();
    assert!(
        listed.to_string().find(&token).is_none(),
        "secrets are never listed"
    );
    let id = created["id"].as_i64().expect("id");
    app.with_token(
        &admin,
        TestRequest::delete().uri(&format!("/api/v1/tokens/{id}")),
    )
    .await;
    app.create_article(&token, &draft())
        .await
        .problem(401, "unauthorized");
    app.with_token(
        &admin,
        post("/api/v1/tokens", &json!({"name": "", "scopes": ["root"]})),
    )
    .await
    .problem(422, "validation");
    app.with_token(&admin, TestRequest::delete().uri("/api/v1/tokens/9999"))
        .await
        .problem(404, "not-found");
});

db_test!(
    a_stale_round_trip_is_412_and_a_stale_malformed_body_400,
    |app| {
        let writer = app.token("writer", &["content:write", "content:publish"]);
        let path = app
            .create_article(&writer, &draft())
            .await
            .header("location")
            .expect("location")
            .to_owned();
        let preview = app.token("preview", &["content:preview"]);
        let old = app
            .with_token(&preview, TestRequest::get().uri(&path))
            .await
            .json()["data"]
            .clone();
        app.with_token(&writer, patch(&path, "\"1\"", &json!({"lead": "Mới hơn"})))
            .await;
        let put = put(&path, "\"1\"", &old);
        app.with_token(&writer, put)
            .await
            .problem(412, "precondition-failed");
        app.with_token(&writer, patch(&path, "\"1\"", &json!({"title": 7})))
            .await
            .problem(400, "invalid-body");
    }
);

db_test!(relations_keep_their_order_through_edits, |app| {
    let writer = app.writer();
    let body = crate::helpers::fixtures::with(
        crate::helpers::fixtures::article("Thứ tự quan hệ"),
        json!({"people": ["to-lam", "tim-watts"], "events": ["amcc7", "sicw-2022"], "tags": ["Một", "Hai"]}),
    );
    let created = app.create_article(&writer, &body).await;
    assert_eq!(created.status, 201);
    let path = created.location();
    let slugs_of = |doc: &serde_json::Value, field: &str| -> Vec<String> {
        doc["data"][field]
            .as_array()
            .expect("references")
            .iter()
            .map(|r| r["slug"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let edited = app
        .with_token(
            &writer,
            kit::patch(&path, "\"1\"", &json!({"byline": "TTXVN"})),
        )
        .await;
    assert_eq!(edited.status, 200);
    let doc = edited.json();
    assert_eq!(
        slugs_of(&doc, "people"),
        ["to-lam", "tim-watts"],
        "a byline edit keeps links"
    );
    assert_eq!(slugs_of(&doc, "events"), ["amcc7", "sicw-2022"]);
    let reordered = app
        .with_token(
            &writer,
            kit::patch(
                &path,
                "\"2\"",
                &json!({"people": ["tim-watts", "to-lam"], "events": [{"slug": "sicw-2022"}], "tags": ["Hai", "Ba"]}),
            ),
        )
        .await;
    assert_eq!(reordered.status, 200);
    let doc = reordered.json();
    assert_eq!(slugs_of(&doc, "people"), ["tim-watts", "to-lam"]);
    assert_eq!(slugs_of(&doc, "events"), ["sicw-2022"]);
    assert_eq!(slugs_of(&doc, "tags"), ["hai", "ba"]);
    let again = app
        .with_token(&writer, TestRequest::get().uri(&path))
        .await
        .json();
    assert_eq!(slugs_of(&again, "people"), ["tim-watts", "to-lam"]);
    let duplicate = app
        .with_token(
            &writer,
            kit::patch(
                &path,
                "\"3\"",
                &json!({"people": ["to-lam", 1, "khong-co"]}),
            ),
        )
        .await;
    duplicate.problem(422, "validation");
    assert!(duplicate.json()["errors"].to_string().contains("/people/2"));
});

db_test!(if_match_is_a_strong_comparison, |app| {
    let writer = app.writer();
    let created = app
        .create_article(&writer, &json!({"title": "So khớp phiên bản"}))
        .await;
    assert_eq!(created.status, 201);
    let path = created.location();
    let edit = |tag: &str, byline: &str| {
        TestRequest::patch()
            .uri(&path)
            .insert_header(("If-Match", tag.to_owned()))
            .insert_header(("Content-Type", "application/merge-patch+json"))
            .set_payload(json!({"byline": byline}).to_string())
    };
    for tag in ["\"01\"", "\"+1\"", "W/\"1\"", "1", "\"2\", \"3\""] {
        app.with_token(&writer, edit(tag, "x"))
            .await
            .problem(412, "precondition-failed");
    }
    let listed = app.with_token(&writer, edit("\"7\", \"1\"", "TTXVN")).await;
    assert_eq!(listed.status, 200, "a list naming the current version");
    assert_eq!(listed.etag(), "\"2\"");
    let any = app.with_token(&writer, edit("*", "Phóng viên")).await;
    assert_eq!(any.status, 200, "`*`: any current version");
    assert_eq!(any.etag(), "\"3\"");
    app.with_token(
        &writer,
        TestRequest::delete()
            .uri(&path)
            .insert_header(("If-Match", "\"03\"")),
    )
    .await
    .problem(412, "precondition-failed");
});

db_test!(single_line_fields_refuse_control_characters, |app| {
    let writer = app.writer();
    for (collection, body, pointer) in [
        (
            "/api/v1/articles",
            json!({"title": "Dòng một\nDòng hai"}),
            "/title",
        ),
        ("/api/v1/tags", json!({"name": "\u{1b}[31mĐỏ"}), "/name"),
        ("/api/v1/people", json!({"name": "Tô\tLâm"}), "/name"),
    ] {
        let res = app.create(&writer, collection, &body).await;
        let problem = res.problem(422, "validation");
        assert!(
            problem.to_string().contains(pointer),
            "{collection}: {problem}"
        );
    }
    let admin = app.token("Quản trị", &["admin"]);
    let res = app
        .create(
            &admin,
            "/api/v1/tokens",
            &json!({"name": "bot\n\u{1b}[31m", "scopes": ["content:write"]}),
        )
        .await;
    res.problem(422, "validation");
});

db_test!(dates_outside_1900_to_9999_are_refused, |app| {
    let writer = app.writer();
    for (collection, body, pointer) in [
        (
            "/api/v1/articles",
            json!({"title": "Quá xa", "published_at": "0000-01-01T00:00:00Z"}),
            "/published_at",
        ),
        (
            "/api/v1/articles",
            json!({"title": "Quá sớm", "published_at": "1899-12-31T23:59:59Z"}),
            "/published_at",
        ),
        (
            "/api/v1/events",
            json!({"name": "Hội nghị cổ", "starts_on": "1066-10-14"}),
            "/starts_on",
        ),
    ] {
        let problem = app
            .create(&writer, collection, &body)
            .await
            .problem(422, "validation");
        assert!(problem.to_string().contains(pointer), "{problem}");
    }
    let early = app
        .create_article(
            &writer,
            &json!({"title": "Đầu thế kỷ", "published_at": "1900-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        early.status,
        201,
        "{}",
        String::from_utf8_lossy(&early.body)
    );
    let shown = early.json()["data"]["published_at"]
        .as_str()
        .expect("time")
        .to_owned();
    let instant = chrono::DateTime::parse_from_rfc3339(&shown).expect("RFC 3339");
    assert_eq!(
        instant.to_utc().to_rfc3339(),
        "1900-01-01T00:00:00+00:00",
        "{shown}"
    );
});

// Every list and text in a body has a bound (`domain::check::max`); past it the write is a 422
// naming each field, decided before any row is read or written.
db_test!(every_list_and_text_in_a_body_is_bounded, |app| {
    let writer = app.token("Ban biên tập", &["content:write", "content:publish"]);
    let pointers = |res: &crate::helpers::Resp| -> Vec<String> {
        res.problem(422, "validation")["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
            .collect()
    };
    // 25,000 new tags took 10.8 s on PostgreSQL before there was a bound.
    let many_tags: Vec<String> = (0..5_000).map(|i| format!("thẻ {i}")).collect();
    let long = "a".repeat(10_000);
    let body = crate::helpers::fixtures::with(
        draft(),
        json!({
            "tags": many_tags,
            "lead": "l".repeat(5_001),
            "byline": "b".repeat(501),
            "people": vec!["to-lam"; 201],
            "body": [{"type": "paragraph", "text": "p".repeat(50_001)},
                     {"type": "image", "src": format!("https://a.vn/{}", "x".repeat(2_048))}],
        }),
    );
    let res = app.create_article(&writer, &body).await;
    assert_eq!(
        pointers(&res),
        [
            "/body/0/text",
            "/body/1/src",
            "/lead",
            "/byline",
            "/people",
            "/tags"
        ]
    );
    // A 10,000-character tag name, inline or as a tag.
    let res = app
        .create_article(
            &writer,
            &crate::helpers::fixtures::with(draft(), json!({"tags": [long]})),
        )
        .await;
    assert_eq!(pointers(&res), ["/tags/0"]);
    let res = app
        .create(&writer, "/api/v1/tags", &json!({"name": "t".repeat(301)}))
        .await;
    assert_eq!(pointers(&res), ["/name"]);
    let person = json!({
        "name": "Tim Watts",
        "bio": "b".repeat(50_001),
        "aliases": (0..101).map(|i| json!({"name": format!("Tim {i}"), "language": "en", "kind": "other"})).collect::<Vec<_>>(),
    });
    let res = app.create(&writer, "/api/v1/people", &person).await;
    assert_eq!(pointers(&res), ["/bio", "/aliases"]);
    let event = json!({"name": "AMCC8", "city": "Hà\nNội", "organizers": vec![1; 201]});
    let res = app.create(&writer, "/api/v1/events", &event).await;
    assert_eq!(pointers(&res), ["/city", "/organizers"]);
    let admin = app.token("admin", &["admin"]);
    let token = json!({"name": "x", "scopes": vec!["admin"; 11]});
    let res = app.create(&admin, "/api/v1/tokens", &token).await;
    assert_eq!(pointers(&res), ["/scopes"]);
    // At the bound itself, everything is accepted.
    let at_bound = crate::helpers::fixtures::with(
        draft(),
        json!({"lead": "l".repeat(5_000), "tags": (0..50).map(|i| format!("thẻ {i}")).collect::<Vec<_>>()}),
    );
    let res = app.create_article(&writer, &at_bound).await;
    assert_eq!(res.status, 201, "{}", res.text());
});
