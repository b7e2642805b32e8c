//! Feeds and sitemaps as text (decision 0016): RSS 2.0, Atom (RFC 4287), JSON Feed 1.1, the
//! sitemap protocol and Google News sitemaps. Pure functions of what they show; every text is
//! escaped and holds only what XML 1.0 can carry, every time is in the portal's offset.

use chrono::{DateTime, FixedOffset};
use std::fmt::Write;

use crate::domain::body::escape_into;

/// The feed as a whole.
pub struct Channel<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// The portal's home page.
    pub home: &'a str,
    /// This feed's own URL.
    pub self_url: &'a str,
    /// When the newest item changed (now, for an empty feed).
    pub updated: DateTime<FixedOffset>,
    /// The feed's language: its edition's (`language=`), else the portal's default.
    pub language: &'a str,
}

/// One article in a feed.
pub struct FeedItem {
    pub id: i64,
    /// Its page on the portal.
    pub url: String,
    pub title: String,
    pub lead: Option<String>,
    pub content_html: String,
    pub published: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    pub tags: Vec<String>,
    pub byline: Option<String>,
    /// The article's own language (BCP 47).
    pub language: String,
}

/// One page in a sitemap: where, when it last changed, and its translations' pages by
/// language (itself included; `x-default` for the default language's), empty when it has none.
pub struct SitemapUrl {
    pub loc: String,
    pub lastmod: DateTime<FixedOffset>,
    pub alternates: Vec<(String, String)>,
}

/// A text as XML 1.0 character data, safe inside elements and quoted attributes. Multi-line
/// texts are stored as sent (decision 0019), and XML 1.0 cannot carry every character JSON can:
/// a C0 control other than tab, line feed and carriage return becomes a space (U+000B is the
/// soft line break a word processor pastes), and U+FFFE and U+FFFF are left out. One-line texts
/// never hold them (a write refuses them), so this only ever touches prose and older data.
fn esc(text: &str) -> String {
    let carried: String = text
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(c),
            '\u{0}'..='\u{1f}' => Some(' '),
            '\u{fffe}' | '\u{ffff}' => None,
            other => Some(other),
        })
        .collect();
    let mut out = String::with_capacity(carried.len());
    escape_into(&mut out, &carried);
    out
}

/// Whether XML 1.0 can carry `c` (its `Char` production; Rust strings hold no surrogates).
#[cfg(test)]
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{fffd}' | '\u{10000}'..)
}

pub const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// RSS 2.0, with an `atom:link` to itself as the RSS Advisory Board recommends.
pub fn rss(channel: &Channel<'_>, items: &[FeedItem]) -> String {
    let mut out = String::from(XML_DECLARATION);
    out.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    let _ = writeln!(out, "<title>{}</title>", esc(channel.title));
    let _ = writeln!(out, "<link>{}</link>", esc(channel.home));
    let _ = writeln!(
        out,
        "<description>{}</description>",
        esc(channel.description)
    );
    let _ = writeln!(out, "<language>{}</language>", esc(channel.language));
    let _ = writeln!(
        out,
        "<lastBuildDate>{}</lastBuildDate>",
        channel.updated.to_rfc2822()
    );
    let _ = writeln!(
        out,
        "<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>",
        esc(channel.self_url)
    );
    for item in items {
        out.push_str("<item>\n");
        let _ = writeln!(out, "<title>{}</title>", esc(&item.title));
        let _ = writeln!(out, "<link>{}</link>", esc(&item.url));
        let _ = writeln!(out, "<guid isPermaLink=\"true\">{}</guid>", esc(&item.url));
        let _ = writeln!(out, "<pubDate>{}</pubDate>", item.published.to_rfc2822());
        if let Some(lead) = &item.lead {
            let _ = writeln!(out, "<description>{}</description>", esc(lead));
        }
        for tag in &item.tags {
            let _ = writeln!(out, "<category>{}</category>", esc(tag));
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// Atom (RFC 4287). Entries are identified by their portal URL.
pub fn atom(channel: &Channel<'_>, items: &[FeedItem]) -> String {
    let mut out = String::from(XML_DECLARATION);
    let _ = writeln!(
        out,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
        esc(channel.language)
    );
    let _ = writeln!(out, "<id>{}</id>", esc(channel.self_url));
    let _ = writeln!(out, "<title>{}</title>", esc(channel.title));
    let _ = writeln!(out, "<subtitle>{}</subtitle>", esc(channel.description));
    let _ = writeln!(out, "<updated>{}</updated>", channel.updated.to_rfc3339());
    let _ = writeln!(
        out,
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        esc(channel.self_url)
    );
    let _ = writeln!(
        out,
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        esc(channel.home)
    );
    let _ = writeln!(out, "<author><name>{}</name></author>", esc(channel.title));
    for item in items {
        match item.language == channel.language {
            true => out.push_str("<entry>\n"),
            false => {
                let _ = writeln!(out, "<entry xml:lang=\"{}\">", esc(&item.language));
            }
        }
        let _ = writeln!(out, "<id>{}</id>", esc(&item.url));
        let _ = writeln!(out, "<title>{}</title>", esc(&item.title));
        let _ = writeln!(
            out,
            "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            esc(&item.url)
        );
        let _ = writeln!(
            out,
            "<published>{}</published>",
            item.published.to_rfc3339()
        );
        let _ = writeln!(out, "<updated>{}</updated>", item.updated.to_rfc3339());
        if let Some(byline) = &item.byline {
            let _ = writeln!(out, "<author><name>{}</name></author>", esc(byline));
        }
        if let Some(lead) = &item.lead {
            let _ = writeln!(out, "<summary>{}</summary>", esc(lead));
        }
        let _ = writeln!(
            out,
            "<content type=\"html\">{}</content>",
            esc(&item.content_html)
        );
        for tag in &item.tags {
            let _ = writeln!(out, "<category term=\"{}\"/>", esc(tag));
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// JSON Feed 1.1.
pub fn json_feed(channel: &Channel<'_>, items: &[FeedItem]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|item| {
            let mut entry = serde_json::json!({
                "id": item.url,
                "url": item.url,
                "title": item.title,
                "content_html": item.content_html,
                "date_published": item.published.to_rfc3339(),
                "date_modified": item.updated.to_rfc3339(),
                "language": item.language,
            });
            if let Some(lead) = &item.lead {
                entry["summary"] = lead.clone().into();
            }
            if !item.tags.is_empty() {
                entry["tags"] = item.tags.clone().into();
            }
            if let Some(byline) = &item.byline {
                entry["authors"] = serde_json::json!([{ "name": byline }]);
            }
            entry
        })
        .collect();
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": channel.title,
        "description": channel.description,
        "home_page_url": channel.home,
        "feed_url": channel.self_url,
        "language": channel.language,
        "items": items,
    })
}

pub const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
pub const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// A sitemap index: each child sitemap's location and when its newest entry changed.
pub fn sitemap_index(children: &[(String, Option<DateTime<FixedOffset>>)]) -> String {
    let mut out = String::from(XML_DECLARATION);
    let _ = writeln!(out, "<sitemapindex xmlns=\"{SITEMAP_NS}\">");
    for (loc, lastmod) in children {
        out.push_str("<sitemap>");
        let _ = write!(out, "<loc>{}</loc>", esc(loc));
        if let Some(lastmod) = lastmod {
            let _ = write!(out, "<lastmod>{}</lastmod>", lastmod.to_rfc3339());
        }
        out.push_str("</sitemap>\n");
    }
    out.push_str("</sitemapindex>\n");
    out
}

pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// A sitemap of pages, when each last changed, and each one's translations as
/// `xhtml:link rel="alternate" hreflang` (Google's localized versions).
pub fn sitemap(urls: &[SitemapUrl]) -> String {
    let mut out = String::from(XML_DECLARATION);
    let _ = writeln!(
        out,
        "<urlset xmlns=\"{SITEMAP_NS}\" xmlns:xhtml=\"{XHTML_NS}\">"
    );
    for url in urls {
        let _ = write!(
            out,
            "<url><loc>{}</loc><lastmod>{}</lastmod>",
            esc(&url.loc),
            url.lastmod.to_rfc3339()
        );
        for (hreflang, href) in &url.alternates {
            let _ = write!(
                out,
                "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                esc(hreflang),
                esc(href)
            );
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// A Google News sitemap: each article's page, the publication's name and language, its
/// publication date and title.
pub fn news_sitemap(publication: &str, items: &[FeedItem]) -> String {
    let mut out = String::from(XML_DECLARATION);
    let _ = writeln!(
        out,
        "<urlset xmlns=\"{SITEMAP_NS}\" xmlns:news=\"{NEWS_NS}\">"
    );
    for item in items {
        let _ = writeln!(
            out,
            "<url><loc>{}</loc><news:news><news:publication><news:name>{}</news:name><news:language>{}</news:language></news:publication><news:publication_date>{}</news:publication_date><news:title>{}</news:title></news:news></url>",
            esc(&item.url),
            esc(publication),
            esc(&news_language(&item.language)),
            item.published.to_rfc3339(),
            esc(&item.title)
        );
    }
    out.push_str("</urlset>\n");
    out
}

/// A language as Google News names it: ISO 639 (`vi`, `en`), except Chinese, written `zh-cn`
/// (simplified) or `zh-tw` (traditional).
fn news_language(tag: &str) -> String {
    let lower = tag.to_ascii_lowercase();
    if lower == "zh" || lower.starts_with("zh-") {
        let traditional = ["hant", "tw", "hk", "mo"]
            .iter()
            .any(|part| lower.split('-').any(|p| p == *part));
        return if traditional { "zh-tw" } else { "zh-cn" }.to_owned();
    }
    lower.split('-').next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> FeedItem {
        let at = DateTime::parse_from_rfc3339("2022-10-21T08:24:00+07:00").expect("time");
        FeedItem {
            id: 1,
            url: "https://portal.example.vn/a?b=1&c=<2>".into(),
            title: "Tô Lâm & \"AMCC7\" <script>".into(),
            lead: Some("Đoàn đại biểu 'Việt Nam'".into()),
            content_html: "<p>Đoạn &amp; văn</p>".into(),
            published: at,
            updated: at,
            tags: vec!["An ninh mạng".into()],
            byline: None,
            language: "vi".into(),
        }
    }

    #[test]
    fn every_text_is_escaped() {
        let at = DateTime::parse_from_rfc3339("2022-10-21T08:24:00+07:00").expect("time");
        let channel = Channel {
            title: "Tin <tức>",
            description: "A & B",
            home: "https://portal.example.vn/",
            self_url: "https://api.example.vn/feeds/articles.rss",
            updated: at,
            language: "vi",
        };
        for text in [
            rss(&channel, &[item()]),
            atom(&channel, &[item()]),
            news_sitemap("Báo <X>", &[item()]),
        ] {
            assert!(!text.contains("<script>") && !text.contains("<tức>") && !text.contains("<X>"));
            assert!(
                text.contains("Tô Lâm &amp; &quot;AMCC7&quot; &lt;script&gt;"),
                "{text}"
            );
            assert!(text.contains("a?b=1&amp;c=&lt;2&gt;"), "{text}");
        }
        assert!(
            rss(&channel, &[item()]).contains("<pubDate>Fri, 21 Oct 2022 08:24:00 +0700</pubDate>")
        );
        assert!(
            atom(&channel, &[item()]).contains("<published>2022-10-21T08:24:00+07:00</published>")
        );
    }

    #[test]
    fn google_news_names_chinese_by_script() {
        for (tag, name) in [
            ("vi", "vi"),
            ("en-GB", "en"),
            ("zh", "zh-cn"),
            ("zh-Hans", "zh-cn"),
            ("zh-Hant", "zh-tw"),
            ("zh-HK", "zh-tw"),
        ] {
            assert_eq!(news_language(tag), name, "{tag}");
        }
    }

    /// Finding 2 of the third hostile test: one U+000B in a lead made the feeds malformed, a
    /// U+FFFE in a title the news sitemap. Every text of every XML output, holding each class of
    /// character XML 1.0 forbids, gives a document of XML characters only.
    #[test]
    fn every_xml_output_carries_only_xml_characters() {
        let forbidden = "a\u{0}b\u{1}c\u{b}d\u{c}e\u{1b}f\u{1f}g\u{fffe}h\u{ffff}i";
        let at = DateTime::parse_from_rfc3339("2022-10-21T08:24:00+07:00").expect("time");
        let channel = Channel {
            title: forbidden,
            description: forbidden,
            home: forbidden,
            self_url: forbidden,
            updated: at,
            language: "vi",
        };
        let item = FeedItem {
            id: 1,
            url: forbidden.into(),
            title: forbidden.into(),
            lead: Some(forbidden.into()),
            content_html: forbidden.into(),
            published: at,
            updated: at,
            tags: vec![forbidden.into()],
            byline: Some(forbidden.into()),
            language: "en".into(),
        };
        let items = [item];
        for (name, text) in [
            ("rss", rss(&channel, &items)),
            ("atom", atom(&channel, &items)),
            ("news sitemap", news_sitemap(forbidden, &items)),
            (
                "sitemap",
                sitemap(&[SitemapUrl {
                    loc: forbidden.into(),
                    lastmod: at,
                    alternates: vec![("en".into(), forbidden.into())],
                }]),
            ),
            (
                "sitemap index",
                sitemap_index(&[(forbidden.into(), Some(at))]),
            ),
        ] {
            let bad: Vec<char> = text.chars().filter(|c| !is_xml_char(*c)).collect();
            assert!(bad.is_empty(), "{name} holds {bad:?}");
            assert!(text.contains("a b c d e f ghi"), "{name}: {text}");
        }
        assert!(!is_xml_char('\u{b}') && !is_xml_char('\u{fffe}') && is_xml_char('\u{10ffff}'));
    }
}
