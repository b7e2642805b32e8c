//! The pool's check on checkout (`db::pool`): a connection that worked a moment ago is handed
//! out as it is, any other is asked first, and a connection the server closed never fails more
//! than the one piece of work that met it.

use diesel::prelude::*;
use diesel::sql_types::Integer;
use newsroom::db::{self, DbConnection};
use newsroom::error::ApiError;

use crate::helpers::{Backend, Scratch};

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

fn backend_pid(conn: &mut DbConnection) -> Result<i32, ApiError> {
    let row: Pid = diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result(conn)?;
    Ok(row.pid)
}

/// Ends the server process behind a connection, and waits until it is gone.
fn terminate(url: &str, pid: i32) {
    let mut admin = db::establish(url).expect("admin connection");
    diesel::sql_query(format!("SELECT pg_terminate_backend({pid})"))
        .execute(&mut admin)
        .expect("terminate");
    for _ in 0..200 {
        let left: i64 = diesel::sql_query(format!(
            "SELECT count(*) AS total FROM pg_stat_activity WHERE pid = {pid}"
        ))
        .get_result::<Total>(&mut admin)
        .expect("activity")
        .total;
        if left == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("backend {pid} did not end");
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
}

#[actix_rt::test]
async fn a_connection_the_server_closed_fails_one_piece_of_work_then_is_replaced() {
    if !crate::helpers::postgres_available() {
        return;
    }
    let scratch = Scratch::new(Backend::Postgres);
    let pool = db::connect_pool(&scratch.url, 1).expect("pool");

    // Worked a moment ago: handed out without a check, so the closed connection is met by
    // the work itself, which gets a 503, never a 500.
    let first = db::run(&pool, backend_pid).await.expect("first work");
    terminate(&scratch.url, first);
    let lost = db::run(&pool, backend_pid).await;
    assert!(matches!(lost, Err(ApiError::Unavailable)), "{lost:?}");

    // The failure makes the next checkout ask: a new connection, and the work is done.
    let second = db::run(&pool, backend_pid).await.expect("a new connection");
    assert_ne!(second, first);

    // Idle for longer than a second: asked before use, so nobody meets the closed one.
    terminate(&scratch.url, second);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let third = db::run(&pool, backend_pid)
        .await
        .expect("checked, then replaced");
    assert_ne!(third, second);
}
