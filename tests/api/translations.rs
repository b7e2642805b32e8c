//! Translations of an article (issue 25): a group of editions, one per language, each showing
//! the others the caller may see, and whether they lag behind the source.

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::{delete, patch, put};
use crate::helpers::TestApp;

/// The seed's second article (the first has an English edition in the demo already).
const SEED: &str = "/api/v1/articles/2";

/// `(language, id, outdated)` of an article's `translations`.
fn editions(article: &Value) -> Vec<(String, i64, bool)> {
    let mut found: Vec<(String, i64, bool)> = article["translations"]
        .as_array()
        .expect("translations")
        .iter()
        .map(|t| {
            (
                t["language"].as_str().unwrap_or_default().to_owned(),
                t["id"].as_i64().unwrap_or_default(),
                t["outdated"].as_bool().expect("outdated"),
            )
        })
        .collect();
    found.sort();
    found
}

/// The article at `uri` as an editor reads it, and its version.
async fn editorial(app: &TestApp, token: &str, uri: &str) -> (Value, String) {
    let res = app
        .with_token(token, actix_web::test::TestRequest::get().uri(uri))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    (res.json()["data"].clone(), res.etag())
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app.create_article(token, &body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["data"].clone()
}

db_test!(
    an_article_names_the_one_it_translates_and_each_shows_the_others,
    |app| {
        let writer = app.writer();
        // Read (and its representation stored) before it has editions.
        assert_eq!(editions(&app.get_ok(SEED).await["data"]), vec![]);
        let english = create(
        &app,
        &writer,
        with(
            article("General To Lam leads Viet Nam's delegation to SICW 2022"),
            json!({"language": "en", "status": "published", "translation_of": "cong-cuoc-dau-tranh-phong-chong-tham-nhung-tieu-cuc-cua-dang-va-nha-nuoc-ta-dang-duoc-thuc-hien"}),
        ),
    )
    .await;
        let en = english["id"].as_i64().expect("id");
        assert_eq!(english["translation_of"]["id"], 2);
        assert_eq!(editions(&english), vec![("vi".into(), 2, false)]);
        // A French draft translating the English edition joins the same group.
        let french = create(
            &app,
            &writer,
            with(
                article("Le général To Lam à la tête de la délégation vietnamienne"),
                json!({"language": "fr", "translation_of": en}),
            ),
        )
        .await;
        let fr = french["id"].as_i64().expect("id");
        assert_eq!(french["translation_of"]["id"], 2, "the group's source");
        assert_eq!(
            editions(&french),
            vec![("en".into(), en, false), ("vi".into(), 2, false)]
        );
        // The public sees the editions that are out; editors see the draft too.
        let public = app.get_ok(SEED).await;
        assert_eq!(editions(&public["data"]), vec![("en".into(), en, false)]);
        let (source, version) = editorial(&app, &writer, SEED).await;
        assert_eq!(
            editions(&source),
            vec![("en".into(), en, false), ("fr".into(), fr, false)]
        );
        assert!(
            source["translation_of"].is_null(),
            "the source translates none"
        );

        // One article per language: a second English edition is a conflict.
        let res = app
            .create_article(
                &writer,
                &with(
                    article("Another English edition"),
                    json!({"language": "en", "translation_of": 2}),
                ),
            )
            .await;
        res.problem(409, "conflict");
        // An article cannot translate itself.
        let res = app
            .with_token(
                &writer,
                patch(
                    &format!("/api/v1/articles/{fr}"),
                    &format!("\"{}\"", french["version"]),
                    &json!({"translation_of": fr}),
                ),
            )
            .await;
        res.problem(422, "validation");

        let public_en = format!("/api/v1/articles/{en}");
        assert_eq!(
            editions(&app.get_ok(&public_en).await["data"]),
            vec![("vi".into(), 2, false)]
        );
        // The source changes: the editions made before are outdated until edited.
        app.clock
            .set((app.now() + chrono::Duration::minutes(5)).and_utc());
        let res = app
            .with_token(
                &writer,
                patch(
                    SEED,
                    &version,
                    &json!({"lead": "Bản tin đã được cập nhật."}),
                ),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(
            editions(&res.json()["data"]),
            vec![("en".into(), en, true), ("fr".into(), fr, true)]
        );
        assert_eq!(
            editions(&app.get_ok(&public_en).await["data"]),
            vec![("vi".into(), 2, false)],
            "the English edition itself is not marked: its list shows the source"
        );
        app.clock
            .set((app.now() + chrono::Duration::minutes(5)).and_utc());
        let (english, version) = editorial(&app, &writer, &format!("/api/v1/articles/{en}")).await;
        // A GET-edit-PUT keeps the group.
        let edited = with(
            english.clone(),
            json!({"lead": "Updated to match the source."}),
        );
        let res = app
            .with_token(
                &writer,
                put(&format!("/api/v1/articles/{en}"), &version, &edited),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.json()["data"]["translation_of"]["id"], 2);
        let (source, version) = editorial(&app, &writer, SEED).await;
        assert_eq!(
            editions(&source),
            vec![("en".into(), en, false), ("fr".into(), fr, true)]
        );

        // Deleting the source keeps the others together; a GET-edit-PUT still keeps the group.
        let res = app.with_token(&writer, delete(SEED, &version)).await;
        assert_eq!(res.status, 204, "{}", res.text());
        let (french, version) = editorial(&app, &writer, &format!("/api/v1/articles/{fr}")).await;
        assert_eq!(editions(&french), vec![("en".into(), en, false)]);
        let res = app
            .with_token(
                &writer,
                put(&format!("/api/v1/articles/{fr}"), &version, &french),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(
            editions(&res.json()["data"]),
            vec![("en".into(), en, false)]
        );

        // `null` leaves the group.
        let (english, version) = editorial(&app, &writer, &format!("/api/v1/articles/{en}")).await;
        assert_eq!(english["translation_of"]["id"], 2);
        let res = app
            .with_token(
                &writer,
                patch(
                    &format!("/api/v1/articles/{en}"),
                    &version,
                    &json!({"translation_of": null}),
                ),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert!(res.json()["data"]["translation_of"].is_null());
        assert_eq!(editions(&res.json()["data"]), vec![]);
        let (french, _) = editorial(&app, &writer, &format!("/api/v1/articles/{fr}")).await;
        assert_eq!(editions(&french), vec![]);
    }
);

db_test!(
    concurrent_translations_in_one_language_are_one_201_and_409s,
    |app| {
        let writer = app.writer();
        let body = |n: usize| {
            with(
                article(&format!("Bản dịch tiếng Đức số {n}")),
                json!({"language": "de", "translation_of": 2}),
            )
        };
        let bodies: Vec<Value> = (0..6).map(body).collect();
        let answers = join_all(bodies.iter().map(|b| app.create_article(&writer, b))).await;
        let created = answers.iter().filter(|res| res.status == 201).count();
        let conflicts = answers.iter().filter(|res| res.status == 409).count();
        assert_eq!((created, conflicts), (1, 5), "one German edition");
        let (source, _) = editorial(&app, &writer, SEED).await;
        assert_eq!(editions(&source).len(), 1);
    }
);

db_test!(lists_filter_by_the_articles_own_language, |app| {
    let writer = app.writer();
    let english = create(
        &app,
        &writer,
        with(
            article("ASEAN ministers meet on cybersecurity"),
            json!({"language": "en", "status": "published", "events": ["amcc7"]}),
        ),
    )
    .await;
    let slugs = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|a| a["slug"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    // The new one and the demo's English edition of the seed article, newest first.
    let en = app.get_ok("/api/v1/articles?language=en").await;
    assert_eq!(slugs(&en)[0], english["slug"].as_str().expect("slug"));
    assert_eq!(slugs(&en).len(), 2);
    let vi = app
        .get_ok("/api/v1/articles?language=vi&per_page=100")
        .await;
    assert!(!slugs(&vi).contains(&english["slug"].as_str().expect("slug").to_owned()));
    assert!(!slugs(&vi).is_empty());
    let all = app.get_ok("/api/v1/articles?per_page=100").await;
    assert_eq!(
        slugs(&all).len(),
        slugs(&vi).len() + 2,
        "unfiltered: every language"
    );
    // A sub-collection narrows the same way.
    let about = app
        .get_ok("/api/v1/events/amcc7/articles?language=en")
        .await;
    assert_eq!(slugs(&about), slugs(&en));
    for bad in ["EN", "english!", "e"] {
        let res = app.get(&format!("/api/v1/articles?language={bad}")).await;
        res.problem(400, "invalid-parameter");
    }
});
