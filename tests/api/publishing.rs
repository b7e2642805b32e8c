//! The publish permission: `content:write` writes drafts; publishing, scheduling, unpublishing,
//! and editing or deleting what is out need `content:publish` (or `admin`).

use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::kit::{delete, patch};
use crate::helpers::{Backend, Scratch, TestApp};

/// A draft written by an editor who may publish; its location.
async fn draft(app: &TestApp, title: &str) -> String {
    let res = app.create_article(&app.writer(), &article(title)).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.location()
}

async fn out(app: &TestApp, title: &str) -> String {
    app.published_article(&app.writer(), article(title)).await
}

db_test!(the_publish_matrix, |app| {
    let roles = [
        ("content:write", app.drafter(), false),
        ("content:publish", app.writer(), true),
        ("admin", app.token("Quản trị", &["admin"]), true),
    ];
    let later = (app.now() + chrono::Duration::days(1))
        .and_utc()
        .to_rfc3339();
    for (n, (role, token, may_publish)) in roles.iter().enumerate() {
        let expect = |status: u16, allowed: u16, what: &str| {
            let wanted = if *may_publish { allowed } else { 403 };
            assert_eq!(status, wanted, "{role}: {what}");
        };
        // Drafts: everyone.
        let created = app
            .create_article(token, &article(&format!("Nháp {n}")))
            .await;
        assert_eq!(created.status, 201, "{role}: create a draft");
        let own = created.location();
        let edited = app
            .with_token(token, patch(&own, "\"1\"", &json!({"lead": "Sửa nháp."})))
            .await;
        assert_eq!(edited.status, 200, "{role}: edit a draft");
        // Publish at creation, schedule at creation.
        let published = app
            .create_article(
                token,
                &with(
                    article(&format!("Đăng ngay {n}")),
                    json!({"status": "published"}),
                ),
            )
            .await;
        expect(published.status.as_u16(), 201, "create published");
        let scheduled = app
            .create_article(
                token,
                &with(
                    article(&format!("Hẹn giờ {n}")),
                    json!({"status": "published", "published_at": later}),
                ),
            )
            .await;
        expect(scheduled.status.as_u16(), 201, "create scheduled");
        // Publish a draft, schedule a draft.
        let to_publish = draft(&app, &format!("Sẽ đăng {n}")).await;
        let res = app
            .with_token(
                token,
                patch(&to_publish, "\"1\"", &json!({"status": "published"})),
            )
            .await;
        expect(res.status.as_u16(), 200, "publish a draft");
        let to_schedule = draft(&app, &format!("Sẽ hẹn {n}")).await;
        let res = app
            .with_token(
                token,
                patch(
                    &to_schedule,
                    "\"1\"",
                    &json!({"status": "published", "published_at": later}),
                ),
            )
            .await;
        expect(res.status.as_u16(), 200, "schedule a draft");
        // Unpublish, edit and delete what is out.
        let public = out(&app, &format!("Đã đăng {n}")).await;
        let res = app
            .with_token(token, patch(&public, "\"1\"", &json!({"status": "draft"})))
            .await;
        expect(res.status.as_u16(), 200, "unpublish");
        let public = out(&app, &format!("Đang đăng {n}")).await;
        let res = app
            .with_token(
                token,
                patch(&public, "\"1\"", &json!({"title": "Sửa bài đã đăng"})),
            )
            .await;
        expect(res.status.as_u16(), 200, "edit what is out");
        let public = out(&app, &format!("Sẽ xoá {n}")).await;
        let res = app.with_token(token, delete(&public, "\"1\"")).await;
        expect(res.status.as_u16(), 204, "delete what is out");
        // A draft's deletion: everyone.
        let res = app.with_token(token, delete(&own, "\"2\"")).await;
        assert_eq!(res.status, 204, "{role}: delete a draft");
    }
    // The refusal says what is missing, and nothing was written.
    let public = out(&app, "Không được sửa").await;
    let refused = app
        .with_token(
            &app.drafter(),
            patch(&public, "\"1\"", &json!({"title": "Đổi"})),
        )
        .await;
    let problem = refused.problem(403, "forbidden");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("content:publish") && d.contains("deleting an article")),
        "{problem}"
    );
    assert_eq!(app.get_ok(&public).await["data"]["title"], "Không được sửa");
    // Other resources stay content:write.
    let person = app
        .create(
            &app.drafter(),
            "/api/v1/people",
            &json!({"name": "Phóng Viên Tạo"}),
        )
        .await;
    assert_eq!(person.status, 201);
});

#[test]
fn tokens_that_could_publish_keep_publishing() {
    let up = include_str!("../../migrations/sqlite/2026-11-26-000015_publish_scope/up.sql");
    assert_eq!(
        up,
        include_str!("../../migrations/postgres/2026-11-26-000015_publish_scope/up.sql")
    );
    let mut backends = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        let scratch = Scratch::new(backend);
        let mut conn = scratch.conn();
        conn.batch_execute(
            "INSERT INTO api_tokens (public_id, secret_hash, name, scopes, created_at) VALUES
             ('0000000000000001', 'x', 'biên tập', 'content:write', '2026-01-01 00:00:00'),
             ('0000000000000002', 'x', 'xem trước', 'content:preview', '2026-01-01 00:00:00'),
             ('0000000000000003', 'x', 'quản trị', 'admin content:write', '2026-01-01 00:00:00')",
        )
        .expect("tokens");
        conn.batch_execute(up).expect("migration");
        conn.batch_execute(up)
            .expect("the migration twice changes nothing more");
        let rows = newsroom::db::tokens::list(&mut conn).expect("tokens");
        let mut scopes: Vec<(String, String)> =
            rows.into_iter().map(|r| (r.public_id, r.scopes)).collect();
        scopes.sort();
        assert_eq!(
            scopes,
            [
                (
                    "0000000000000001".to_owned(),
                    "content:write content:publish".to_owned()
                ),
                ("0000000000000002".to_owned(), "content:preview".to_owned()),
                (
                    "0000000000000003".to_owned(),
                    "admin content:write content:publish".to_owned()
                ),
            ],
            "{backend:?}"
        );
    }
}
