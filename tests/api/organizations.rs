use crate::db_test;
use crate::helpers::slugs;

db_test!(ttxvn_is_a_news_agency, |app| {
    let body = app.get_ok("/api/v1/organizations/ttxvn").await;
    assert_eq!(body["data"]["name"], "Thông tấn xã Việt Nam");
    assert_eq!(body["data"]["name_en"], "Vietnam News Agency");
    assert_eq!(body["data"]["kind"], "news_agency");
    let agencies = app
        .get_ok("/api/v1/organizations?kind=news_agency&sort=short_name")
        .await;
    assert_eq!(slugs(&agencies), ["kgo", "ttxvn"]);
});

db_test!(organizations_nest_under_parents, |app| {
    let body = app
        .get_ok("/api/v1/organizations/asean-cert?include=parent")
        .await;
    assert_eq!(body["data"]["parent"]["slug"], "asean");
    assert_eq!(body["data"]["parent"]["kind"], "intergovernmental");
    let children = app.get_ok("/api/v1/organizations?parent=asean").await;
    assert_eq!(slugs(&children), ["asean-cert"]);
});

db_test!(organization_people_lists_position_holders, |app| {
    let body = app.get_ok("/api/v1/organizations/bo-cong-an/people").await;
    assert_eq!(slugs(&body), ["to-lam"]);
    let none = app.get_ok("/api/v1/organizations/gfce/people").await;
    assert_eq!(none["meta"]["total"], 0);
    app.get("/api/v1/organizations/khong-co/people")
        .await
        .problem(404, "not-found");
});

db_test!(organizations_filter_by_country_and_words, |app| {
    let total = |body: serde_json::Value| body["meta"]["total"].as_i64().unwrap_or(-1);
    let before = total(app.get_ok("/api/v1/organizations?country=AU").await);
    let writer = app.writer();
    for name in ["Bộ Ngoại giao Australia", "Cơ quan An ninh mạng Australia"] {
        let body = serde_json::json!({"name": name, "kind": "agency", "country": "au"});
        assert_eq!(
            app.create(&writer, "/api/v1/organizations", &body)
                .await
                .status,
            201
        );
    }
    let au = app
        .get_ok("/api/v1/organizations?country=AU&per_page=100")
        .await;
    assert_eq!(total(au.clone()), before + 2);
    assert!(slugs(&au).contains(&"co-quan-an-ninh-mang-australia".to_owned()));
    let found = app.get_ok("/api/v1/organizations?q=bo%20cong%20an").await;
    assert_eq!(slugs(&found), ["bo-cong-an"]);
    let english = app.get_ok("/api/v1/organizations?q=homeland").await;
    assert_eq!(slugs(&english), ["bo-an-ninh-noi-dia-hoa-ky"]);
    app.get("/api/v1/organizations?kind=ngo")
        .await
        .problem(400, "invalid-parameter");
});
