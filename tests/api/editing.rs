//! Writes of events, people, organizations and tags (articles are in `writes`).

use actix_web::test::TestRequest;
use chrono::Duration;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::kit::{patch, put};

fn samples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "/api/v1/organizations",
            json!({"name": "Bộ Ngoại giao Australia", "kind": "ministry", "country": "au"}),
        ),
        (
            "/api/v1/people",
            json!({"name": "Nguyễn Văn Đức", "country": "VN", "aliases": [{"name": "Nguyen Van Duc", "language": "en", "kind": "transliteration"}]}),
        ),
        (
            "/api/v1/events",
            json!({"name": "Hội nghị AMCC8", "short_name": "AMCC8", "edition": 8, "starts_on": "2023-10-18", "ends_on": "2023-10-19", "parent": "sicw-2022"}),
        ),
        ("/api/v1/tags", json!({"name": "Chuyển đổi số"})),
    ]
}

db_test!(every_write_route_checks_token_and_scope, |app| {
    let writer = app.token("writer", &["content:write"]);
    let admin = app.token("admin", &["admin"]);
    let preview = app.token("preview", &["content:preview"]);
    let expiring = app.token("expiring", &["admin"]);
    let revoked = app.token("revoked", &["admin"]);
    let tokens = app
        .with_token(&admin, TestRequest::get().uri("/api/v1/tokens"))
        .await
        .json();
    let revoked_id = tokens["data"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "revoked"))
        .and_then(|t| t["id"].as_i64())
        .expect("id");
    app.with_token(
        &admin,
        TestRequest::delete().uri(&format!("/api/v1/tokens/{revoked_id}")),
    )
    .await;
    let start = app.clock.now();
    for (collection, body) in samples() {
        let created = app.create(&writer, collection, &body).await;
        assert_eq!(
            created.status,
            201,
            "{collection}: {}",
            String::from_utf8_lossy(&created.body)
        );
        let item = created.header("location").expect("location").to_owned();
        assert_eq!(created.header("etag"), Some("\"1\""));
        for (method, uri) in [
            ("POST", collection.to_owned()),
            ("PUT", item.clone()),
            ("PATCH", item.clone()),
            ("DELETE", item.clone()),
        ] {
            let req = || {
                TestRequest::default()
                    .method(method.parse().expect("method"))
                    .uri(&uri)
                    .insert_header(("If-Match", "\"999\""))
                    .set_json(&body)
            };
            let res = app.request(req()).await;
            res.problem(401, "unauthorized");
            assert!(res.header("www-authenticate").is_some());
            app.with_token(&preview, req())
                .await
                .problem(403, "forbidden");
            app.with_token(&revoked, req())
                .await
                .problem(401, "unauthorized");
            app.clock.set((start + Duration::days(31)).and_utc());
            app.with_token(&expiring, req())
                .await
                .problem(401, "unauthorized");
            app.clock.set(start.and_utc());
            for token in [&writer, &admin] {
                let res = app.with_token(token, req()).await;
                // Past authorization: a create succeeds (a generated slug gets a counter; a
                // tag's name is unique, so a second one is a conflict), an edit stops at the
                // version check.
                let expected = match method {
                    "POST" if collection == "/api/v1/tags" => 409,
                    "POST" => 201,
                    _ => 412,
                };
                assert_eq!(res.status, expected, "{method} {uri}");
            }
        }
    }
});

db_test!(editorial_reads_carry_the_version_etag, |app| {
    let preview = app.token("preview", &["content:preview"]);
    for uri in [
        "/api/v1/people/to-lam",
        "/api/v1/events/amcc7",
        "/api/v1/organizations/ttxvn",
        "/api/v1/tags/asean",
    ] {
        let res = app.with_token(&preview, TestRequest::get().uri(uri)).await;
        assert_eq!(res.status, 200, "{uri}");
        assert_eq!(res.header("etag"), Some("\"1\""), "{uri}");
        assert_eq!(
            res.header("cache-control"),
            Some("private, no-store"),
            "{uri}"
        );
        let public = app.get(uri).await;
        assert!(
            public.header("etag").is_none_or(|e| e != "\"1\""),
            "{uri}: the version ETag is editorial only"
        );
    }
    let list = app
        .with_token(&preview, TestRequest::get().uri("/api/v1/people"))
        .await;
    assert_eq!(list.header("cache-control"), Some("private, no-store"));
});

db_test!(people_are_written_with_aliases_and_positions, |app| {
    let writer = app.token("writer", &["content:write"]);
    let res = app.create(&writer, "/api/v1/people", &json!({
        "name": "Lê Thị Hồng",
        "honorific": "Thượng tá",
        "aliases": [{"name": "Le Thi Hong", "language": "en", "kind": "transliteration"}],
        "positions": [{"title": "Cục trưởng", "organization": "bo-cong-an", "starts_on": "2020-01-01"}]
    })).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let person = res.json()["data"].clone();
    assert_eq!(person["slug"], "le-thi-hong");
    assert_eq!(person["positions"][0]["organization"]["slug"], "bo-cong-an");
    assert_eq!(person["positions"][0]["current"], true);
    assert_eq!(
        app.get_ok("/api/v1/people?q=le%20thi%20hong").await["meta"]["total"],
        1
    );
    assert_eq!(
        app.get_ok("/api/v1/organizations/bo-cong-an/people").await["meta"]["total"],
        2
    );
    // GET, edit, PUT back, `current` included.
    let mut edited = person.clone();
    edited["positions"][0]["ends_on"] = json!("2021-06-30");
    let put = put("/api/v1/people/le-thi-hong", "\"1\"", &edited);
    let res = app.with_token(&writer, put).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["data"]["positions"][0]["current"], false);
    for (change, pointer) in [
        (
            json!({"aliases": [{"name": "X", "language": "vi", "kind": "nickname"}]}),
            "/aliases/0/kind",
        ),
        (
            json!({"positions": [{"title": "T", "starts_on": "2022-01-02", "ends_on": "2022-01-01"}]}),
            "/positions/0/ends_on",
        ),
        (
            json!({"positions": [{"title": "T", "organization": "khong-co"}]}),
            "/positions/0/organization",
        ),
        (json!({"country": "Việt Nam"}), "/country"),
    ] {
        let problem = app
            .with_token(
                &writer,
                patch("/api/v1/people/le-thi-hong", "\"2\"", &change),
            )
            .await
            .problem(422, "validation");
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{change}");
    }
});

db_test!(events_check_dates_references_and_cycles, |app| {
    let writer = app.token("writer", &["content:write"]);
    let res = app.create(&writer,
        "/api/v1/events",
        &json!({
            "name": "Hội nghị AMCC8", "short_name": "AMCC8", "starts_on": "2023-10-18",
            "organizers": ["asean"], "participants": [{"person": "to-lam", "role": "Trưởng đoàn"}]
        }),
    )
    .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["data"]["slug"], "amcc8");
    assert_eq!(
        app.get_ok("/api/v1/events?organization=asean").await["meta"]["total"],
        1
    );
    for (body, pointer) in [
        (
            json!({"name": "X", "starts_on": "2023-10-18", "ends_on": "2023-10-17"}),
            "/ends_on",
        ),
        (json!({"name": "X", "parent": "khong-co"}), "/parent"),
        (
            json!({"name": "X", "participants": [{"person": "khong-ai"}]}),
            "/participants/0/person",
        ),
        (
            json!({"name": "X", "date_precision": "week"}),
            "/date_precision",
        ),
    ] {
        let problem = app
            .create(&writer, "/api/v1/events", &body)
            .await
            .problem(422, "validation");
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{body}");
    }
    // SICW 2022 cannot become a child of its own child.
    let cycle = app
        .with_token(
            &writer,
            patch(
                "/api/v1/events/sicw-2022",
                "\"1\"",
                &json!({"parent": "amcc7"}),
            ),
        )
        .await;
    cycle.problem(422, "validation");
    let moved = app
        .with_token(
            &writer,
            patch(
                "/api/v1/events/amcc8",
                "\"1\"",
                &json!({"parent": "sicw-2022"}),
            ),
        )
        .await;
    assert_eq!(moved.status, 200);
    assert_eq!(
        app.get_ok("/api/v1/events/sicw-2022/children").await["meta"]["total"],
        9
    );
});

db_test!(organizations_in_use_cannot_be_deleted, |app| {
    let writer = app.token("writer", &["content:write"]);
    let delete = |uri: &str| {
        TestRequest::delete()
            .uri(uri)
            .insert_header(("If-Match", "\"1\""))
    };
    let problem = app
        .with_token(&writer, delete("/api/v1/organizations/ttxvn"))
        .await
        .problem(409, "conflict");
    assert!(problem["detail"]
        .as_str()
        .is_some_and(|d| d.contains("source of 2 article")));
    app.with_token(&writer, delete("/api/v1/organizations/bo-cong-an"))
        .await
        .problem(409, "conflict");
    let res = app
        .with_token(&writer, delete("/api/v1/organizations/gfce"))
        .await;
    assert_eq!(res.status, 204);
    app.get("/api/v1/organizations/gfce")
        .await
        .problem(410, "gone");
    app.create(
        &writer,
        "/api/v1/organizations",
        &json!({"name": "GFCE mới", "kind": "forum", "slug": "gfce"}),
    )
    .await
    .problem(409, "conflict");
    let problem = app
        .with_token(
            &writer,
            patch(
                "/api/v1/organizations/asean",
                "\"1\"",
                &json!({"parent": "asean-cert"}),
            ),
        )
        .await
        .problem(422, "validation");
    assert_eq!(problem["errors"][0]["pointer"], "/parent");
    app.create(
        &writer,
        "/api/v1/organizations",
        &json!({"name": "X", "kind": "ngo"}),
    )
    .await
    .problem(422, "validation");
});

db_test!(renamed_slugs_redirect_on_every_resource, |app| {
    let writer = app.token("writer", &["content:write"]);
    for (item, change, old, new) in [
        (
            "/api/v1/people/tim-watts",
            json!({"slug": "timothy-watts"}),
            "/api/v1/people/tim-watts/articles?fields=title",
            "/api/v1/people/timothy-watts/articles?fields=title",
        ),
        (
            "/api/v1/events/amcc7",
            json!({"slug": "amcc-7"}),
            "/api/v1/events/amcc7/children",
            "/api/v1/events/amcc-7/children",
        ),
        (
            "/api/v1/organizations/bo-cong-an",
            json!({"slug": "bo-cong-an-viet-nam"}),
            "/api/v1/organizations/bo-cong-an",
            "/api/v1/organizations/bo-cong-an-viet-nam",
        ),
        (
            "/api/v1/tags/asean",
            json!({"slug": "hiep-hoi-asean"}),
            "/api/v1/tags/asean",
            "/api/v1/tags/hiep-hoi-asean",
        ),
    ] {
        let res = app.with_token(&writer, patch(item, "\"1\"", &change)).await;
        assert_eq!(
            res.status,
            200,
            "{item}: {}",
            String::from_utf8_lossy(&res.body)
        );
        let redirect = app.get(old).await;
        assert_eq!(redirect.status, 301, "{old}");
        assert_eq!(redirect.header("location"), Some(new), "{old}");
        app.get_ok(new).await;
    }
    assert_eq!(
        app.get_ok("/api/v1/articles?tag=hiep-hoi-asean").await["meta"]["total"],
        2,
        "the seed article and its English edition"
    );
});

db_test!(deleted_tags_leave_lists_and_articles, |app| {
    let writer = app.token("writer", &["content:write"]);
    let res = app
        .with_token(
            &writer,
            TestRequest::delete()
                .uri("/api/v1/tags/asean")
                .insert_header(("If-Match", "\"1\"")),
        )
        .await;
    assert_eq!(res.status, 204);
    let tags = app.get_ok("/api/v1/tags").await;
    assert!(!tags.to_string().contains("\"asean\""));
    let article = app
        .get_ok("/api/v1/articles?tag=an-ninh-mang&fields=tags")
        .await;
    let slugs: Vec<&str> = article["data"][0]["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["an-ninh-mang", "hop-tac-quoc-te"]);
    app.get("/api/v1/tags/asean").await.problem(410, "gone");
    let problem = app
        .with_token(
            &writer,
            TestRequest::post()
                .uri("/api/v1/articles")
                .set_json(json!({"title": "Bài", "tags": ["asean"]})),
        )
        .await
        .problem(422, "validation");
    assert_eq!(problem["errors"][0]["pointer"], "/tags/0");
});

db_test!(the_seed_derives_the_same_columns_as_a_write, |app| {
    use diesel::prelude::*;
    use newsroom::db::schema::{articles, events, people};
    let writer = app.writer();
    let listed = app.get_ok("/api/v1/articles?source=kgo").await;
    let article = listed["data"][0]["slug"]
        .as_str()
        .expect("the seed's second article")
        .to_owned();
    let keys = |app: &crate::helpers::TestApp| -> Vec<(String, String)> {
        let mut conn = app.conn();
        let mut all: Vec<(String, String)> = articles::table
            .filter(articles::slug.eq(&article))
            .select((articles::search_key, articles::sort_key))
            .load(&mut **conn)
            .expect("article keys");
        all.extend(
            events::table
                .filter(events::slug.eq("amcc7"))
                .select((events::search_key, events::sort_key))
                .load::<(String, String)>(&mut **conn)
                .expect("event keys"),
        );
        all.extend(
            people::table
                .filter(people::slug.eq("teo-chee-hean"))
                .select((people::search_key, people::sort_key))
                .load::<(String, String)>(&mut **conn)
                .expect("person keys"),
        );
        all
    };
    let seeded = keys(&app);
    assert_eq!(seeded.len(), 3, "the seed has these items");
    for path in [
        format!("/api/v1/articles/{article}"),
        "/api/v1/events/amcc7".to_owned(),
        "/api/v1/people/teo-chee-hean".to_owned(),
    ] {
        let got = app.with_token(&writer, TestRequest::get().uri(&path)).await;
        let res = app
            .with_token(&writer, put(&path, &got.etag(), &got.json()["data"]))
            .await;
        assert_eq!(
            res.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&res.body)
        );
    }
    assert_eq!(
        keys(&app),
        seeded,
        "a write of the same values derives the same keys"
    );
});
