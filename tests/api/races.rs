//! Invariants a write checks by reading (a free slug, no parent cycle), under concurrent writers:
//! real concurrency on both databases (the requests' database work runs on the blocking pool).

use futures_util::future::join_all;
use serde_json::json;

use crate::db_test;
use crate::helpers::kit;

db_test!(
    concurrent_creates_with_one_title_get_distinct_slugs,
    |app| {
        let writer = app.writer();
        for round in 0..3 {
            let title = format!("Tin nóng vòng {round}");
            let body = json!({"title": title, "tags": [format!("Thẻ mới {round}")]});
            let answers = join_all((0..8).map(|_| app.create_article(&writer, &body))).await;
            let mut slugs: Vec<String> = answers
                .iter()
                .map(|res| {
                    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
                    res.json()["data"]["slug"]
                        .as_str()
                        .expect("slug")
                        .to_owned()
                })
                .collect();
            slugs.sort();
            slugs.dedup();
            assert_eq!(slugs.len(), 8, "eight articles, eight slugs: {slugs:?}");
            let tags: Vec<String> = answers
                .iter()
                .map(|res| {
                    res.json()["data"]["tags"][0]["slug"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned()
                })
                .collect();
            assert!(tags.iter().all(|t| t == &tags[0]), "one tag: {tags:?}");
        }
    }
);

db_test!(
    concurrent_creates_with_one_explicit_slug_are_one_201_and_409s,
    |app| {
        let writer = app.writer();
        let body = json!({"title": "Trùng đường dẫn", "slug": "trung-duong-dan"});
        let answers = join_all((0..8).map(|_| app.create_article(&writer, &body))).await;
        let created = answers.iter().filter(|res| res.status == 201).count();
        let conflicts = answers.iter().filter(|res| res.status == 409).count();
        assert_eq!((created, conflicts), (1, 7));
    }
);

db_test!(
    concurrent_renames_to_one_slug_are_one_200_and_one_409,
    |app| {
        let writer = app.writer();
        let mut paths = Vec::new();
        for title in ["Bài một", "Bài hai"] {
            let res = app.create_article(&writer, &json!({"title": title})).await;
            assert_eq!(res.status, 201);
            paths.push(res.location());
        }
        let renames = paths.iter().map(|path| {
            app.with_token(
                &writer,
                kit::patch(path, "\"1\"", &json!({"slug": "cung-mot-ten"})),
            )
        });
        let statuses: Vec<u16> = join_all(renames)
            .await
            .iter()
            .map(|r| r.status.as_u16())
            .collect();
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(sorted, [200, 409], "{statuses:?}");
    }
);

db_test!(concurrent_parent_changes_never_make_a_cycle, |app| {
    let writer = app.writer();
    for (resource, body_of) in [
        (
            "events",
            (|name: &str| json!({"name": name, "starts_on": "2022-10-19"}))
                as fn(&str) -> serde_json::Value,
        ),
        (
            "organizations",
            |name: &str| json!({"name": name, "kind": "agency"}),
        ),
        ("sections", |name: &str| json!({"name": name})),
    ] {
        let collection = format!("/api/v1/{resource}");
        let mut paths = Vec::new();
        for name in ["Vòng X", "Vòng Y"] {
            let res = app
                .create(
                    &writer,
                    &collection,
                    &body_of(&format!("{name} {resource}")),
                )
                .await;
            assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
            paths.push(res.location());
        }
        let id_of = |path: &str| path.rsplit('/').next().unwrap_or_default().to_owned();
        let (x, y) = (id_of(&paths[0]), id_of(&paths[1]));
        let answers = join_all([
            app.with_token(
                &writer,
                kit::patch(&paths[0], "\"1\"", &json!({"parent": y})),
            ),
            app.with_token(
                &writer,
                kit::patch(&paths[1], "\"1\"", &json!({"parent": x})),
            ),
        ])
        .await;
        let mut statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 422],
            "{resource}: one wins, the other would close a cycle"
        );
    }
});

db_test!(
    concurrent_webhook_creates_never_pass_the_bound_of_100,
    |app| {
        let admin = app.token("Quản trị", &["admin"]);
        let endpoint = |i: usize| json!({"url": format!("https://hooks.example.vn/{i}"), "events": ["article.published"]});
        for i in 0..96 {
            let made = app.create(&admin, "/api/v1/webhooks", &endpoint(i)).await;
            assert_eq!(made.status, 201, "{}", String::from_utf8_lossy(&made.body));
        }
        let bodies: Vec<_> = (96..104).map(endpoint).collect();
        let answers = join_all(
            bodies
                .iter()
                .map(|body| app.create(&admin, "/api/v1/webhooks", body)),
        )
        .await;
        let created = answers.iter().filter(|res| res.status == 201).count();
        let refused = answers.iter().filter(|res| res.status == 409).count();
        assert_eq!(
            (created, refused),
            (4, 4),
            "the last four places, then 409s"
        );
        let listed = app
            .with_token(
                &admin,
                actix_web::test::TestRequest::get().uri("/api/v1/webhooks?per_page=100&page=2"),
            )
            .await;
        assert_eq!(
            listed.status,
            200,
            "{}",
            String::from_utf8_lossy(&listed.body)
        );
        assert_eq!(listed.json()["meta"]["total"], 100);
    }
);
