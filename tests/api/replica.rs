//! Reads from a streaming replica (decision 0027), on a real one: `deploy/cluster`'s primary and
//! replica, whose replay the tests pause to make it lag. Without them these tests skip loudly
//! (CI sets `NEWSROOM_REQUIRE_REPLICA=1`, which turns the skip into a failure). The paths that
//! need no replica (one that cannot be reached, the announcement delay) run on every database.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::time::{Duration, Instant};

use crate::helpers::fixtures::article;
use crate::helpers::{Backend, TestApp};
use newsroom::api::follow::follow_changes;
use newsroom::db::replica::ReadSettings;

/// The replica's replay, paused while this lives (the replica falls behind) and resumed when
/// it is dropped, even by a failing test: the drill that runs next needs it streaming.
struct Paused(String);

impl Paused {
    fn replay() -> Paused {
        let url = std::env::var("TEST_REPLICA_URL").expect("TEST_REPLICA_URL");
        replica_conn(&url)
            .batch_execute("SELECT pg_wal_replay_pause()")
            .expect("pause replay");
        Paused(url)
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.0) {
            let _ = conn.batch_execute("SELECT pg_wal_replay_resume()");
        }
    }
}

fn replica_conn(url: &str) -> diesel::PgConnection {
    diesel::PgConnection::establish(url).unwrap_or_else(|e| panic!("cannot reach the replica: {e}"))
}

/// Follows the change log until `/readyz` says reads go `to`, or fails after five seconds.
async fn until_reads_from(app: &TestApp, to: &str) -> serde_json::Value {
    let started = Instant::now();
    loop {
        follow_changes(&app.state).await.expect("follow");
        let ready = app.get_ok("/readyz").await;
        if ready["reads_from"] == to {
            return ready;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "reads never went to the {to}: {ready}"
        );
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads served by (the primary, the replica) during `work`.
async fn served_during<F: std::future::Future<Output = ()>>(app: &TestApp, work: F) -> (u64, u64) {
    let (primary, replica) = app.state.reads.served();
    work.await;
    let (p, r) = app.state.reads.served();
    (p - primary, r - replica)
}

#[actix_rt::test]
async fn anonymous_reads_go_to_the_replica_and_a_nodes_writes_hold_them_back_until_replayed() {
    let Some(app) = TestApp::spawn_with_replica(Duration::from_secs(30)).await else {
        return;
    };
    until_reads_from(&app, "replica").await;
    let served = served_during(&app, async {
        app.get_ok("/api/v1/articles").await;
        app.get_ok("/api/v1/events/amcc7").await;
    })
    .await;
    assert_eq!(served, (0, 2), "anonymous reads run on the replica");
    // A token holder reads the primary.
    let writer = app.writer();
    let served = served_during(&app, async {
        let res = app
            .with_token(
                &writer,
                actix_web::test::TestRequest::get().uri("/api/v1/articles"),
            )
            .await;
        assert_eq!(res.status, 200);
    })
    .await;
    assert_eq!(
        served,
        (0, 0),
        "a token holder's read is not an anonymous one"
    );

    // The replica stops replaying; this node writes.
    let paused = Paused::replay();
    let location = app
        .published_article(&writer, article("Bản tin mới trên bản sao"))
        .await;
    let slug = location.rsplit('/').next().expect("slug").to_owned();
    let on_replica: i64 = {
        let url = std::env::var("TEST_REPLICA_URL").expect("TEST_REPLICA_URL");
        let mut conn = replica_conn(&url);
        diesel::sql_query(format!(
            "SELECT count(*) AS n FROM {}.articles WHERE slug = '{slug}'",
            schema_of(&app.url)
        ))
        .get_result::<Count>(&mut conn)
        .expect("count on the replica")
        .n
    };
    assert_eq!(on_replica, 0, "the replica has not replayed the write");
    // Its readers see it at once: their reads go to the primary until the replica has it.
    let served = served_during(&app, async {
        let item = app.get_ok(&format!("/api/v1/articles/{slug}")).await;
        assert_eq!(item["data"]["title"], "Bản tin mới trên bản sao");
        let list = app.get_ok("/api/v1/articles?per_page=1").await;
        assert_eq!(list["data"][0]["slug"], slug.as_str());
    })
    .await;
    assert_eq!(served, (2, 0), "held back from the replica: {served:?}");
    follow_changes(&app.state).await.expect("follow");
    let ready = app.get_ok("/readyz").await;
    assert_eq!(ready["reads_from"], "primary", "{ready}");
    assert!(ready["replica_problem"]
        .as_str()
        .is_some_and(|p| p.contains("not yet replayed")));

    // Replayed: back to the replica, which now answers with the article.
    drop(paused);
    until_reads_from(&app, "replica").await;
    app.cache.invalidate();
    let served = served_during(&app, async {
        let item = app.get_ok(&format!("/api/v1/articles/{slug}")).await;
        assert_eq!(item["data"]["title"], "Bản tin mới trên bản sao");
    })
    .await;
    assert_eq!(served, (0, 1));
}

#[actix_rt::test]
async fn a_replica_too_far_behind_sends_reads_back_to_the_primary_and_readyz_says_so() {
    let Some(app) = TestApp::spawn_with_replica(Duration::from_millis(300)).await else {
        return;
    };
    until_reads_from(&app, "replica").await;
    let paused = Paused::replay();
    // The primary moves on (another node's write: this node learns of it by looking).
    let other = app.another_instance().await;
    let writer = other.writer();
    other
        .published_article(&writer, article("Tin từ một nút khác"))
        .await;
    let ready = until_reads_from(&app, "primary").await;
    actix_rt::time::sleep(Duration::from_millis(400)).await;
    follow_changes(&app.state).await.expect("follow");
    let ready = {
        let later = app.get_ok("/readyz").await;
        assert_eq!(later["status"], "ok", "{ready}");
        later
    };
    assert_eq!(ready["reads_from"], "primary");
    let problem = ready["replica_problem"].as_str().unwrap_or_default();
    assert!(problem.contains("behind"), "{ready}");
    assert!(ready["replica_lag_ms"].as_u64().is_some_and(|ms| ms >= 300));
    let served = served_during(&app, async {
        let list = app.get_ok("/api/v1/articles?per_page=1").await;
        assert_eq!(list["data"][0]["title"], "Tin từ một nút khác");
    })
    .await;
    assert_eq!(served, (1, 0));
    drop(paused);
    let ready = until_reads_from(&app, "replica").await;
    assert!(ready.get("replica_problem").is_none(), "{ready}");
}

#[actix_rt::test]
async fn announcements_wait_until_every_node_had_time_to_see_the_change_sqlite() {
    announcements_wait(Backend::Sqlite).await;
}

#[actix_rt::test]
async fn announcements_wait_until_every_node_had_time_to_see_the_change_postgres() {
    for backend in backends() {
        announcements_wait(backend).await;
    }
}

/// With an announcement delay, the change feed and webhooks leave a change out until the delay
/// after this node saw it (decision 0027).
async fn announcements_wait(backend: Backend) {
    let app = TestApp::spawn_with_reads(
        backend,
        ReadSettings {
            announce_delay: Duration::from_millis(400),
            ..ReadSettings::default()
        },
    )
    .await;
    let admin = app.token("Quản trị", &["admin"]);
    let receiver = crate::webhooks::Receiver::start(vec![]);
    crate::webhooks::register(&app, &admin, &receiver.url, &["article.published"]).await;
    let feed = "/api/v1/changes?type=article&per_page=100";
    let before = app.get_ok(feed).await["data"]
        .as_array()
        .map_or(0, Vec::len);
    let writer = app.writer();
    let location = app
        .published_article(&writer, article("Tin công bố sau một nhịp"))
        .await;
    let slug = location.rsplit('/').next().expect("slug").to_owned();
    // Written, readable here at once, not yet announced: other nodes may not have looked.
    app.get_ok(&format!("/api/v1/articles/{slug}")).await;
    let listed = |body: &serde_json::Value| {
        body["data"]
            .as_array()
            .is_some_and(|d| d.iter().any(|c| c["slug"] == slug.as_str()))
    };
    let early = app.get_ok(feed).await;
    assert!(!listed(&early), "announced before its time: {early}");
    assert_eq!(early["data"].as_array().map_or(0, Vec::len), before);
    assert_eq!(app.webhooks.deliver_due().await.expect("deliver"), 0);
    actix_rt::time::sleep(Duration::from_millis(450)).await;
    // The response cache keeps time by the app's clock, the delay by the wall's: both move.
    app.clock
        .set((app.now() + chrono::Duration::milliseconds(450)).and_utc());
    // Of age: the feed lists it (the cached page ended when it came of age) and it is sent.
    let late = app.get_ok(feed).await;
    assert!(listed(&late), "never announced: {late}");
    assert_eq!(app.webhooks.deliver_due().await.expect("deliver"), 1);
    assert_eq!(receiver.received().len(), 1);
}

#[actix_rt::test]
async fn an_unreachable_replica_leaves_reads_on_the_primary_and_the_node_ready() {
    // A port nothing listens on: the node starts, reads go to the primary, `/readyz` is 200.
    for backend in backends() {
        let app = TestApp::spawn_with_reads(
            backend,
            ReadSettings {
                replica_url: Some("postgres://postgres@127.0.0.1:9/test".into()),
                ..ReadSettings::default()
            },
        )
        .await;
        follow_changes(&app.state).await.expect("follow");
        let ready = app.get_ok("/readyz").await;
        assert_eq!(ready["status"], "ok");
        assert_eq!(ready["reads_from"], "primary");
        assert!(
            ready["replica_problem"]
                .as_str()
                .is_some_and(|p| p.contains("cannot be reached") || p.contains("did not answer")),
            "{ready}"
        );
        let served = served_during(&app, async {
            app.get_ok("/api/v1/articles").await;
        })
        .await;
        assert_eq!(served, (1, 0));
    }
}

/// PostgreSQL only (an SQLite primary with a replica is refused at start).
fn backends() -> Vec<Backend> {
    match crate::helpers::postgres_available() {
        true => vec![Backend::Postgres],
        false => Vec::new(),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The schema a test database URL puts first on the search path.
fn schema_of(url: &str) -> String {
    url.rsplit("search_path%3D")
        .next()
        .unwrap_or_default()
        .to_owned()
}
