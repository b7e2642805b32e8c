use crate::db_test;
use crate::helpers::slugs;

db_test!(josephine_teo_is_also_spelled_josephin_teo, |app| {
    let body = app.get_ok("/api/v1/people/josephine-teo").await;
    let aliases: Vec<&str> = body["data"]["aliases"]
        .as_array()
        .expect("aliases")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(aliases.contains(&"Josephin Teo"));
    assert_eq!(body["data"]["aliases"][0]["kind"], "misspelling");
    assert_eq!(body["data"]["country"], "SG");
    assert_eq!(
        body["data"]["positions"][0]["organization"]["slug"],
        "bo-truyen-thong-thong-tin-singapore"
    );
});

db_test!(to_lam_has_his_rank_and_positions, |app| {
    let body = app.get_ok("/api/v1/people/to-lam?include=positions").await;
    let person = &body["data"];
    assert_eq!(person["honorific"], "Đại tướng");
    let titles: Vec<&str> = person["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert_eq!(titles, ["Ủy viên Bộ Chính trị", "Bộ trưởng Bộ Công an"]);
    assert_eq!(person["positions"][1]["organization"]["kind"], "ministry");
    // No dates on the page: whether the position is current is unknown, not guessed.
    assert!(person["positions"][1]["current"].is_null());
    assert!(person["positions"][1]["starts_on"].is_null());
});

db_test!(people_are_found_by_any_spelling, |app| {
    for (q, expected) in [
        ("tieu%20chi%20hien", "teo-chee-hean"),
        ("Ti%C3%AAu%20Ch%C3%AD", "teo-chee-hean"),
        ("josephin", "josephine-teo"),
        ("TO%20LAM", "to-lam"),
    ] {
        let body = app.get_ok(&format!("/api/v1/people?q={q}")).await;
        assert_eq!(slugs(&body), [expected], "{q}");
    }
});

db_test!(people_filter_by_country_and_organization, |app| {
    let sg = app.get_ok("/api/v1/people?country=sg").await;
    assert_eq!(
        slugs(&sg),
        ["josephine-teo", "k-shanmugam", "teo-chee-hean"]
    );
    let dhs = app
        .get_ok("/api/v1/people?organization=bo-an-ninh-noi-dia-hoa-ky")
        .await;
    assert_eq!(slugs(&dhs), ["alejandro-mayorkas"]);
    app.get("/api/v1/people?country=VNM")
        .await
        .problem(400, "invalid-parameter");
});

db_test!(people_are_sorted_by_name_on_every_backend, |app| {
    let body = app.get_ok("/api/v1/people").await;
    assert_eq!(
        slugs(&body),
        [
            "alejandro-mayorkas",
            "josephine-teo",
            "k-shanmugam",
            "teo-chee-hean",
            "tim-watts",
            "to-lam"
        ]
    );
});

db_test!(person_articles_list_what_mentions_them, |app| {
    let body = app
        .get_ok("/api/v1/people/alejandro-mayorkas/articles?fields=title")
        .await;
    assert_eq!(
        body["meta"]["total"], 2,
        "the seed article and its English edition"
    );
    app.get("/api/v1/people/khong-ai/articles")
        .await
        .problem(404, "not-found");
});
