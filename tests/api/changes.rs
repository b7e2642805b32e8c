//! The change log: every content change, numbered in commit order without gaps, in the writing
//! transaction.

use actix_web::test::TestRequest;
use newsroom::db::changes::{self, ChangeRow};
use newsroom::domain::kinds::ChangeAction;
use serde_json::json;

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::{delete, patch};
use crate::helpers::TestApp;

fn since(app: &TestApp, seq: i64) -> Vec<ChangeRow> {
    changes::since(&mut app.conn(), seq, 1000).expect("changes")
}

fn head(app: &TestApp) -> i64 {
    changes::head(&mut app.conn()).expect("head")
}

/// `(resource, slug, action, version)` of each change.
fn described(rows: &[ChangeRow]) -> Vec<(String, String, ChangeAction, i32)> {
    rows.iter()
        .map(|r| (r.resource.clone(), r.slug.clone(), r.action, r.version))
        .collect()
}

db_test!(the_seed_and_every_write_are_logged_in_order, |app| {
    let seeded = since(&app, 0);
    assert_eq!(
        seeded.len() as i64,
        head(&app),
        "the seed logs every item it creates"
    );
    assert!(seeded
        .iter()
        .all(|r| r.action == ChangeAction::Created && r.version == 1));
    assert!(
        seeded.iter().any(|r| r.resource == "tags"),
        "tags an article brings too"
    );
    let start = head(&app);
    let writer = app.writer();
    let body = with(article("Nhật ký thay đổi"), json!({"tags": ["Nhật ký"]}));
    let created = app.create_article(&writer, &body).await;
    assert_eq!(created.status, 201);
    let path = created.location();
    let changed = app
        .with_token(
            &writer,
            patch(&path, "\"1\"", &json!({"slug": "nhat-ky-moi"})),
        )
        .await;
    assert_eq!(changed.status, 200);
    let failed = app
        .with_token(
            &writer,
            patch(
                "/api/v1/articles/nhat-ky-moi",
                "\"1\"",
                &json!({"title": "x"}),
            ),
        )
        .await;
    assert_eq!(failed.status, 412, "a refused write logs nothing");
    let gone = app
        .with_token(&writer, delete("/api/v1/articles/nhat-ky-moi", "\"2\""))
        .await;
    assert_eq!(gone.status, 204);
    let org = app
        .create(
            &writer,
            "/api/v1/organizations",
            &json!({"name": "Cục Báo chí", "kind": "agency"}),
        )
        .await;
    assert_eq!(org.status, 201);
    let logged = since(&app, start);
    let seqs: Vec<i64> = logged.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (start + 1..=start + 5).collect::<Vec<_>>(), "no gaps");
    let slug = path.rsplit('/').next().expect("slug").to_owned();
    assert_eq!(
        described(&logged),
        [
            ("tags".into(), "nhat-ky".into(), ChangeAction::Created, 1),
            ("articles".into(), slug, ChangeAction::Created, 1),
            (
                "articles".into(),
                "nhat-ky-moi".into(),
                ChangeAction::Updated,
                2
            ),
            (
                "articles".into(),
                "nhat-ky-moi".into(),
                ChangeAction::Deleted,
                3
            ),
            (
                "organizations".into(),
                "cuc-bao-chi".into(),
                ChangeAction::Created,
                1
            ),
        ]
    );
    assert_eq!(logged[1].item_id, logged[2].item_id);
    assert_eq!(logged[0].at, app.now());
});

db_test!(
    concurrent_writers_get_gapless_numbers_in_commit_order,
    |app| {
        let start = head(&app);
        let writer = app.writer();
        let requests: Vec<_> = (0..24)
            .map(|i| {
                let body = json!({"name": format!("Chủ đề số {i}")});
                app.with_token(
                    &writer,
                    TestRequest::post().uri("/api/v1/tags").set_json(body),
                )
            })
            .collect();
        for res in futures_util::future::join_all(requests).await {
            assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
        }
        let logged = since(&app, start);
        let seqs: Vec<i64> = logged.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, (start + 1..=start + 24).collect::<Vec<_>>());
        // Numbers follow the order the items were created in (ids come from the same transaction).
        let mut ids: Vec<i64> = logged.iter().map(|r| r.item_id).collect();
        let in_log_order = ids.clone();
        ids.sort();
        assert_eq!(in_log_order, ids, "log order is commit order");
        assert_eq!(head(&app), start + 24);
    }
);
