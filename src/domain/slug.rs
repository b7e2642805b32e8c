//! Slugs: ASCII transliterations of Vietnamese titles and names.

use super::text::fold;

/// `Hội nghị Bộ trưởng ASEAN về An ninh mạng` becomes `hoi-nghi-bo-truong-asean-ve-an-ninh-mang`.
/// A slug always contains a letter so that it never collides with a numeric id: one made only of
/// digits (or of nothing) gets `fallback` in front.
pub fn slugify(text: &str, fallback: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in fold(text).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    truncate_at_word(&mut slug, 96);
    if !slug.chars().any(|c| c.is_ascii_alphabetic()) {
        slug = if slug.is_empty() {
            fallback.to_owned()
        } else {
            format!("{fallback}-{slug}")
        };
    }
    slug
}

fn truncate_at_word(slug: &mut String, max: usize) {
    if slug.len() <= max {
        return;
    }
    let cut = slug[..max].rfind('-').unwrap_or(max);
    slug.truncate(cut);
}

/// Whether a path segment is a well-formed slug (what `slugify` can produce).
pub fn is_valid(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 128
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && slug.bytes().any(|b| b.is_ascii_lowercase())
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// The slugs to try, in order, until one is free: `base`, `base-2`, `base-3`, ...
pub fn candidates(base: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(base.to_owned()).chain((2..).map(move |n| format!("{base}-{n}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_titles_transliterate() {
        assert_eq!(
            slugify("Hội nghị Bộ trưởng ASEAN về An ninh mạng", "x"),
            "hoi-nghi-bo-truong-asean-ve-an-ninh-mang"
        );
        assert_eq!(slugify("Đại tướng Tô Lâm", "x"), "dai-tuong-to-lam");
        assert_eq!(slugify("Tiêu Chí Hiền", "x"), "tieu-chi-hien");
        assert_eq!(
            slugify("  SICW 2022 — Lễ khai mạc!  ", "x"),
            "sicw-2022-le-khai-mac"
        );
        assert_eq!(slugify("Đường đi đến được", "x"), "duong-di-den-duoc");
    }

    #[test]
    fn slugs_without_letters_get_a_prefix() {
        assert_eq!(slugify("2022", "event"), "event-2022");
        assert_eq!(slugify("!!!", "event"), "event");
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let slug = slugify(&"an ninh mạng ".repeat(20), "x");
        assert!(slug.len() <= 96);
        assert!(!slug.ends_with('-'));
        assert!(is_valid(&slug));
    }

    #[test]
    fn candidates_append_a_counter() {
        let taken = ["to-lam", "to-lam-2"];
        let free = candidates("to-lam").find(|c| !taken.contains(&c.as_str()));
        assert_eq!(free.as_deref(), Some("to-lam-3"));
        assert_eq!(candidates("free").next().as_deref(), Some("free"));
    }

    #[test]
    fn validity() {
        assert!(is_valid("amcc7"));
        assert!(!is_valid("123"));
        assert!(!is_valid("Bad Slug"));
        assert!(!is_valid("-x"));
    }
}
