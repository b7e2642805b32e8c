use actix_web::test::TestRequest;

use crate::db_test;

db_test!(livez_and_readyz_answer_ok, |app| {
    let live = app.get("/livez").await;
    assert_eq!(live.status, 200);
    assert_eq!(live.body, br#"{"status":"ok"}"#);
    assert_eq!(app.get_ok("/readyz").await["status"], "ok");
});

db_test!(head_works_wherever_get_does, |app| {
    for path in [
        "/api/v1/articles",
        "/api/v1/events/amcc7",
        "/livez",
        "/openapi.json",
    ] {
        let res = app
            .request(
                TestRequest::default()
                    .method(actix_web::http::Method::HEAD)
                    .uri(path),
            )
            .await;
        assert_eq!(res.status, 200, "{path}");
        assert_eq!(
            res.header("content-type"),
            Some("application/json"),
            "{path}"
        );
    }
    let res = app
        .request(
            TestRequest::default()
                .method(actix_web::http::Method::HEAD)
                .uri("/api/v1/khong-co"),
        )
        .await;
    assert_eq!(res.status, 404);
});

db_test!(
    public_reads_are_open_to_any_origin_and_writes_only_to_the_allowlist,
    |app| {
        let res = app
            .request(
                TestRequest::get()
                    .uri("/api/v1/articles")
                    .insert_header(("Origin", "https://docbao.example.com")),
            )
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("access-control-allow-origin"),
            Some("https://docbao.example.com")
        );
        assert!(res.header("access-control-allow-credentials").is_none());
        assert!(res
            .header("access-control-expose-headers")
            .is_some_and(|h| h.contains("link")));

        let preflight = |origin: &'static str, method: &'static str| {
            TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri("/api/v1/articles")
                .insert_header(("Origin", origin))
                .insert_header(("Access-Control-Request-Method", method))
        };
        let res = app
            .request(preflight("https://docbao.example.com", "GET"))
            .await;
        assert_eq!(res.status, 200);
        let res = app
            .request(preflight("https://docbao.example.com", "POST"))
            .await;
        // A refused preflight is a 403 of its own type, not a malformed body.
        let problem = res.problem(403, "cors-rejected");
        assert!(problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("NEWSROOM_CORS_ORIGINS")));
        assert!(res.header("access-control-allow-origin").is_none());
        let res = app
            .request(preflight("https://bientap.example.vn", "POST"))
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("access-control-allow-origin"),
            Some("https://bientap.example.vn")
        );
    }
);

db_test!(docs_are_served_without_any_cdn, |app| {
    let bare = app.get("/docs").await;
    assert_eq!(bare.status, 308);
    assert_eq!(bare.header("location"), Some("/docs/"));
    let res = app.get("/docs/").await;
    assert_eq!(res.status, 200);
    let html = String::from_utf8_lossy(&res.body);
    assert!(html.contains("swagger-ui"));
    assert!(
        !html.contains("https://"),
        "the docs page must load nothing from outside"
    );
    let init = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(init.status, 200);
    assert!(String::from_utf8_lossy(&init.body).contains("/openapi.json"));
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, 200);
    assert!(bundle.body.len() > 100_000);
});

db_test!(times_use_the_portal_offset, |app| {
    let body = app.get_ok("/api/v1/people/to-lam").await;
    assert!(body["data"]["created_at"]
        .as_str()
        .is_some_and(|t| t.ends_with("+07:00")));
    assert!(body["data"]["created_at"]
        .as_str()
        .is_some_and(|t| t.starts_with("2026-11-25T10:00:00")));
});

// Every response carries an X-Request-Id: the caller's when usable, a fresh one otherwise.
db_test!(every_response_carries_a_request_id, |app| {
    let fresh = app.get("/api/v1/articles?per_page=1").await;
    let id = fresh.header("x-request-id").expect("an id").to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    let other = app.get("/api/v1/articles?per_page=1").await;
    assert_ne!(
        other.header("x-request-id"),
        Some(id.as_str()),
        "one per request"
    );
    let kept = app
        .request(
            actix_web::test::TestRequest::get()
                .uri("/api/v1/nothing-here")
                .insert_header(("X-Request-Id", "cdn-7f3a.42:edge_1")),
        )
        .await;
    assert_eq!(kept.status, 404);
    assert_eq!(
        kept.header("x-request-id"),
        Some("cdn-7f3a.42:edge_1"),
        "problems too"
    );
    for unusable in ["x".repeat(129), "có dấu".to_owned(), "a b".to_owned()] {
        let res = app
            .request(
                actix_web::test::TestRequest::get()
                    .uri("/livez")
                    .insert_header(("X-Request-Id", unusable.clone())),
            )
            .await;
        let id = res.header("x-request-id").unwrap_or_default();
        assert!(id != unusable && id.len() == 32, "{unusable:?} -> {id:?}");
    }
});

db_test!(invented_methods_do_not_grow_the_metrics, |app| {
    // Finding 1 of the third hostile test: each invented method was a label of its own, so
    // anonymous requests grew `/metrics` without bound.
    for i in 0..20 {
        let method = actix_web::http::Method::from_bytes(format!("BREW{i}").as_bytes())
            .expect("a valid token");
        app.request(
            actix_web::test::TestRequest::default()
                .method(method)
                .uri(&format!("/khong-co/{i}")),
        )
        .await;
    }
    let text = app.get("/metrics").await.text();
    assert!(!text.contains("BREW"), "an invented method became a label");
    assert!(!text.contains("khong-co"), "a raw path became a label");
    assert!(
        text.contains("method=\"other\",route=\"unmatched\""),
        "invented methods fold into one value"
    );
});

db_test!(metrics_count_requests_by_route_template, |app| {
    for _ in 0..2 {
        app.get("/api/v1/articles/amcc7-khong-co").await;
    }
    app.get("/api/v1/khong-co-gi").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = res.text();
    for expected in [
        "newsroom_http_requests_total{method=\"GET\",route=\"/api/v1/articles/{id_or_slug}\",status=\"404\"}",
        "newsroom_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}",
        "newsroom_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/articles/{id_or_slug}\",le=\"0.005\"}",
        "newsroom_db_pool_connections{pool=\"public\",state=\"idle\"}",
        "newsroom_cache_hits_total",
        "newsroom_cache_misses_total",
        "newsroom_cache_bytes",
        "newsroom_visit_queue_depth",
        "newsroom_visit_flush_seconds_count",
        "newsroom_webhook_outbox_depth 0",
        "newsroom_webhook_failed_attempts_total",
        "newsroom_build_info{backend=",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    assert!(
        !text.contains("amcc7-khong-co") && !text.contains("khong-co-gi"),
        "raw paths never become labels"
    );
});
