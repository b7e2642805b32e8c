//! Mention linking (issue 10): what an article's text names, found on every write and again
//! after a name changes, never versioned; editors silence wrong ones; lists filter by them.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::{patch, put};

fn mentioned(article: &Value) -> Vec<String> {
    article["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .map(|m| {
            format!(
                "{}:{}",
                m["type"].as_str().unwrap_or("?"),
                m["slug"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

fn plain(title: &str, text: &str) -> Value {
    with(
        article(title),
        json!({
            "lead": null,
            "body": [{"type": "paragraph", "text": text}],
            "tags": [], "events": [], "people": [], "organizations": [],
        }),
    )
}

db_test!(
    the_seed_article_names_its_people_organizations_and_events,
    |app| {
        let list = app
            .get_ok("/api/v1/articles?mentions=to-lam&language=vi&fields=slug,mentions")
            .await;
        assert_eq!(list["meta"]["total"], 1);
        let found = mentioned(&list["data"][0]);
        for expected in [
            "person:to-lam",
            "person:josephine-teo",
            "person:alejandro-mayorkas",
            "event:amcc7",
            "event:sicw-2022",
            "organization:asean",
            "organization:bo-cong-an",
        ] {
            assert!(
                found.contains(&expected.to_owned()),
                "{expected} in {found:?}"
            );
        }
        let amcc7 = app
            .get_ok("/api/v1/articles?mentions=amcc7&fields=slug")
            .await;
        assert_eq!(
            amcc7["meta"]["total"], 2,
            "the seed article and its English edition"
        );
        let nobody = app.get_ok("/api/v1/articles?mentions=khong-co-ai").await;
        assert_eq!(nobody["meta"]["total"], 0);
    }
);

db_test!(mentions_are_derived_and_editors_can_silence_them, |app| {
    let writer = app.writer();
    let res = app
        .create_article(
            &writer,
            &plain(
                "Hội đàm an ninh",
                "Bà Josephine Teo gặp lãnh đạo Bộ Công an. Josephine Teo phát biểu.",
            ),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let location = res.location();
    let body = res.json()["data"].clone();
    assert_eq!(
        mentioned(&body),
        ["person:josephine-teo", "organization:bo-cong-an"]
    );
    assert_eq!(body["mentions"][0]["count"], 2);
    // Silenced by the editor: content, versioned with the article.
    let silenced = app
        .with_token(
            &writer,
            patch(
                &location,
                "\"1\"",
                &json!({"mention_exclusions": [{"type": "organization", "slug": "bo-cong-an"}]}),
            ),
        )
        .await;
    assert_eq!(silenced.status, 200, "{}", silenced.text());
    let body = silenced.json()["data"].clone();
    assert_eq!(mentioned(&body), ["person:josephine-teo"]);
    assert_eq!(body["mention_exclusions"][0]["slug"], "bo-cong-an");
    assert_eq!(body["version"], 2);
    // A bad exclusion is a 422 naming it.
    let bad = app
        .with_token(&writer, patch(&location, "\"2\"", &json!({"mention_exclusions": [{"type": "tag", "slug": "x"}, {"type": "person", "slug": "khong-co"}]})))
        .await;
    let problem = bad.problem(422, "validation");
    assert_eq!(
        problem["errors"].as_array().map(Vec::len),
        Some(2),
        "{problem}"
    );
    // A GET sent back as it is, after the mentions changed behind it, is accepted: `mentions`
    // is ignored on writes and never bumps the version.
    let got = app
        .with_token(&writer, TestRequest::get().uri(&location))
        .await
        .json()["data"]
        .clone();
    let person = json!({"name": "Lãnh Đạo Mới", "aliases": [{"name": "Josephine Teo Mới", "language": "vi", "kind": "other"}]});
    assert_eq!(
        app.create(&writer, "/api/v1/people", &person).await.status,
        201
    );
    let mut sent = got.clone();
    sent["mentions"] =
        json!([{"type": "person", "id": 999, "slug": "bia-dat", "name": "x", "count": 9}]);
    let res = app
        .with_token(&writer, put(&location, "\"2\"", &sent))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
});

db_test!(
    a_new_name_relinks_existing_articles_after_the_write,
    |app| {
        let writer = app.writer();
        let location = app
            .published_article(
                &writer,
                plain("Tin nhân sự", "Ông Nguyễn Văn Thành nhận nhiệm vụ mới."),
            )
            .await;
        let before = app.get_ok(&location).await["data"].clone();
        assert!(mentioned(&before).is_empty());
        let revisions_uri = format!("{location}/revisions");
        let revisions_before = app
            .with_token(&writer, TestRequest::get().uri(&revisions_uri))
            .await
            .json()["meta"]["total"]
            .clone();
        let person = json!({"name": "Nguyễn Văn Thành"});
        let res = app.create(&writer, "/api/v1/people", &person).await;
        assert_eq!(res.status, 201);
        let person_location = res.location();
        // The write did not wait for the relink; the relink task does it from the recorded request.
        let (scanned, changed) = app.relink().expect("a relink was requested");
        assert!(scanned >= 3 && changed == 1, "{scanned} {changed}");
        assert_eq!(app.relink(), None, "done once");
        let after = app.get_ok(&location).await["data"].clone();
        assert_eq!(mentioned(&after), ["person:nguyen-van-thanh"]);
        assert_eq!(
            after["version"], before["version"],
            "derived: no new version"
        );
        let revisions_after = app
            .with_token(&writer, TestRequest::get().uri(&revisions_uri))
            .await
            .json()["meta"]["total"]
            .clone();
        assert_eq!(revisions_after, revisions_before, "and no revision");
        let listed = app
            .get_ok("/api/v1/articles?mentions=nguyen-van-thanh&fields=slug")
            .await;
        assert_eq!(listed["meta"]["total"], 1);
        // Deleting the person unlinks it, the same way.
        let res = app
            .with_token(
                &writer,
                crate::helpers::kit::delete(&person_location, "\"1\""),
            )
            .await;
        assert_eq!(res.status, 204);
        app.relink().expect("requested");
        assert!(mentioned(&app.get_ok(&location).await["data"]).is_empty());
    }
);

db_test!(a_name_shared_by_two_is_never_linked, |app| {
    let writer = app.writer();
    for name in ["Trần Văn Hai", "Lê Văn Hai"] {
        let person = json!({"name": name, "aliases": [{"name": "Anh Hai Lúa", "language": "vi", "kind": "other"}]});
        assert_eq!(
            app.create(&writer, "/api/v1/people", &person).await.status,
            201
        );
    }
    app.relink();
    let res = app
        .create_article(
            &writer,
            &plain("Chuyện làng", "Anh Hai Lúa và Trần Văn Hai ra đồng."),
        )
        .await;
    assert_eq!(mentioned(&res.json()["data"]), ["person:tran-van-hai"]);
});
