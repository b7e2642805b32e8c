//! Text normalization for Vietnamese: NFC for storage, and a folded form for matching.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Text as stored and returned: Unicode NFC, since some Vietnamese text arrives NFD-encoded.
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

/// Lowercase, without diacritics, with `đ` folded to `d` (NFD plus mark stripping misses `đ`,
/// which has no decomposition). `Đại tướng` and `dai tuong` fold to the same string.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            // `Ð` (U+00D0) and `Ɖ` (U+0189) are often pasted for `Đ`; lowercased they are these.
            'đ' | 'ð' | 'ɖ' => 'd',
            other => other,
        })
        .collect()
}

/// The folded words of several texts, joined by spaces: what `q` matches against.
pub fn search_key<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut key = String::new();
    for part in parts {
        for word in fold(part).split(|c: char| !c.is_alphanumeric()) {
            if !word.is_empty() {
                key.push(' ');
                key.push_str(word);
            }
        }
    }
    key.push(' ');
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_input_becomes_nfc() {
        let decomposed = "an ninh ma\u{0323}ng";
        assert_eq!(nfc(decomposed), "an ninh mạng");
    }

    #[test]
    fn folding_handles_every_vietnamese_letter_including_d_stroke() {
        assert_eq!(fold("Đại tướng Tô Lâm"), "dai tuong to lam");
        assert_eq!(
            fold("ĂÂÊÔƠƯĐ ăâêôơưđ ạảãáàặẳẵắằậẩẫấầẹẻẽéèệểễếềịỉĩíìọỏõóòộổỗốồợởỡớờụủũúùựửữứừỵỷỹýỳ"),
            "aaeooud aaeooud aaaaaaaaaaaaaaaeeeeeeeeeeiiiiiooooooooooooooouuuuuuuuuuyyyyy"
        );
    }

    #[test]
    fn search_key_holds_the_folded_words() {
        let key = search_key(["Hội nghị Bộ trưởng ASEAN về An ninh mạng"]);
        assert_eq!(key, " hoi nghi bo truong asean ve an ninh mang ");
    }
}
