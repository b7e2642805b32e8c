//! Every 4xx is `application/problem+json` with a fixed `type`, naming what was wrong.

use actix_web::test::TestRequest;

use crate::db_test;

db_test!(unknown_routes_are_problem_404s, |app| {
    for path in [
        "/",
        "/api",
        "/api/v1",
        "/api/v1/articlez",
        "/api/v2/articles",
        "/api/v1/articles/x/y/z",
    ] {
        let problem = app.get(path).await.problem(404, "not-found");
        assert_eq!(problem["instance"], path);
    }
});

db_test!(a_wrong_method_on_a_known_path_is_405_with_allow, |app| {
    for (method, path, allow) in [
        (
            "POST",
            "/api/v1/articles/1",
            "GET, PUT, DELETE, PATCH, HEAD",
        ),
        ("PUT", "/api/v1/events/amcc7/children", "GET, HEAD"),
        ("DELETE", "/api/v1/articles", "GET, POST, HEAD"),
        ("POST", "/livez", "GET, HEAD"),
    ] {
        let req = TestRequest::default()
            .method(method.parse().expect("method"))
            .uri(path);
        let res = app.request(req).await;
        res.problem(405, "method-not-allowed");
        assert_eq!(res.header("allow"), Some(allow), "{method} {path}");
    }
});

db_test!(unknown_and_repeated_parameters_are_named, |app| {
    let problem = app
        .get("/api/v1/articles?view_count=1")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(problem["errors"][0]["parameter"], "view_count");
    assert_eq!(problem["instance"], "/api/v1/articles", "never the query");
    let secret = app
        .get("/api/v1/articles?access_token=nr_secret_value")
        .await
        .problem(400, "invalid-parameter");
    assert!(!secret.to_string().contains("nr_secret_value"), "{secret}");
    let problem = app
        .get("/api/v1/articles?page=1&page=2")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(problem["errors"][0]["parameter"], "page");
    let problem = app
        .get("/api/v1/people/to-lam?fields=name")
        .await
        .problem(400, "invalid-parameter");
    assert_eq!(problem["errors"][0]["parameter"], "fields");
});

db_test!(every_bad_list_option_is_reported_at_once, |app| {
    let problem = app
        .get("/api/v1/articles?per_page=1000&sort=views&fields=password&include=comments&formats=pdf&published_after=21/10/2022&event=")
        .await
        .problem(400, "invalid-parameter");
    let mut named: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["parameter"].as_str())
        .collect();
    named.sort();
    assert_eq!(
        named,
        [
            "event",
            "fields",
            "formats",
            "include",
            "per_page",
            "published_after",
            "sort"
        ]
    );
});

db_test!(missing_items_are_404_and_say_what_was_asked, |app| {
    let problem = app
        .get("/api/v1/articles/khong-co-bai-nay")
        .await
        .problem(404, "not-found");
    assert!(problem["detail"]
        .as_str()
        .is_some_and(|d| d.contains("khong-co-bai-nay")));
    app.get("/api/v1/articles/999999")
        .await
        .problem(404, "not-found");
    app.get("/api/v1/articles/99999999999999999999999")
        .await
        .problem(404, "not-found");
    app.get("/api/v1/events/0").await.problem(404, "not-found");
    app.get("/api/v1/people/-1").await.problem(404, "not-found");
    app.get("/api/v1/organizations/%F0%9F%98%80")
        .await
        .problem(404, "not-found");
});

db_test!(invalid_country_and_dates_are_400, |app| {
    app.get("/api/v1/organizations?country=Viet%20Nam")
        .await
        .problem(400, "invalid-parameter");
    app.get("/api/v1/events?from=yesterday")
        .await
        .problem(400, "invalid-parameter");
    app.get("/api/v1/articles?updated_after=2022-13-01")
        .await
        .problem(400, "invalid-parameter");
    app.get("/api/v1/articles?count=all")
        .await
        .problem(400, "invalid-parameter");
});

db_test!(values_that_cannot_be_keys_never_reach_the_database, |app| {
    // PostgreSQL refuses NUL bytes in text: these must be clean 4xx, not 500s.
    for filter in [
        "person=%00",
        "source=a%00b",
        "event=To%20Lam",
        "tag=",
        "organization=%C3%A9",
    ] {
        let problem = app
            .get(&format!("/api/v1/articles?{filter}"))
            .await
            .problem(400, "invalid-parameter");
        let name = filter.split('=').next().unwrap_or_default();
        assert_eq!(problem["errors"][0]["parameter"], name);
    }
    for path in [
        "/api/v1/articles/a%00b",
        "/api/v1/events/AMCC7",
        "/api/v1/people/t%C3%B4-l%C3%A2m",
    ] {
        app.get(path).await.problem(404, "not-found");
    }
    let body = app.get_ok("/api/v1/articles?q=an%00ninh").await;
    assert!(body["meta"]["total"].is_number());
});

db_test!(
    a_stored_value_outside_its_list_is_an_error_not_a_default,
    |app| {
        use diesel::RunQueryDsl;
        let writer = app.writer();
        let body = serde_json::json!({"name": "Cục An toàn thông tin", "kind": "agency"});
        let created = app.create(&writer, "/api/v1/organizations", &body).await;
        assert_eq!(created.status, 201);
        let location = created.location();
        diesel::sql_query(
            "UPDATE organizations SET kind = 'co-quan' WHERE name = 'Cục An toàn thông tin'",
        )
        .execute(&mut **app.conn())
        .expect("corrupt the stored kind");
        // Before stored enums were typed, this read answered 200 with the kind `other`.
        let problem = app.get(&location).await.problem(500, "internal");
        assert!(
            !problem["detail"].as_str().unwrap_or("").contains("co-quan"),
            "no cause leaks"
        );
    }
);

db_test!(every_response_carries_the_security_headers, |app| {
    for path in [
        "/api/v1/articles",
        "/api/v1/articles/khong-co",
        "/livez",
        "/openapi.json",
        "/api/v1/articles?per_page=1000",
    ] {
        let res = app.get(path).await;
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(res.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert!(res.header("content-security-policy").is_none(), "{path}");
    }
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status, 200);
    let policy = docs
        .header("content-security-policy")
        .expect("a policy on /docs");
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'"));
    assert_eq!(docs.header("x-frame-options"), Some("DENY"));
    assert_eq!(docs.header("x-content-type-options"), Some("nosniff"));
});
