//! Article bodies: typed blocks, and their HTML and plain-text renderings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One block of an article body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    /// A paragraph of plain text.
    Paragraph {
        #[schema(
            max_length = 50000,
            example = "Phát biểu tại phiên họp toàn thể Hội nghị AMCC7, Bộ trưởng Tô Lâm cho rằng hợp tác an ninh mạng trong ASEAN cần tập trung vào thúc đẩy sự thống nhất về nhận thức và hành động."
        )]
        text: String,
    },
    /// A sub-heading inside the article (level 2 to 4).
    Heading {
        #[schema(max_length = 500, example = "Hợp tác song phương")]
        text: String,
        #[schema(minimum = 2, maximum = 4, example = 2)]
        level: u8,
    },
    /// An image with its caption. `src` is absent when the image file itself was not kept.
    Image {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 2048, example = "https://example.vn/anh/amcc7.jpg")]
        src: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(
            max_length = 5000,
            example = "Bộ trưởng Công an Tô Lâm tham dự Lễ khai mạc Hội nghị Bộ trưởng ASEAN về An ninh mạng ngày 20-10."
        )]
        caption: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 500, example = "TTXVN")]
        credit: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 500, example = "Bộ trưởng Tô Lâm tại hội nghị")]
        alt: Option<String>,
        /// A media item of the library (`/api/v1/media`): the service fills `src`, `width`,
        /// `height`, `srcset`, `sources` and `placeholder` from it. A missing or deleted item is
        /// a 422.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(minimum = 1, example = 12)]
        media: Option<i64>,
        /// Filled from the media item (read-only: a write may send it back as read; it is
        /// dropped and made again). Pixels after orientation, so a page keeps its layout.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(read_only, example = 1600)]
        width: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(read_only, example = 1067)]
        height: Option<u32>,
        /// The JPEG or PNG files by width, for `<img srcset>` (read-only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(
            read_only,
            example = "/media/3f9ac2d1e0b74a5f8c6d2e1f0a9b8c7d-320.jpg 320w, /media/3f9ac2d1e0b74a5f8c6d2e1f0a9b8c7d-640.jpg 640w"
        )]
        srcset: Option<String>,
        /// Per format, for `<picture><source>`, WebP first (read-only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(read_only)]
        sources: Option<Vec<ImageSource>>,
        /// What shows while the image loads (read-only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(read_only)]
        placeholder: Option<ImagePlaceholder>,
    },
    /// A quotation, optionally attributed.
    Quote {
        #[schema(max_length = 50000, example = "An ninh kỹ thuật số: Trách nhiệm chung")]
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 500, example = "Chủ đề SICW 2022")]
        attribution: Option<String>,
    },
    /// A list of short texts, numbered when `ordered`.
    List {
        #[serde(default)]
        #[schema(example = false)]
        ordered: bool,
        /// 1 to 100 items of at most 5,000 characters.
        #[schema(min_items = 1, max_items = 100, example = json!(["Lễ khai mạc SICW 2022", "Hội nghị AMCC7", "Triển lãm an ninh mạng 2022"]))]
        items: Vec<String>,
    },
    /// A table: rows of cells, all rows as wide as the first (and the header, when there is
    /// one), at most 200 rows of at most 20 cells of at most 5,000 characters.
    Table {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 500, example = "Các sự kiện chính của SICW 2022")]
        caption: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_items = 20, example = json!(["Sự kiện", "Ngày"]))]
        header: Option<Vec<String>>,
        #[schema(min_items = 1, max_items = 200, example = json!([["Lễ khai mạc SICW", "19/10/2022"], ["Hội nghị AMCC7", "20/10/2022"]]))]
        rows: Vec<Vec<String>>,
    },
    /// Content from YouTube, Facebook, X (Twitter) or TikTok, by its `https` URL (any other
    /// site is a 422). `body_html` shows a YouTube or TikTok video in a sandboxed `iframe`, a
    /// Facebook or X post as a link.
    Embed {
        #[schema(
            max_length = 2048,
            example = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        )]
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(
            max_length = 5000,
            example = "Phát biểu của Bộ trưởng Tô Lâm tại AMCC7"
        )]
        caption: Option<String>,
    },
}

/// Where an embed comes from, as its URL says.
#[derive(Debug, Clone, PartialEq)]
pub enum Embedded {
    /// A YouTube video by id.
    YouTube(String),
    /// A TikTok video by id.
    TikTok(String),
    Facebook,
    X,
}

impl Embedded {
    pub fn provider(&self) -> &'static str {
        match self {
            Embedded::YouTube(_) => "youtube",
            Embedded::TikTok(_) => "tiktok",
            Embedded::Facebook => "facebook",
            Embedded::X => "x",
        }
    }

    /// What an embed URL shows, when it is one of the allowed providers' (https only).
    pub fn of(raw: &str) -> Option<Embedded> {
        let url = url::Url::parse(raw).ok()?;
        if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() {
            return None;
        }
        let host = url.host_str()?.to_ascii_lowercase();
        let host = host
            .strip_prefix("www.")
            .or_else(|| host.strip_prefix("m."))
            .unwrap_or(&host);
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        let video_id = |id: &str| {
            (!id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
            .then(|| id.to_owned())
        };
        match host {
            "youtube.com" => match segments.as_slice() {
                ["watch"] => url
                    .query_pairs()
                    .find(|(k, _)| k == "v")
                    .and_then(|(_, v)| video_id(&v))
                    .map(Embedded::YouTube),
                ["shorts" | "embed" | "live", id] => video_id(id).map(Embedded::YouTube),
                _ => None,
            },
            "youtu.be" => match segments.as_slice() {
                [id] => video_id(id).map(Embedded::YouTube),
                _ => None,
            },
            "tiktok.com" => match segments.as_slice() {
                [user, "video", id]
                    if user.starts_with('@') && id.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    video_id(id).map(Embedded::TikTok)
                }
                _ => None,
            },
            "facebook.com" | "fb.watch" if !segments.is_empty() => Some(Embedded::Facebook),
            "x.com" | "twitter.com" => match segments.as_slice() {
                [_, "status", id] if id.bytes().all(|b| b.is_ascii_digit()) => Some(Embedded::X),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Block {
    /// An image block from its texts and an outside `src` (no media item).
    pub fn image(
        src: Option<String>,
        caption: Option<String>,
        credit: Option<String>,
        alt: Option<String>,
    ) -> Block {
        Block::Image {
            src,
            caption,
            credit,
            alt,
            media: None,
            width: None,
            height: None,
            srcset: None,
            sources: None,
            placeholder: None,
        }
    }
}

/// Drops what the service fills in image blocks (a body sent back as it was read carries it):
/// a block naming a media item keeps only the item and its texts; one with an outside `src`
/// keeps the `width` and `height` its editor gave.
pub fn drop_renditions(blocks: &mut [Block]) {
    for block in blocks {
        if let Block::Image {
            src,
            media,
            width,
            height,
            srcset,
            sources,
            placeholder,
            ..
        } = block
        {
            if media.is_some() {
                *src = None;
                *width = None;
                *height = None;
            }
            *srcset = None;
            *sources = None;
            *placeholder = None;
        }
    }
}

/// The media items a body names: `(block index, media id)`.
pub fn media_items(blocks: &[Block]) -> Vec<(usize, i64)> {
    blocks
        .iter()
        .enumerate()
        .filter_map(|(i, block)| match block {
            Block::Image {
                media: Some(id), ..
            } => Some((i, *id)),
            _ => None,
        })
        .collect()
}

/// One format of an image, in every width.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageSource {
    #[serde(rename = "type")]
    #[schema(example = "image/webp")]
    pub content_type: String,
    #[schema(
        example = "/media/3f9ac2d1e0b74a5f8c6d2e1f0a9b8c7d-320.webp 320w, /media/3f9ac2d1e0b74a5f8c6d2e1f0a9b8c7d-640.webp 640w"
    )]
    pub srcset: String,
}

/// What shows while an image loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImagePlaceholder {
    #[schema(example = "#5a6b7c")]
    pub color: String,
    #[schema(example = "LEHV6nWB2yk8pyo0adR*.7kCMdnj")]
    pub blurhash: String,
}

/// `sizes` for a body image: the column is at most 1024 pixels wide.
const SIZES: &str = "(max-width: 1024px) 100vw, 1024px";

/// HTML for the blocks, every text escaped: safe to insert into a page as it is.
pub fn to_html(blocks: &[Block]) -> String {
    let mut html = String::new();
    // Every image after the first loads lazily (the first is likely on the first screen).
    let mut images_before = 0;
    for block in blocks {
        match block {
            Block::Paragraph { text } => {
                html.push_str("<p>");
                escape_into(&mut html, text);
                html.push_str("</p>\n");
            }
            Block::Heading { text, level } => {
                let level = (*level).clamp(2, 4);
                html.push_str(&format!("<h{level}>"));
                escape_into(&mut html, text);
                html.push_str(&format!("</h{level}>\n"));
            }
            Block::Image {
                src,
                caption,
                credit,
                alt,
                width,
                height,
                srcset,
                sources,
                ..
            } => {
                html.push_str("<figure>");
                if let Some(src) = src.as_deref().filter(|s| is_safe_url(s)) {
                    // Never the caption: the figcaption says it already, and a screen reader
                    // would read it twice. No alt text is `alt=""` (the image is described by
                    // its caption, or decorative).
                    let alt = alt.as_deref().unwrap_or("");
                    let sized = Sized {
                        width: *width,
                        height: *height,
                        srcset: srcset.as_deref(),
                        sources: sources.as_deref().unwrap_or_default(),
                    };
                    image_html(&mut html, src, alt, &sized, images_before > 0);
                    images_before += 1;
                }
                if caption.is_some() || credit.is_some() {
                    html.push_str("<figcaption>");
                    if let Some(caption) = caption {
                        escape_into(&mut html, caption);
                    }
                    if let Some(credit) = credit {
                        html.push_str(" <small>");
                        escape_into(&mut html, credit);
                        html.push_str("</small>");
                    }
                    html.push_str("</figcaption>");
                }
                html.push_str("</figure>\n");
            }
            Block::List { ordered, items } => {
                let tag = if *ordered { "ol" } else { "ul" };
                html.push_str(&format!("<{tag}>"));
                for item in items {
                    html.push_str("<li>");
                    escape_into(&mut html, item);
                    html.push_str("</li>");
                }
                html.push_str(&format!("</{tag}>\n"));
            }
            Block::Table {
                caption,
                header,
                rows,
            } => {
                html.push_str("<table>");
                if let Some(caption) = caption {
                    html.push_str("<caption>");
                    escape_into(&mut html, caption);
                    html.push_str("</caption>");
                }
                if let Some(header) = header {
                    html.push_str("<thead><tr>");
                    for cell in header {
                        html.push_str("<th scope=\"col\">");
                        escape_into(&mut html, cell);
                        html.push_str("</th>");
                    }
                    html.push_str("</tr></thead>");
                }
                html.push_str("<tbody>");
                for row in rows {
                    html.push_str("<tr>");
                    for cell in row {
                        html.push_str("<td>");
                        escape_into(&mut html, cell);
                        html.push_str("</td>");
                    }
                    html.push_str("</tr>");
                }
                html.push_str("</tbody></table>\n");
            }
            Block::Embed { url, caption } => embed_html(&mut html, url, caption.as_deref()),
            Block::Quote { text, attribution } => {
                html.push_str("<blockquote><p>");
                escape_into(&mut html, text);
                html.push_str("</p>");
                if let Some(attribution) = attribution {
                    html.push_str("<footer>");
                    escape_into(&mut html, attribution);
                    html.push_str("</footer>");
                }
                html.push_str("</blockquote>\n");
            }
        }
    }
    html
}

/// An embed: a sandboxed `iframe` for the videos that have one (no cookies from YouTube), a
/// link otherwise; the link is there in both, for readers without frames.
fn embed_html(html: &mut String, url: &str, caption: Option<&str>) {
    let Some(embedded) = Embedded::of(url) else {
        // Checked on every write; a body stored before the check shows nothing unsafe.
        return;
    };
    html.push_str(&format!(
        "<figure class=\"embed embed-{}\">",
        embedded.provider()
    ));
    let frame = match &embedded {
        Embedded::YouTube(id) => Some(format!("https://www.youtube-nocookie.com/embed/{id}")),
        Embedded::TikTok(id) => Some(format!("https://www.tiktok.com/embed/v2/{id}")),
        Embedded::Facebook | Embedded::X => None,
    };
    if let Some(frame) = frame {
        html.push_str("<iframe src=\"");
        escape_into(html, &frame);
        html.push_str("\" title=\"");
        escape_into(html, caption.unwrap_or(embedded.provider()));
        html.push_str("\" sandbox=\"allow-scripts allow-same-origin allow-presentation allow-popups\" allow=\"encrypted-media; picture-in-picture; fullscreen\" loading=\"lazy\" referrerpolicy=\"strict-origin-when-cross-origin\"></iframe>");
    }
    html.push_str("<figcaption><a href=\"");
    escape_into(html, url);
    html.push_str("\" rel=\"noopener nofollow\" target=\"_blank\">");
    escape_into(html, caption.unwrap_or(url));
    html.push_str("</a></figcaption></figure>\n");
}

/// What an image block knows of its files, for its HTML.
struct Sized<'a> {
    width: Option<u32>,
    height: Option<u32>,
    srcset: Option<&'a str>,
    sources: &'a [ImageSource],
}

/// An `<img>`, inside a `<picture>` with its sources when it has them: `srcset`, `sizes`,
/// `width` and `height` (no layout shift), `loading="lazy"` unless it is the first image.
fn image_html(html: &mut String, src: &str, alt: &str, rendition: &Sized<'_>, lazy: bool) {
    let picture = !rendition.sources.is_empty();
    if picture {
        html.push_str("<picture>");
        for source in rendition.sources {
            html.push_str("<source type=\"");
            escape_into(html, &source.content_type);
            html.push_str("\" srcset=\"");
            escape_into(html, &source.srcset);
            html.push_str(&format!("\" sizes=\"{SIZES}\">"));
        }
    }
    html.push_str("<img src=\"");
    escape_into(html, src);
    html.push('"');
    if let Some(srcset) = rendition.srcset {
        html.push_str(" srcset=\"");
        escape_into(html, srcset);
        html.push_str(&format!("\" sizes=\"{SIZES}\""));
    }
    if let (Some(w), Some(h)) = (rendition.width, rendition.height) {
        html.push_str(&format!(" width=\"{w}\" height=\"{h}\""));
    }
    html.push_str(" alt=\"");
    escape_into(html, alt);
    html.push('"');
    if lazy {
        html.push_str(" loading=\"lazy\" decoding=\"async\"");
    }
    html.push('>');
    if picture {
        html.push_str("</picture>");
    }
}

/// Plain text for scripts and search: one block a paragraph, captions included.
pub fn to_text(blocks: &[Block]) -> String {
    let parts: Vec<String> = blocks
        .iter()
        .filter_map(|block| match block {
            Block::Paragraph { text } | Block::Heading { text, .. } | Block::Quote { text, .. } => {
                Some(text.clone())
            }
            Block::Image { caption, .. } => caption.clone(),
            Block::List { ordered, items } => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match ordered {
                        true => format!("{}. {item}", i + 1),
                        false => format!("- {item}"),
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Block::Table {
                caption,
                header,
                rows,
            } => Some(
                caption
                    .iter()
                    .cloned()
                    .chain(header.iter().chain(rows).map(|row| row.join(" | ")))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Block::Embed { url, caption } => Some(caption.clone().unwrap_or_else(|| url.clone())),
        })
        .collect();
    parts.join("\n\n")
}

/// The first image block: the cover a list shows.
pub fn cover(blocks: &[Block]) -> Option<&Block> {
    blocks.iter().find(|b| matches!(b, Block::Image { .. }))
}

/// Only http(s) and site-relative URLs become `src` attributes (no `javascript:` and such).
fn is_safe_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with('/')
}

/// HTML-escaped text: safe inside elements and quoted attributes.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_come_from_the_allowed_providers_only() {
        let youtube = Some(Embedded::YouTube("dQw4w9WgXcQ".into()));
        for url in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
            "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://www.youtube.com/shorts/dQw4w9WgXcQ",
        ] {
            assert_eq!(Embedded::of(url), youtube, "{url}");
        }
        assert_eq!(
            Embedded::of("https://www.tiktok.com/@vtv24/video/7150000000000000000"),
            Some(Embedded::TikTok("7150000000000000000".into()))
        );
        assert_eq!(
            Embedded::of("https://twitter.com/MPS_VN/status/1583000000000000000"),
            Some(Embedded::X)
        );
        assert_eq!(
            Embedded::of("https://x.com/MPS_VN/status/1583000000000000000"),
            Some(Embedded::X)
        );
        assert_eq!(
            Embedded::of("https://www.facebook.com/bocongan/videos/123"),
            Some(Embedded::Facebook)
        );
        for refused in [
            "http://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
            "https://evil.example/youtube.com/watch?v=x",
            "https://www.youtube.com/watch?v=%22%3E%3Cscript%3E",
            "https://user@www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://vimeo.com/123",
            "https://x.com/MPS_VN",
            "https://www.facebook.com/",
            "javascript:alert(1)",
            "https://www.tiktok.com/@vtv24/video/abc",
        ] {
            assert_eq!(Embedded::of(refused), None, "{refused}");
        }
    }

    #[test]
    fn new_blocks_render_escaped() {
        let html = to_html(&[
            Block::List {
                ordered: true,
                items: vec!["<b>một</b>".into(), "hai & ba".into()],
            },
            Block::Table {
                caption: Some("Bảng <1>".into()),
                header: Some(vec!["Sự kiện".into(), "Ngày\"".into()]),
                rows: vec![vec!["AMCC7".into(), "<script>".into()]],
            },
            Block::Embed {
                url: "https://youtu.be/dQw4w9WgXcQ".into(),
                caption: Some("Video \"AMCC7\" <i>".into()),
            },
        ]);
        assert!(
            html.contains("<ol><li>&lt;b&gt;một&lt;/b&gt;</li><li>hai &amp; ba</li></ol>"),
            "{html}"
        );
        assert!(html.contains("<caption>Bảng &lt;1&gt;</caption>"), "{html}");
        assert!(html.contains("<th scope=\"col\">Ngày&quot;</th>"), "{html}");
        assert!(html.contains("<td>&lt;script&gt;</td>"), "{html}");
        assert!(html.contains("<iframe src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\" title=\"Video &quot;AMCC7&quot; &lt;i&gt;\" sandbox=\""), "{html}");
        assert!(!html.contains("<script>") && !html.contains("<i>"));
        let text = to_text(&[Block::List {
            ordered: false,
            items: vec!["một".into(), "hai".into()],
        }]);
        assert_eq!(text, "- một\n- hai");
    }

    #[test]
    fn html_is_escaped() {
        let blocks = vec![
            Block::Paragraph {
                text: "<script>alert('x')</script> & \"mạng\"".into(),
            },
            Block::image(
                Some("javascript:alert(1)".into()),
                Some("Tô Lâm <b>".into()),
                None,
                None,
            ),
        ];
        let html = to_html(&blocks);
        assert_eq!(
            html,
            "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;mạng&quot;</p>\n\
             <figure><figcaption>Tô Lâm &lt;b&gt;</figcaption></figure>\n"
        );
    }

    #[test]
    fn text_joins_blocks_and_keeps_captions() {
        let blocks = vec![
            Block::image(None, Some("Chú thích".into()), None, None),
            Block::Paragraph {
                text: "Đoạn một.".into(),
            },
        ];
        assert_eq!(to_text(&blocks), "Chú thích\n\nĐoạn một.");
        assert!(matches!(cover(&blocks), Some(Block::Image { .. })));
    }

    #[test]
    fn blocks_round_trip_through_json() {
        let json = r#"[{"type":"paragraph","text":"A"},{"type":"image","caption":"B"}]"#;
        let blocks: Vec<Block> = serde_json::from_str(json).expect("valid blocks");
        assert_eq!(serde_json::to_string(&blocks).expect("serializes"), json);
    }
}
