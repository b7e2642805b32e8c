//! Properties of the pure parts, over generated inputs: slugs, folding, JSON merge patch and body
//! rendering (cursors round trip in `api::query`'s own tests, where their codec lives).

use newsroom::api::write::merge_patch;
use newsroom::domain::body::{to_html, Block};
use newsroom::domain::slug::{is_valid, slugify};
use newsroom::domain::text::{fold, search_key};
use proptest::prelude::*;
use serde_json::Value;

/// Text as editors type it: Vietnamese letters in both cases and with every tone mark, ASCII,
/// digits, punctuation, spaces and HTML's special characters.
fn vietnamese() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        "[a-zA-Z0-9 àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ.,;:!?()'\"<>&/-]{0,80}",
    )
    .expect("a valid pattern")
}

/// Any JSON value a body could hold, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-zđ ]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-e]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn block() -> impl Strategy<Value = Block> {
    let text = any::<String>();
    let optional = proptest::option::of(any::<String>());
    prop_oneof![
        text.prop_map(|text| Block::Paragraph { text }),
        (text, 0u8..8).prop_map(|(text, level)| Block::Heading { text, level }),
        (
            optional.clone(),
            optional.clone(),
            optional.clone(),
            optional.clone()
        )
            .prop_map(|(src, caption, credit, alt)| Block::image(src, caption, credit, alt)),
        (text, optional.clone()).prop_map(|(text, attribution)| Block::Quote { text, attribution }),
        (any::<bool>(), prop::collection::vec(any::<String>(), 0..4))
            .prop_map(|(ordered, items)| Block::List { ordered, items }),
        (
            optional.clone(),
            proptest::option::of(prop::collection::vec(any::<String>(), 0..3)),
            prop::collection::vec(prop::collection::vec(any::<String>(), 0..3), 0..3)
        )
            .prop_map(|(caption, header, rows)| Block::Table {
                caption,
                header,
                rows
            }),
        (
            prop_oneof![
                Just("https://www.youtube.com/watch?v=dQw4w9WgXcQ".to_owned()),
                Just("https://www.tiktok.com/@vtv24/video/7150000000000000000".to_owned()),
                Just("https://x.com/MPS_VN/status/1583000000000000000".to_owned()),
                text
            ],
            optional
        )
            .prop_map(|(url, caption)| Block::Embed { url, caption }),
    ]
}

/// The markup `to_html` writes itself; everything else in its output came from a text.
const OWN_TAGS: &[&str] = &[
    "<p>",
    "</p>",
    "<h2>",
    "</h2>",
    "<h3>",
    "</h3>",
    "<h4>",
    "</h4>",
    "<figure>",
    "</figure>",
    "<figcaption>",
    "</figcaption>",
    "<small>",
    "</small>",
    "<blockquote>",
    "</blockquote>",
    "<footer>",
    "</footer>",
    "<img src=\"",
    "<ul>",
    "</ul>",
    "<ol>",
    "</ol>",
    "<li>",
    "</li>",
    "<table>",
    "</table>",
    "<caption>",
    "</caption>",
    "<thead>",
    "</thead>",
    "<tbody>",
    "</tbody>",
    "<tr>",
    "</tr>",
    "<th scope=\"col\">",
    "</th>",
    "<td>",
    "</td>",
    "<figure class=\"embed embed-",
    "<iframe src=\"",
    "</iframe>",
    "<a href=\"",
    "</a>",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_slug_is_well_formed_and_stable(text in any::<String>()) {
        let slug = slugify(&text, "bai-viet");
        prop_assert!(is_valid(&slug), "{slug:?} from {text:?}");
        prop_assert_eq!(slugify(&slug, "bai-viet"), slug.clone());
    }

    #[test]
    fn vietnamese_slugs_spell_the_folded_words(text in vietnamese()) {
        let slug = slugify(&text, "bai-viet");
        prop_assert!(is_valid(&slug));
        let words: Vec<String> = fold(&text)
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let joined = words.join("-");
        if !joined.is_empty() && joined.len() <= 96 && joined.chars().any(|c| c.is_ascii_alphabetic()) {
            prop_assert_eq!(slug, joined);
        }
    }

    #[test]
    fn folding_ignores_case_and_diacritics_and_is_stable(text in vietnamese()) {
        let folded = fold(&text);
        prop_assert_eq!(fold(&folded), folded.clone());
        prop_assert_eq!(fold(&text.to_uppercase()), folded.clone());
        prop_assert_eq!(fold(&text.to_lowercase()), folded.clone());
        // Vietnamese letters all fold to ASCII.
        prop_assert!(folded.is_ascii(), "{folded:?}");
        prop_assert_eq!(search_key([text.as_str()]), search_key([folded.as_str()]));
    }

    #[test]
    fn folding_any_text_is_stable(text in any::<String>()) {
        let folded = fold(&text);
        prop_assert_eq!(fold(&folded), folded);
    }

    #[test]
    fn a_merge_patch_applied_twice_changes_nothing_more(target in json(), patch in json()) {
        let mut once = target.clone();
        merge_patch(&mut once, &patch);
        let mut twice = once.clone();
        merge_patch(&mut twice, &patch);
        prop_assert_eq!(&twice, &once);
        // RFC 7396: an empty object changes nothing (of an object); a non-object replaces.
        let mut same = target.clone();
        merge_patch(&mut same, &Value::Object(Default::default()));
        if target.is_object() {
            prop_assert_eq!(&same, &target);
        }
        if !patch.is_object() {
            prop_assert_eq!(&once, &patch);
        }
        // Every member the patch sets to null is gone; every other member it names is there.
        if let (Value::Object(changes), Value::Object(result)) = (&patch, &once) {
            for (key, change) in changes {
                prop_assert_eq!(result.contains_key(key), !change.is_null(), "{}", key);
            }
        }
    }

    #[test]
    fn no_text_ever_reaches_body_html_unescaped(blocks in prop::collection::vec(block(), 0..6)) {
        let html = to_html(&blocks);
        let mut rest = html.as_str();
        while let Some(at) = rest.find('<') {
            let tail = &rest[at..];
            let own = OWN_TAGS.iter().find(|tag| tail.starts_with(**tag));
            prop_assert!(own.is_some(), "unescaped `<` at {:?}", &tail[..tail.len().min(40)]);
            rest = &tail[1..];
        }
        // Attribute values never close their quotes early: the only `"` are the ones written
        // around `src` and `alt`, and around `loading` and `decoding` of every image after the
        // first.
        let quotes = html.matches('"').count();
        let images = html.matches("<img src=\"").count();
        let lazy = html.matches(" loading=\"lazy\" decoding=\"async\"").count();
        prop_assert_eq!(lazy, images.saturating_sub(1));
        // Table headers and embeds write quoted attributes of their own.
        let headers = html.matches("<th scope=\"col\">").count();
        let embeds = html.matches("<figure class=\"embed").count();
        let frames = html.matches("<iframe src=\"").count();
        prop_assert_eq!(quotes, images * 4 + lazy * 4 + headers * 2 + embeds * 8 + frames * 12);
        // Only http(s) and site paths become a `src` (never `javascript:` and such).
        for src in html.split("<img src=\"").skip(1) {
            let src = src.split('"').next().unwrap_or("").trim_start().to_ascii_lowercase();
            prop_assert!(
                src.starts_with("https://") || src.starts_with("http://") || src.starts_with('/'),
                "{src:?}"
            );
        }
    }
}
