//! Names on the wire in the request's language (decision 0028): an item's own name and
//! description stand for the default language; `names` has the others.

use super::Ctx;
use crate::domain::languages::{parse_stored, Names, Titles};

/// What a full item shows of its names: in the chosen language where it has them, else in the
/// default language, each field on its own; the language of `name`; and every language's
/// names, as written (a GET-edit-PUT keeps them).
pub struct Shown {
    pub name: String,
    pub description: Option<String>,
    pub language: &'static str,
    pub names: Names,
}

pub fn shown(ctx: Ctx, name: String, description: Option<String>, names: &str) -> Shown {
    let names: Names = parse_stored(names);
    let picked = ctx.lang.pick(&names);
    Shown {
        name: picked.map_or(name, |l| l.name.clone()),
        description: picked.and_then(|l| l.description.clone()).or(description),
        language: ctx.lang.shown(picked.is_some()),
        names,
    }
}

/// A reference's name in the chosen language, else its own.
pub fn name_in(ctx: Ctx, name: String, names: &str) -> String {
    ctx.lang.name_in(name, names)
}

/// A position's title in the chosen language, else its own; and every language's titles.
pub fn title_in(ctx: Ctx, title: String, titles: &str) -> (String, Titles) {
    let titles: Titles = parse_stored(titles);
    let title = ctx.lang.pick(&titles).cloned().unwrap_or(title);
    (title, titles)
}

/// The deprecated `name_en` / `title_en`: the English entry.
pub fn english(names: &Names) -> Option<String> {
    names.get("en").map(|l| l.name.clone())
}
