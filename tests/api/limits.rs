//! What one client may take: failed authentications per address and writes per token, past
//! which a request is a 429 with `Retry-After` (issue 9, finding 12). Connections per address
//! and the pace of a body need a real socket: `http.rs`.

use actix_web::test::TestRequest;
use newsroom::api::limits::LimitSettings;
use serde_json::json;

use crate::db_test;
use crate::helpers::kit::post;

fn from(address: &str, req: TestRequest) -> TestRequest {
    req.peer_addr(address.parse().expect("socket address"))
}

db_test!(an_address_presenting_bad_tokens_is_slowed_down, |app| {
    let limited = app
        .another_instance_limited(LimitSettings {
            auth_failures_per_minute: 3,
            ..LimitSettings::default()
        })
        .await;
    let good = app.token("Ban biên tập", &["content:preview"]);
    let attacker = "203.0.113.7:40000";
    for guess in 0..3 {
        let bad = format!("nr_0000000000000000_guess{guess}");
        limited
            .with_token(
                &bad,
                from(attacker, TestRequest::get().uri("/api/v1/articles")),
            )
            .await
            .problem(401, "unauthorized");
    }
    let res = limited
        .with_token(
            "nr_0000000000000000_again",
            from(attacker, TestRequest::get().uri("/api/v1/articles")),
        )
        .await;
    res.problem(429, "rate-limited");
    let wait: u64 = res
        .header("retry-after")
        .and_then(|s| s.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    // The address is refused whatever it presents until the minute ends, so guessing stops
    // costing lookups; anonymous reads and other addresses go on.
    limited
        .with_token(
            &good,
            from(attacker, TestRequest::get().uri("/api/v1/articles")),
        )
        .await
        .problem(429, "rate-limited");
    let anonymous = limited
        .request(from(attacker, TestRequest::get().uri("/api/v1/articles")))
        .await;
    assert_eq!(anonymous.status, 200);
    let other = limited
        .with_token(
            &good,
            from(
                "198.51.100.2:40000",
                TestRequest::get().uri("/api/v1/articles"),
            ),
        )
        .await;
    assert_eq!(other.status, 200, "{}", other.text());
    // Without the limit (the default instance counts too, but at 20 a minute) nothing changes.
    for guess in 0..5 {
        let bad = format!("nr_0000000000000000_more{guess}");
        app.with_token(
            &bad,
            from(attacker, TestRequest::get().uri("/api/v1/articles")),
        )
        .await
        .problem(401, "unauthorized");
    }
});

db_test!(a_token_has_a_budget_of_writes, |app| {
    let limited = app
        .another_instance_limited(LimitSettings {
            writes_per_minute: 2,
            ..LimitSettings::default()
        })
        .await;
    let writer = app.token("Ban biên tập", &["content:write"]);
    let other = app.token("Ban thời sự", &["content:write"]);
    for i in 0..2 {
        let tag = json!({"name": format!("Chủ đề {i}")});
        let res = limited
            .with_token(&writer, post("/api/v1/tags", &tag))
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let res = limited
        .with_token(&writer, post("/api/v1/tags", &json!({"name": "Chủ đề 3"})))
        .await;
    res.problem(429, "rate-limited");
    assert!(res.header("retry-after").is_some());
    // Refused before anything was written.
    assert_eq!(app.get("/api/v1/tags/chu-de-3").await.status, 404);
    // Reads with the same token, and another token's writes, go on.
    let read = limited
        .with_token(&writer, TestRequest::get().uri("/api/v1/tags"))
        .await;
    assert_eq!(read.status, 200);
    let res = limited
        .with_token(&other, post("/api/v1/tags", &json!({"name": "Chủ đề 4"})))
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
});
