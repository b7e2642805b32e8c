//! The `newsroom` binary's commands, run as a separate process.

use std::process::Command;

fn newsroom(db: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("NEWSROOM_LOG", "error")
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn tokens_are_created_listed_and_revoked_from_the_shell() {
    let dir = std::env::temp_dir().join(format!("newsroom-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("cli.db").display().to_string();
    let (ok, out, _) = newsroom(&db, &["migrate"]);
    assert!(ok && out.contains("migration"), "{out}");
    let (ok, token, err) = newsroom(
        &db,
        &[
            "token",
            "create",
            "--name",
            "Tòa soạn",
            "--scope",
            "content:write",
            "--expires-in",
            "30",
        ],
    );
    assert!(ok, "{err}");
    let token = token.trim();
    assert!(token.starts_with("nr_") && token.len() > 40, "{token}");
    let (ok, list, _) = newsroom(&db, &["token", "list"]);
    assert!(ok);
    assert!(
        list.contains("Tòa soạn") && list.contains("content:write"),
        "{list}"
    );
    assert!(!list.contains(token), "the secret is shown once only");
    let id = list
        .lines()
        .find(|l| l.contains("Tòa soạn"))
        .and_then(|l| l.split_whitespace().next())
        .expect("a row")
        .to_owned();
    let (ok, out, _) = newsroom(&db, &["token", "revoke", &id]);
    assert!(ok && out.contains("revoked"), "{out}");
    let (_, list, _) = newsroom(&db, &["token", "list"]);
    let row = list
        .lines()
        .find(|l| l.contains("Tòa soạn"))
        .unwrap_or_default();
    assert!(!row.trim_end().ends_with("no"), "{row}");
    let (ok, _, err) = newsroom(&db, &["token", "create", "--name", "x", "--scope", "root"]);
    assert!(!ok && err.contains("scopes"), "{err}");
    let (ok, _, _) = newsroom(&db, &["token", "revoke", "9999"]);
    assert!(!ok);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn seed_loads_once_and_openapi_prints_the_spec() {
    let dir = std::env::temp_dir().join(format!("newsroom-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("seed.db").display().to_string();
    let (ok, out, err) = newsroom(&db, &["seed"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("seeded 3 articles, 10 events, 6 people, 14 organizations"),
        "{out}"
    );
    let (ok, out, _) = newsroom(&db, &["seed"]);
    assert!(ok && out.contains("already has content"), "{out}");
    let (ok, spec, _) = newsroom(&db, &["openapi"]);
    assert!(ok);
    assert_eq!(spec, newsroom::openapi::spec_json());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn token_names_with_control_characters_are_refused_and_old_ones_printed_escaped() {
    use diesel::prelude::*;
    let dir = std::env::temp_dir().join(format!("newsroom-cli-esc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("cli.db").display().to_string();
    assert!(newsroom(&db, &["migrate"]).0);
    let (ok, _, err) = newsroom(
        &db,
        &[
            "token",
            "create",
            "--name",
            "bot\n\u{1b}[31m",
            "--scope",
            "content:write",
        ],
    );
    assert!(!ok && err.contains("control characters"), "{err}");
    // A name stored before the rule: listed escaped, so no escape sequence reaches a terminal.
    let (ok, _, err) = newsroom(
        &db,
        &["token", "create", "--name", "cu", "--scope", "admin"],
    );
    assert!(ok, "{err}");
    let mut conn = diesel::SqliteConnection::establish(&db).expect("sqlite");
    diesel::sql_query("UPDATE api_tokens SET name = 'cu' || char(10) || char(27) || '[31m'")
        .execute(&mut conn)
        .expect("raw name");
    let (ok, list, _) = newsroom(&db, &["token", "list"]);
    assert!(ok);
    assert!(!list.contains('\u{1b}'), "{list:?}");
    assert!(list.contains("cu\\n\\u{1b}[31m"), "{list:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `newsroom reindex` rebuilds the search index whenever asked (the one-time fill at start-up
/// is `http::the_search_index_is_filled_once_at_start_up`).
#[test]
fn reindex_rebuilds_the_search_index() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |db: &str, sql: &str| -> i64 {
        let mut conn = diesel::SqliteConnection::establish(db).expect("open");
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .expect("count")
            .n
    };
    let dir = std::env::temp_dir().join(format!("newsroom-reindex-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("index.db").display().to_string();
    let (ok, _, err) = newsroom(&db, &["seed"]);
    assert!(ok, "{err}");
    let indexed = count(&db, "SELECT count(*) AS n FROM search_index");
    assert_eq!(indexed, 3 + 10 + 6 + 14, "the seed indexes what it loads");
    diesel::SqliteConnection::establish(&db)
        .expect("open")
        .batch_execute("DELETE FROM search_index; DELETE FROM maintenance_steps;")
        .expect("clear");
    let (ok, out, err) = newsroom(&db, &["reindex"]);
    assert!(
        ok && out.contains(&format!("indexed {indexed} items")),
        "{out}{err}"
    );
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM search_index"),
        indexed
    );
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM maintenance_steps"),
        1,
        "a reindex completes a pending fill"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_read_replica_needs_a_postgresql_primary() {
    let dir = std::env::temp_dir().join(format!("newsroom-cli-replica-{}", std::process::id()));
    let db = dir.join("n.db");
    let output = Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .args(["serve"])
        .env("DATABASE_URL", db.display().to_string())
        .env(
            "NEWSROOM_READ_DATABASE_URL",
            "postgres://postgres@127.0.0.1:9/test",
        )
        .env("NEWSROOM_BIND", "127.0.0.1:0")
        .output()
        .expect("run newsroom");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        !output.status.success(),
        "an SQLite primary with a replica must not start"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("needs a PostgreSQL primary"), "{stderr}");
}
