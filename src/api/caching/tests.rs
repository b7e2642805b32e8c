//! Unit tests of the response cache: validators, codings, freshness.

use super::*;

#[test]
fn if_none_match_compares_weakly_in_lists_and_star() {
    let tag = strong_etag(b"{\"data\":[]}");
    assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 24);
    assert_eq!(
        tag,
        strong_etag(b"{\"data\":[]}"),
        "the same bytes, the same tag"
    );
    assert_ne!(tag, strong_etag(b"{\"data\":[1]}"));
    assert!(none_match_names(&tag, &tag));
    assert!(none_match_names(&format!("W/{tag}"), &tag));
    assert!(none_match_names(&format!("\"x\", {tag}"), &tag));
    assert!(none_match_names(" * ", &tag));
    assert!(!none_match_names("\"x\"", &tag));
    assert!(
        !none_match_names(tag.trim_matches('"'), &tag),
        "an unquoted tag names nothing"
    );
}

#[test]
fn accept_encoding_picks_the_best_supported_coding() {
    assert_eq!(negotiate(None), None);
    assert_eq!(negotiate(Some("gzip, deflate, br")), Some(Coding::Brotli));
    assert_eq!(negotiate(Some("gzip;q=1, br;q=0.5")), Some(Coding::Gzip));
    assert_eq!(negotiate(Some("zstd, gzip")), Some(Coding::Zstd));
    assert_eq!(negotiate(Some("br;q=0, gzip;q=0")), None);
    assert_eq!(negotiate(Some("*;q=0.5, br;q=0")), Some(Coding::Zstd));
    assert_eq!(negotiate(Some("identity, deflate")), None);
}

#[test]
fn freshness_never_reaches_past_the_next_change() {
    let settings = CacheSettings::default();
    assert_eq!(
        cache_control(&settings, 3600),
        "public, max-age=10, s-maxage=60, stale-while-revalidate=30"
    );
    assert_eq!(
        cache_control(&settings, 70),
        "public, max-age=10, s-maxage=60, stale-while-revalidate=10"
    );
    assert_eq!(
        cache_control(&settings, 5),
        "public, max-age=5, s-maxage=5, stale-while-revalidate=0"
    );
}

#[test]
fn formatted_freshness_is_the_same_as_freshness_formatted_anew() {
    for settings in [
        CacheSettings::default(),
        CacheSettings {
            max_age: 300,
            s_maxage: 5000,
            stale_while_revalidate: 0,
            ..CacheSettings::default()
        },
    ] {
        let cache = ResponseCache::new(settings);
        for remaining in (0..200).chain([4095, 4096, 4097, 5000, 6000, 86_400]) {
            for _ in 0..2 {
                assert_eq!(
                    cache.control(remaining).to_str().ok(),
                    Some(cache_control(&settings, remaining).as_str()),
                    "{remaining}"
                );
            }
        }
    }
}

#[test]
fn the_key_names_the_base_url_as_connection_info_does() {
    use actix_web::test::TestRequest;
    let cases = [
        TestRequest::get().uri("/api/v1/articles"),
        TestRequest::get()
            .uri("/api/v1/articles")
            .insert_header(("Host", "baotintuc.vn")),
        TestRequest::get().uri("https://tintuc.vn:8443/api/v1/articles"),
        TestRequest::get()
            .uri("/api/v1/articles")
            .insert_header(("Host", "baotintuc.vn"))
            .insert_header(("X-Forwarded-Host", "cdn.baotintuc.vn"))
            .insert_header(("X-Forwarded-Proto", "https")),
        TestRequest::get()
            .uri("/api/v1/articles")
            .insert_header(("Forwarded", "for=1.2.3.4; proto=https; host=tintuc.vn")),
    ];
    for case in cases {
        let req = case.to_srv_request();
        let mut fast = String::new();
        base_url(&req, &Asked::of(&req), &mut fast);
        let info = req.connection_info();
        assert_eq!(fast, format!("{}://{}", info.scheme(), info.host()));
    }
}
