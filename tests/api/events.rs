use crate::db_test;
use crate::helpers::slugs;

db_test!(amcc7_is_part_of_sicw_2022, |app| {
    let body = app.get_ok("/api/v1/events/amcc7").await;
    let event = &body["data"];
    assert_eq!(event["short_name"], "AMCC7");
    assert_eq!(
        event["name_en"],
        "7th ASEAN Ministerial Conference on Cybersecurity"
    );
    assert_eq!(event["edition"], 7);
    assert_eq!(event["starts_on"], "2022-10-20");
    assert_eq!(event["parent"]["slug"], "sicw-2022");
    assert_eq!(event["parent"]["short_name"], "SICW 2022");
    let head = event["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["person"]["slug"] == "to-lam")
        .expect("Tô Lâm took part");
    assert_eq!(head["role"], "Trưởng đoàn đại biểu Việt Nam");
});

db_test!(sicw_2022_opens_on_19_october_with_its_theme, |app| {
    let body = app
        .get_ok("/api/v1/events/sicw-2022?include=participants")
        .await;
    assert_eq!(body["data"]["starts_on"], "2022-10-19");
    assert_eq!(
        body["data"]["theme"],
        "An ninh kỹ thuật số: Trách nhiệm chung"
    );
    assert!(body["data"]["parent"].is_null());
    let speaker = body["data"]["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["person"]["slug"] == "teo-chee-hean")
        .expect("Teo Chee Hean spoke");
    assert_eq!(speaker["person"]["aliases"][0]["name"], "Tiêu Chí Hiền");
});

db_test!(
    children_of_sicw_2022_include_amcc7_and_the_bilateral_meetings,
    |app| {
        let body = app
            .get_ok("/api/v1/events/sicw-2022/children?per_page=100")
            .await;
        let children = slugs(&body);
        assert_eq!(children.len(), 8);
        for slug in [
            "amcc7",
            "acprm-2022",
            "hoi-nghi-thuong-dinh-sicw-2022",
            "gap-to-lam-alejandro-mayorkas",
        ] {
            assert!(children.contains(&slug.to_owned()), "{slug}");
        }
        let none = app.get_ok("/api/v1/events/amcc7/children").await;
        assert_eq!(none["meta"]["total"], 0);
        app.get("/api/v1/events/khong-co/children")
            .await
            .problem(404, "not-found");
    }
);

db_test!(the_january_meeting_is_dated_by_month, |app| {
    let body = app
        .get_ok("/api/v1/events/hoi-nghi-bo-truong-ky-thuat-so-asean-lan-2")
        .await;
    assert_eq!(body["data"]["date_precision"], "month");
    assert_eq!(body["data"]["starts_on"], "2022-01-01");
    assert_eq!(body["data"]["ends_on"], "2022-01-31");
});

db_test!(events_are_latest_first_with_undated_ones_last, |app| {
    let body = app.get_ok("/api/v1/events?per_page=100").await;
    let order = slugs(&body);
    assert_eq!(
        &order[..3],
        [
            "amcc7",
            "sicw-2022",
            "hoi-nghi-bo-truong-ky-thuat-so-asean-lan-2"
        ]
    );
    let oldest = slugs(&app.get_ok("/api/v1/events?sort=starts_on&per_page=3").await);
    assert_eq!(
        oldest,
        [
            "hoi-nghi-bo-truong-ky-thuat-so-asean-lan-2",
            "sicw-2022",
            "amcc7"
        ]
    );
});

db_test!(from_and_to_select_overlapping_events, |app| {
    for (query, expected) in [
        // SICW 2022 has no known end: it counts as its opening day only.
        ("from=2022-10-20&to=2022-10-20", vec!["amcc7"]),
        ("from=2022-10-21", vec![]),
        (
            "to=2022-10-19",
            vec!["sicw-2022", "hoi-nghi-bo-truong-ky-thuat-so-asean-lan-2"],
        ),
        (
            "from=2022-01-15&to=2022-01-15",
            vec!["hoi-nghi-bo-truong-ky-thuat-so-asean-lan-2"],
        ),
        (
            "from=2022-10-19T23:30:00%2B07:00&to=2022-10-20",
            vec!["amcc7", "sicw-2022"],
        ),
    ] {
        let body = app.get_ok(&format!("/api/v1/events?{query}")).await;
        assert_eq!(slugs(&body), expected, "{query}");
    }
    app.get("/api/v1/events?from=2022-10-21&to=2022-10-20")
        .await
        .problem(400, "invalid-parameter");
});

db_test!(events_filter_by_parent_person_and_words, |app| {
    let body = app.get_ok("/api/v1/events?person=tim-watts").await;
    assert_eq!(slugs(&body), ["tiep-song-phuong-to-lam-tim-watts"]);
    let body = app
        .get_ok("/api/v1/events?parent=sicw-2022&q=ban%20tron")
        .await;
    assert_eq!(body["meta"]["total"], 2);
    let body = app.get_ok("/api/v1/events?q=AMCC7").await;
    assert_eq!(slugs(&body), ["amcc7"]);
    let body = app.get_ok("/api/v1/events?organization=asean").await;
    assert_eq!(body["meta"]["total"], 0);
});

db_test!(event_articles_list_the_seed_article, |app| {
    let body = app
        .get_ok("/api/v1/events/amcc7/articles?language=vi")
        .await;
    assert_eq!(body["meta"]["total"], 1);
    let every = app.get_ok("/api/v1/events/amcc7/articles").await;
    assert_eq!(every["meta"]["total"], 2, "and its English edition");
    assert_eq!(body["data"][0]["published_at"], "2022-10-21T08:24:00+07:00");
    app.get("/api/v1/events/khong-co/articles")
        .await
        .problem(404, "not-found");
});

db_test!(include_parent_parent_reaches_depth_two_only, |app| {
    let body = app
        .get_ok("/api/v1/events/amcc7?include=parent.parent")
        .await;
    assert_eq!(body["data"]["parent"]["slug"], "sicw-2022");
    assert!(body["data"]["parent"]["participants"].is_array());
    app.get("/api/v1/events/amcc7?include=parent.parent.parent")
        .await
        .problem(400, "invalid-parameter");
});
