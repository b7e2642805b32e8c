//! Unit tests of the list machinery: parameters, cursors, links.

use super::*;

const SPEC: ListSpec<&str> = ListSpec {
    sorts: &[("title", "title"), ("published_at", "published_at")],
    cursor_sorts: &["title", "published_at"],
    default_sort: "-published_at",
    fields: &["title", "body"],
    includes: &["events", "events.parent"],
};

fn key() -> CursorKey {
    CursorKey(std::sync::Arc::from(&b"a test key"[..]))
}

fn common<'a>(sort: Option<&'a str>, include: Option<&'a str>) -> CommonParams<'a> {
    CommonParams {
        page: Some("2"),
        cursor: None,
        per_page: Some("100"),
        count: Some("none"),
        sort,
        fields: Some("title"),
        include,
    }
}

#[test]
fn parses_sort_include_and_fields() {
    let mut problems = Problems::default();
    let opts = parse_list(
        common(Some("-title,published_at"), Some("events.parent")),
        &SPEC,
        &key(),
        &mut problems,
    );
    assert!(problems.0.is_empty());
    assert_eq!(opts.offset(), 100);
    assert!(!opts.with_total);
    assert_eq!(opts.sort, vec![("title", true), ("published_at", false)]);
    assert!(opts
        .include
        .get("events")
        .and_then(|e| e.get("parent"))
        .is_some());
    assert!(opts.fields.wants("title") && !opts.fields.wants("body"));
}

#[test]
fn names_every_bad_parameter() {
    let mut problems = Problems::default();
    let long = parse_list(
        common(Some("title,-title,title"), None),
        &SPEC,
        &key(),
        &mut problems,
    );
    assert_eq!(long.sort, vec![("title", false)], "repeats are ignored");
    parse_list(
        common(Some("title,published_at,title,title"), None),
        &SPEC,
        &key(),
        &mut problems,
    );
    assert_eq!(problems.0.len(), 1, "more than three keys is an error");
    problems.0.clear();
    let raw = CommonParams {
        page: Some("0"),
        cursor: None,
        per_page: Some("101"),
        count: Some("maybe"),
        sort: Some("views"),
        fields: Some("secret"),
        include: Some("events.parent.parent"),
    };
    parse_list(raw, &SPEC, &key(), &mut problems);
    let names: Vec<_> = problems
        .0
        .iter()
        .filter_map(|e| e.parameter.clone())
        .collect();
    assert_eq!(
        names,
        ["page", "per_page", "count", "sort", "fields", "include"]
    );
}

#[test]
fn cursors_round_trip_and_refuse_other_sorts() {
    let time = chrono::NaiveDate::from_ymd_opt(2022, 10, 21)
        .and_then(|d| d.and_hms_micro_opt(1, 24, 0, 5))
        .expect("time");
    let cursor = encode_cursor(&key(), "published_at", true, &KeyValue::Time(time), 7);
    let after = decode_cursor(&key(), &cursor, "published_at", true).expect("decodes");
    assert_eq!(
        after,
        After {
            value: KeyValue::Time(time),
            id: 7
        }
    );
    assert!(decode_cursor(&key(), &cursor, "published_at", false).is_err());
    assert!(decode_cursor(&key(), &cursor, "title", true).is_err());
    assert!(decode_cursor(&key(), "not-a-cursor", "published_at", true).is_err());
}

proptest::proptest! {
    /// Every cursor decodes to what was encoded, for its own sort only, and any change to
    /// its bytes is refused.
    #[test]
    fn cursors_round_trip_and_any_change_is_refused(
        text in ".{0,40}",
        id in proptest::prelude::any::<i64>(),
        seconds in 0i64..253_402_300_799,
        desc in proptest::prelude::any::<bool>(),
        flip in proptest::prelude::any::<usize>(),
    ) {
        let time = chrono::DateTime::from_timestamp(seconds, 0).map(|t| t.naive_utc());
        let cases = [
            ("title", KeyValue::Text(text)),
            ("published_at", time.map(KeyValue::Time).unwrap_or(KeyValue::Null)),
            ("id", KeyValue::Id),
        ];
        for (sort, value) in cases {
            if value == KeyValue::Null {
                continue;
            }
            let cursor = encode_cursor(&key(), sort, desc, &value, id);
            let after = decode_cursor(&key(), &cursor, sort, desc);
            proptest::prop_assert_eq!(after, Ok(After { value, id }));
            proptest::prop_assert!(decode_cursor(&key(), &cursor, sort, !desc).is_err());
            let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).expect("base64url");
            let at = flip % bytes.len();
            bytes[at] ^= 1 << (flip % 8);
            let changed = URL_SAFE_NO_PAD.encode(bytes);
            proptest::prop_assert!(decode_cursor(&key(), &changed, sort, desc).is_err());
        }
    }
}

#[test]
fn cursors_are_signed() {
    let value = KeyValue::Text("Hội nghị".into());
    let cursor = encode_cursor(&key(), "title", false, &value, 7);
    assert!(decode_cursor(&key(), &cursor, "title", false).is_ok());
    // Well-formed but unsigned, as a crafted one would be.
    let crafted = URL_SAFE_NO_PAD.encode(br#"{"s":"title","d":false,"v":"A","i":1}"#);
    assert!(decode_cursor(&key(), &crafted, "title", false).is_err());
    // Signed by another key (another database), or changed after signing.
    let other = CursorKey(std::sync::Arc::from(&b"another key"[..]));
    assert!(decode_cursor(&other, &cursor, "title", false).is_err());
    let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).expect("base64");
    bytes[10] ^= 1;
    let changed = URL_SAFE_NO_PAD.encode(bytes);
    assert!(decode_cursor(&key(), &changed, "title", false).is_err());
}

#[test]
fn normalized_queries_ignore_order_and_encoding() {
    let a = normalized_query("q=an%20ninh&sort=-title&per_page=5");
    let b = normalized_query("per_page=5&q=an+ninh&sort=%2Dtitle");
    assert_eq!(a, b);
    assert_eq!(a, "per_page=5&q=an+ninh&sort=-title");
    assert_eq!(normalized_query(""), "");
}

#[test]
fn unknown_parameters_are_named() {
    let error = query_error("unknown field `foo`, expected one of `page`");
    let problem = error.problem();
    assert_eq!(problem.errors[0].parameter.as_deref(), Some("foo"));
}
