//! Feeds and sitemaps: well-formed XML with the documented namespaces, the portal's links,
//! filters, escaping, visibility and the news sitemap's two days.

use quick_xml::events::Event;
use serde_json::json;

use crate::db_test;
use crate::helpers::fixtures::{article, with};
use crate::helpers::TestApp;

/// Reads a document whole (a malformed one panics) and returns its root element's name and
/// attributes, and every element's name in order.
fn parse(xml: &str) -> (String, Vec<(String, String)>, Vec<String>) {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut root = None;
    let mut names = Vec::new();
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("malformed XML: {e}\n{xml}"))
        {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if root.is_none() {
                    let attributes = e
                        .attributes()
                        .map(|a| {
                            let a = a.expect("attribute");
                            (
                                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                                a.unescape_value().expect("value").into_owned(),
                            )
                        })
                        .collect();
                    root = Some((name.clone(), attributes));
                }
                names.push(name);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let (name, attributes) = root.expect("a root element");
    (name, attributes, names)
}

/// The text of every `<tag>` in a document.
fn texts(xml: &str, tag: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event().expect("XML") {
            Event::Start(e) if e.name().as_ref() == tag.as_bytes() => {
                inside = true;
                out.push(String::new());
            }
            Event::End(e) if e.name().as_ref() == tag.as_bytes() => inside = false,
            Event::Text(t) if inside => {
                if let Some(last) = out.last_mut() {
                    last.push_str(&t.decode().expect("text"));
                }
            }
            Event::GeneralRef(r) if inside => {
                let entity = String::from_utf8_lossy(&r).into_owned();
                let text = match entity.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" | "#39" => "'",
                    _ => "?",
                };
                if let Some(last) = out.last_mut() {
                    last.push_str(text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

async fn text(app: &TestApp, uri: &str, content_type: &str) -> String {
    let res = app.get(uri).await;
    assert_eq!(res.status, 200, "{uri}: {}", res.text());
    assert_eq!(res.header("content-type"), Some(content_type), "{uri}");
    assert!(
        res.header("etag").is_some(),
        "{uri}: cached like other public reads"
    );
    res.text()
}

db_test!(feeds_are_well_formed_and_link_to_the_portal, |app| {
    let writer = app.writer();
    let location = app
        .published_article(
            &writer,
            with(
                article("Tin <b>nóng</b> & \"mới\""),
                json!({"tags": ["Hội nghị"]}),
            ),
        )
        .await;
    let id: i64 = app.get_ok(&location).await["data"]["id"]
        .as_i64()
        .expect("id");
    let link = format!("https://portal.example.vn/tin/tin-b-nong-b-moi-{id}.html");

    let rss = text(
        &app,
        "/feeds/articles.rss",
        "application/rss+xml; charset=utf-8",
    )
    .await;
    let (root, attributes, names) = parse(&rss);
    assert_eq!(root, "rss");
    assert!(attributes.contains(&("version".into(), "2.0".into())));
    assert!(names.contains(&"atom:link".to_owned()));
    let titles = texts(&rss, "title");
    assert!(
        titles.contains(&"Tin <b>nóng</b> & \"mới\"".to_owned()),
        "{titles:?}"
    );
    assert!(texts(&rss, "link").contains(&link), "{rss}");
    assert!(texts(&rss, "pubDate").iter().all(|d| d.ends_with("+0700")));

    let atom = text(
        &app,
        "/feeds/articles.atom",
        "application/atom+xml; charset=utf-8",
    )
    .await;
    let (root, attributes, _) = parse(&atom);
    assert_eq!(root, "feed");
    assert!(attributes.contains(&("xmlns".into(), "http://www.w3.org/2005/Atom".into())));
    assert!(texts(&atom, "published")
        .iter()
        .all(|d| d.ends_with("+07:00")));
    assert!(texts(&atom, "id").contains(&link));

    let res = app.get("/feeds/articles.json").await;
    assert_eq!(res.header("content-type"), Some("application/feed+json"));
    let feed = res.json();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["title"], "Cổng thông tin thử");
    assert_eq!(feed["home_page_url"], "https://portal.example.vn");
    assert_eq!(
        feed["feed_url"],
        "http://localhost:8080/feeds/articles.json"
    );
    let items = feed["items"].as_array().expect("items");
    assert_eq!(items[0]["url"], link.as_str(), "newest first");
    for item in items {
        assert!(
            item["id"].is_string() && item["content_html"].is_string(),
            "{item}"
        );
        assert!(item["date_published"]
            .as_str()
            .is_some_and(|d| d.ends_with("+07:00")));
    }
    let seed = items
        .iter()
        .find(|i| i["url"].as_str().is_some_and(|u| u.contains("amcc7")));
    assert!(seed.is_some_and(|s| s["tags"]
        .as_array()
        .is_some_and(|t| t.contains(&json!("An ninh mạng")))));
});

db_test!(
    feeds_filter_like_the_article_list_and_hide_what_is_not_out,
    |app| {
        let writer = app.writer();
        app.published_article(
            &writer,
            with(article("Chỉ có thẻ riêng"), json!({"tags": ["Thẻ riêng"]})),
        )
        .await;
        let at = (app.now() + chrono::Duration::hours(3))
            .and_utc()
            .to_rfc3339();
        app.create_article(
            &writer,
            &with(
                article("Chưa đến giờ"),
                json!({"status": "published", "published_at": at, "tags": ["Thẻ riêng"]}),
            ),
        )
        .await;
        app.create_article(
            &writer,
            &with(article("Bản nháp riêng"), json!({"tags": ["Thẻ riêng"]})),
        )
        .await;
        let feed = app.get_ok("/feeds/articles.json?tag=the-rieng").await;
        let titles: Vec<_> = feed["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["title"].clone())
            .collect();
        assert_eq!(titles, [json!("Chỉ có thẻ riêng")]);
        let about = app
            .get_ok("/feeds/articles.json?event=amcc7&person=to-lam")
            .await;
        assert!(about["items"].as_array().is_some_and(|i| !i.is_empty()));
        let nothing = app
            .get_ok("/feeds/articles.json?organization=khong-ton-tai")
            .await;
        assert_eq!(nothing["items"], json!([]));
        for bad in ["tag=Th%E1%BA%BB", "event=", "q=an", "page=2"] {
            app.get(&format!("/feeds/articles.rss?{bad}"))
                .await
                .problem(400, "invalid-parameter");
        }
    }
);

db_test!(sitemaps_follow_the_protocol_and_google_news, |app| {
    let writer = app.writer();
    app.published_article(&writer, article("Tin trong hai ngày"))
        .await;
    let index = text(&app, "/sitemap.xml", "application/xml; charset=utf-8").await;
    let (root, attributes, _) = parse(&index);
    assert_eq!(root, "sitemapindex");
    assert!(attributes.contains(&(
        "xmlns".into(),
        "http://www.sitemaps.org/schemas/sitemap/0.9".into()
    )));
    assert_eq!(
        texts(&index, "loc"),
        [
            "http://localhost:8080/sitemaps/articles-1.xml",
            "http://localhost:8080/sitemaps/news.xml"
        ]
    );
    let page = text(
        &app,
        "/sitemaps/articles-1.xml",
        "application/xml; charset=utf-8",
    )
    .await;
    let (root, _, _) = parse(&page);
    assert_eq!(root, "urlset");
    let locs = texts(&page, "loc");
    assert_eq!(
        locs.len(),
        4,
        "the two seed articles, the English edition and the new one: {locs:?}"
    );
    // `{lang_prefix}`: the English edition under `/en`, the default language at the root.
    assert_eq!(
        locs.iter()
            .filter(|l| l.starts_with("https://portal.example.vn/tin/"))
            .count(),
        3
    );
    assert_eq!(
        locs.iter()
            .filter(|l| l.starts_with("https://portal.example.vn/en/tin/"))
            .count(),
        1
    );
    assert!(texts(&page, "lastmod")
        .iter()
        .all(|d| d.ends_with("+07:00")));
    app.get("/sitemaps/articles-2.xml")
        .await
        .problem(404, "not-found");
    app.get("/sitemaps/articles-x.xml")
        .await
        .problem(404, "not-found");

    let news = text(&app, "/sitemaps/news.xml", "application/xml; charset=utf-8").await;
    let (root, attributes, names) = parse(&news);
    assert_eq!(root, "urlset");
    assert!(attributes.contains(&(
        "xmlns:news".into(),
        "http://www.google.com/schemas/sitemap-news/0.9".into()
    )));
    assert!(names.contains(&"news:publication_date".to_owned()));
    assert_eq!(
        texts(&news, "news:title"),
        ["Tin trong hai ngày"],
        "the 2022 seed article is too old"
    );
    assert_eq!(texts(&news, "news:name"), ["Cổng thông tin thử"]);
    assert_eq!(texts(&news, "news:language"), ["vi"]);
});
