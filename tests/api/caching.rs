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
        if get.get("security").is_some() || path == "/livez" || path == "/readyz" {
            continue;
        }
        let mut url = path.clone();
        for param in get["parameters"].as_array().into_iter().flatten() {
            if param["in"] == "path" {
                let name = param["name"].as_str().unwrap_or("");
                let example = param["example"].as_str().unwrap_or("");
                url = url.replace(&format!("{{{name}}}"), example);
            }
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
