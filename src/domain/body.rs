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
    },
    /// A quotation, optionally attributed.
    Quote {
        #[schema(max_length = 50000, example = "An ninh kỹ thuật số: Trách nhiệm chung")]
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 500, example = "Chủ đề SICW 2022")]
        attribution: Option<String>,
    },
}

/// HTML for the blocks, every text escaped: safe to insert into a page as it is.
pub fn to_html(blocks: &[Block]) -> String {
    let mut html = String::new();
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
            } => {
                html.push_str("<figure>");
                if let Some(src) = src.as_deref().filter(|s| is_safe_url(s)) {
                    html.push_str("<img src=\"");
                    escape_into(&mut html, src);
                    html.push_str("\" alt=\"");
                    escape_into(
                        &mut html,
                        alt.as_deref().or(caption.as_deref()).unwrap_or(""),
                    );
                    html.push_str("\">");
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

/// Plain text for scripts and search: one block a paragraph, captions included.
pub fn to_text(blocks: &[Block]) -> String {
    let parts: Vec<&str> = blocks
        .iter()
        .filter_map(|block| match block {
            Block::Paragraph { text } | Block::Heading { text, .. } | Block::Quote { text, .. } => {
                Some(text.as_str())
            }
            Block::Image { caption, .. } => caption.as_deref(),
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
    fn html_is_escaped() {
        let blocks = vec![
            Block::Paragraph {
                text: "<script>alert('x')</script> & \"mạng\"".into(),
            },
            Block::Image {
                src: Some("javascript:alert(1)".into()),
                caption: Some("Tô Lâm <b>".into()),
                credit: None,
                alt: None,
            },
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
            Block::Image {
                src: None,
                caption: Some("Chú thích".into()),
                credit: None,
                alt: None,
            },
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
