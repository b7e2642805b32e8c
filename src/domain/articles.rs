//! An article as editors write it, and the checks of its values: `NewArticle::validate` turns
//! a decoded body into a `ValidArticle` (references still to resolve, in `db`) and records
//! every problem at its JSON Pointer.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body::{Block, Embedded};
use super::check::{max, Checks};
use super::key::Reference;
use super::kinds::ArticleStatus;
use super::slug::{is_valid, slugify};
use super::tags::TagRef;

/// An article as written: `POST` and `PUT` send all of it; `PATCH` sends a JSON merge patch of
/// it. Relations take ids, slugs, or the references a GET returns. Read-only fields (`id`,
/// `version`, `created_at`, `updated_at`, `cover`) may be sent back unchanged.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArticle {
    /// Generated from the title when absent (Vietnamese transliteration).
    #[schema(max_length = 128, example = "to-lam-tham-du-amcc7")]
    pub slug: Option<String>,
    #[schema(max_length = 500, example = "Đại tướng Tô Lâm dự Hội nghị AMCC7")]
    pub title: String,
    #[schema(
        max_length = 5000,
        example = "Bộ trưởng Tô Lâm phát biểu tại phiên họp toàn thể Hội nghị AMCC7."
    )]
    pub lead: Option<String>,
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub body: Vec<Block>,
    /// The news agency (id or slug of an organization of kind `news_agency`).
    #[schema(example = "ttxvn")]
    pub source: Option<Reference>,
    #[schema(max_length = 500, example = "Phóng viên TTXVN tại Singapore")]
    pub byline: Option<String>,
    /// BCP 47 language tag (default `vi`).
    #[schema(example = "vi")]
    pub language: Option<String>,
    /// `draft` (default), `published` or `archived`. Publishing with a future `published_at`
    /// schedules the article; publishing without one publishes it now.
    #[schema(example = "published")]
    pub status: Option<String>,
    #[schema(example = "2022-10-21T08:24:00+07:00")]
    pub published_at: Option<DateTime<FixedOffset>>,
    /// Tag names or slugs (or `{slug, name}` objects); new ones are created.
    #[serde(default)]
    #[schema(max_items = 50, value_type = Vec<TagReference>, example = json!(["An ninh mạng", "asean"]))]
    pub tags: Vec<Value>,
    /// The article's authors, in order (ids, slugs or references), at most 20. The free-text
    /// `byline` stays for agency copy.
    #[serde(default)]
    #[schema(max_items = 20, example = json!(["nguyen-thu-ha"]))]
    pub authors: Vec<Reference>,
    /// Articles the editor pins as related, shown first by `/related` (ids, slugs or
    /// references), at most 10.
    #[serde(default)]
    #[schema(max_items = 10, example = json!(["dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"]))]
    pub related: Vec<Reference>,
    /// The article this one translates (id, slug or reference), into its own `language`: the
    /// two join one group of editions, at most one per language. `null` or absent leaves the
    /// group (the group's first article stays in it).
    #[serde(default)]
    #[schema(
        example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"
    )]
    pub translation_of: Option<Reference>,
    /// The primary section (id, slug or a reference as a GET returns it).
    #[schema(example = "thoi-su")]
    pub section: Option<Reference>,
    /// Further sections the article also appears in, at most 10.
    #[serde(default)]
    #[schema(max_items = 10, example = json!(["an-ninh-trat-tu"]))]
    pub sections: Vec<Reference>,
    #[serde(default)]
    #[schema(max_items = 200, example = json!(["amcc7", 1]))]
    pub events: Vec<Reference>,
    #[serde(default)]
    #[schema(max_items = 200, example = json!(["to-lam"]))]
    pub people: Vec<Reference>,
    #[serde(default)]
    #[schema(max_items = 200, example = json!(["asean"]))]
    pub organizations: Vec<Reference>,
    /// People, organizations and events never to link as mentions of this article, however
    /// its text names them: `{type, id}` or `{type, slug}` (what `mention_exclusions` returns).
    #[serde(default)]
    #[schema(max_items = 200, example = json!([{"type": "organization", "slug": "asean"}]))]
    pub mention_exclusions: Vec<MentionReference>,
    /// Derived by the service: any value is accepted and ignored, so that a GET can be sent
    /// back as it is.
    #[serde(default)]
    pub mentions: Option<Value>,
}

/// A person, organization or event named by type and id or slug.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MentionReference {
    /// `person`, `organization` or `event`.
    #[serde(rename = "type")]
    #[schema(example = "organization")]
    pub kind: String,
    #[schema(example = 4)]
    pub id: Option<i64>,
    #[schema(example = "asean")]
    pub slug: Option<String>,
    /// Ignored (a GET returns it).
    pub name: Option<String>,
}

/// How an article names a tag: its name or slug, or `{slug, name}` as a GET returns it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum TagReference {
    #[schema(example = "An ninh mạng")]
    Name(String),
    Object(TagRef),
}

/// What checking an article's values parsed out of it.
#[derive(Debug)]
pub struct ArticleValues {
    pub status: ArticleStatus,
    /// `(slug, name)`, without repeats.
    pub tags: Vec<(String, String)>,
}

impl NewArticle {
    /// Checks every value, recording problems in `checks`, and normalizes the body in place
    /// (trimmed, empty texts absent, the language defaulted); returns what was parsed.
    pub fn validate(&mut self, checks: &mut Checks) -> ArticleValues {
        self.title = checks.name(&self.title, "/title", max::LINE);
        checks.slug(self.slug.as_deref());
        let status = match self.status.as_deref() {
            None => Some(ArticleStatus::Draft),
            Some(s) => checks.kind("/status", s, ArticleStatus::parse),
        };
        let language = self.language.get_or_insert_with(|| "vi".to_owned());
        checks.language(language, "/language");
        if checks.items(self.body.len(), "/body", max::BLOCKS) {
            super::body::drop_renditions(&mut self.body);
            check_blocks(&self.body, checks);
        }
        self.lead = checks.prose(self.lead.take(), "/lead", max::PARAGRAPH);
        self.byline = checks.line(self.byline.take(), "/byline", max::LINE);
        for (list, pointer) in [
            (self.events.len(), "/events"),
            (self.people.len(), "/people"),
            (self.organizations.len(), "/organizations"),
            (self.mention_exclusions.len(), "/mention_exclusions"),
        ] {
            checks.items(list, pointer, max::LINKS);
        }
        if self
            .published_at
            .is_some_and(|at| !super::check::date_in_range(at.naive_utc().date()))
        {
            checks.add("/published_at", super::check::DATE_RANGE);
        }
        ArticleValues {
            status: status.unwrap_or(ArticleStatus::Draft),
            tags: match checks.items(self.tags.len(), "/tags", max::TAGS) {
                true => check_tags(&self.tags, checks),
                false => Vec::new(),
            },
        }
    }

    /// When the article goes out: the time given, or now for one published without a time.
    pub fn published_at(&self, status: ArticleStatus, now: NaiveDateTime) -> Option<NaiveDateTime> {
        match (status, self.published_at) {
            (_, Some(at)) => Some(at.naive_utc()),
            (ArticleStatus::Published, None) => Some(now),
            _ => None,
        }
    }
}

/// Items in a list block.
const MAX_LIST_ITEMS: usize = 100;
/// Rows and cells of a table block.
const MAX_TABLE_ROWS: usize = 200;
const MAX_TABLE_CELLS: usize = 20;

/// The checks of a body block's values (its shape is checked by decoding).
fn check_blocks(body: &[Block], checks: &mut Checks) {
    for (i, block) in body.iter().enumerate() {
        check_block_lengths(block, &format!("/body/{i}"), checks);
        let empty = |text: &str| text.trim().is_empty();
        match block {
            Block::Paragraph { text } | Block::Quote { text, .. } if empty(text) => {
                checks.add(format!("/body/{i}/text"), "must not be empty");
            }
            Block::Heading { text, level } => {
                if empty(text) {
                    checks.add(format!("/body/{i}/text"), "must not be empty");
                }
                if !(2..=4).contains(level) {
                    checks.add(format!("/body/{i}/level"), "must be 2, 3 or 4");
                }
            }
            Block::Image {
                media: Some(id), ..
            } if *id < 1 => {
                checks.add(format!("/body/{i}/media"), "must be a media item's id");
            }
            Block::List { items, .. } => {
                if items.is_empty() || items.len() > MAX_LIST_ITEMS {
                    checks.add(
                        format!("/body/{i}/items"),
                        format!("must have 1 to {MAX_LIST_ITEMS} items"),
                    );
                }
                for (j, item) in items.iter().enumerate().take(MAX_LIST_ITEMS) {
                    if empty(item) {
                        checks.add(format!("/body/{i}/items/{j}"), "must not be empty");
                    }
                }
            }
            Block::Table { header, rows, .. } => {
                let width = header.as_ref().or(rows.first()).map_or(0, Vec::len);
                if rows.is_empty() || rows.len() > MAX_TABLE_ROWS {
                    checks.add(
                        format!("/body/{i}/rows"),
                        format!("must have 1 to {MAX_TABLE_ROWS} rows"),
                    );
                }
                if !(1..=MAX_TABLE_CELLS).contains(&width) {
                    checks.add(
                        format!("/body/{i}"),
                        format!("rows must have 1 to {MAX_TABLE_CELLS} cells"),
                    );
                }
                for (j, row) in rows.iter().enumerate().take(MAX_TABLE_ROWS) {
                    if row.len() != width {
                        checks.add(
                            format!("/body/{i}/rows/{j}"),
                            format!("must have {width} cells, as the first row or the header has"),
                        );
                    }
                }
            }
            Block::Embed { url, .. } if Embedded::of(url).is_none() => {
                checks.add(
                    format!("/body/{i}/url"),
                    "must be an https URL of a YouTube video, a Facebook post or video, an X (Twitter) post or a TikTok video",
                );
            }
            Block::Image { src: Some(src), .. }
                if !(src.starts_with("https://")
                    || src.starts_with("http://")
                    || src.starts_with('/')) =>
            {
                checks.add(
                    format!("/body/{i}/src"),
                    "must be an http(s) URL or a site path",
                );
            }
            _ => {}
        }
    }
}

/// The bound of each text a block carries.
fn check_block_lengths(block: &Block, at: &str, checks: &mut Checks) {
    let mut bound = |value: Option<&String>, field: &str, limit: usize| {
        if let Some(value) = value {
            checks.length(value, &format!("{at}/{field}"), limit);
        }
    };
    match block {
        Block::Paragraph { text } => bound(Some(text), "text", max::TEXT),
        Block::Heading { text, .. } => bound(Some(text), "text", max::LINE),
        Block::Quote { text, attribution } => {
            bound(Some(text), "text", max::TEXT);
            bound(attribution.as_ref(), "attribution", max::LINE);
        }
        Block::List { items, .. } => {
            for (j, item) in items.iter().enumerate().take(MAX_LIST_ITEMS) {
                bound(Some(item), &format!("items/{j}"), max::PARAGRAPH);
            }
        }
        Block::Table {
            caption,
            header,
            rows,
        } => {
            bound(caption.as_ref(), "caption", max::LINE);
            for (j, cell) in header.iter().flatten().enumerate().take(MAX_TABLE_CELLS) {
                bound(Some(cell), &format!("header/{j}"), max::PARAGRAPH);
            }
            for (r, row) in rows.iter().enumerate().take(MAX_TABLE_ROWS) {
                for (j, cell) in row.iter().enumerate().take(MAX_TABLE_CELLS) {
                    bound(Some(cell), &format!("rows/{r}/{j}"), max::PARAGRAPH);
                }
            }
        }
        Block::Embed { url, caption } => {
            bound(Some(url), "url", max::URL);
            bound(caption.as_ref(), "caption", max::PARAGRAPH);
        }
        Block::Image {
            src,
            caption,
            credit,
            alt,
            ..
        } => {
            bound(src.as_ref(), "src", max::URL);
            bound(caption.as_ref(), "caption", max::PARAGRAPH);
            bound(credit.as_ref(), "credit", max::LINE);
            bound(alt.as_ref(), "alt", max::LINE);
        }
    }
}

/// Tags as `(slug, name)`, without repeats: a name, or `{slug, name}` as a GET returns them.
fn check_tags(tags: &[Value], checks: &mut Checks) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for (i, value) in tags.iter().enumerate() {
        let (slug, name) = match value {
            Value::String(name) => (slugify(name, "tag"), name.trim().to_owned()),
            Value::Object(map) => match (
                map.get("slug").and_then(Value::as_str),
                map.get("name").and_then(Value::as_str),
            ) {
                (Some(slug), Some(name)) => (slug.to_owned(), name.trim().to_owned()),
                _ => (String::new(), String::new()),
            },
            _ => (String::new(), String::new()),
        };
        if name.is_empty() || !is_valid(&slug) {
            checks.add(
                format!("/tags/{i}"),
                "must be a tag name, slug or {slug, name}",
            );
        } else if name.chars().nth(max::NAME).is_some()
            || super::check::one_line(&name).is_err()
            || !super::check::has_base_character(&name)
        {
            checks.add(
                format!("/tags/{i}"),
                format!("a tag name is one line of 1 to {} characters", max::NAME),
            );
        } else if !found.iter().any(|(s, _)| s == &slug) {
            found.push((slug, name));
        }
    }
    found
}

/// How much sharing one item says two articles are related: an event most, then a person, an
/// organization, a tag, a name both texts mention, the primary section.
pub fn relation_weight(signal: &str) -> f64 {
    match signal {
        "events" => 3.0,
        "people" => 2.0,
        "organizations" => 1.5,
        "tags" => 1.0,
        "mentions" => 0.75,
        _ => 0.5,
    }
}

/// A related article's score: what it shares, plus up to one point for being recent (half of it
/// at 30 days old).
pub fn relatedness(shared: f64, age_days: f64) -> f64 {
    shared + 1.0 / (1.0 + age_days.max(0.0) / 30.0)
}
