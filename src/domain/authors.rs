//! An author as editors write them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::check::{max, text, Checks};

/// A link of an author's (a profile, an address).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorLink {
    #[schema(max_length = 100, example = "Facebook")]
    pub label: Option<String>,
    /// `http`, `https` or `mailto`.
    #[schema(
        max_length = 2048,
        example = "https://www.facebook.com/phongvien.ttxvn"
    )]
    pub url: String,
}

/// A media item named by its id, or by an object carrying it (as a GET returns it).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum MediaReference {
    Id(i64),
    Object { id: i64 },
}

impl MediaReference {
    pub fn id(self) -> i64 {
        match self {
            MediaReference::Id(id) | MediaReference::Object { id } => id,
        }
    }
}

/// Links an author may have.
pub const MAX_LINKS: usize = 10;

/// An author as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthor {
    /// Generated from the name when absent.
    #[schema(max_length = 128, example = "nguyen-thu-ha")]
    pub slug: Option<String>,
    #[schema(max_length = 300, example = "Nguyễn Thu Hà")]
    pub name: String,
    #[schema(
        max_length = 5000,
        example = "Phóng viên thường trú TTXVN tại Singapore."
    )]
    pub bio: Option<String>,
    /// A media item of the library (its id, or the `avatar` object a GET returns), shown as
    /// the author's picture.
    #[schema(value_type = Option<i64>, minimum = 1, example = 12)]
    pub avatar: Option<MediaReference>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub links: Vec<AuthorLink>,
}

impl NewAuthor {
    /// Checks every value, recording problems in `checks`; trims the texts in place.
    pub fn validate(&mut self, checks: &mut Checks) {
        self.name = checks.name(&self.name, "/name", max::NAME);
        checks.slug(self.slug.as_deref());
        self.bio = text(self.bio.take());
        if let Some(bio) = &self.bio {
            checks.length(bio, "/bio", max::PARAGRAPH);
        }
        if self.avatar.is_some_and(|avatar| avatar.id() < 1) {
            checks.add("/avatar", "must be a media item's id");
        }
        if checks.items(self.links.len(), "/links", MAX_LINKS) {
            for (i, link) in self.links.iter_mut().enumerate() {
                link.label = text(link.label.take());
                if let Some(label) = &link.label {
                    checks.length(label, &format!("/links/{i}/label"), 100);
                }
                let url = link.url.trim().to_owned();
                if !is_link(&url) || url.len() > max::URL {
                    checks.add(
                        format!("/links/{i}/url"),
                        "must be an http(s) URL with a host, or a mailto URL with an address, of at most 2048 characters",
                    );
                }
                link.url = url;
            }
        }
    }
}

/// An author's link: `http(s)` with a host (`https://` alone is not a link), or `mailto:` with
/// an address.
fn is_link(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(parsed) => match parsed.scheme() {
            // `https:///x` parses with host `x` (WHATWG URLs skip the slashes): not as written.
            "http" | "https" => {
                parsed.host_str().is_some_and(|host| !host.is_empty())
                    && url
                        .split_once("://")
                        .is_some_and(|(_, rest)| !rest.starts_with('/'))
            }
            "mailto" => parsed
                .path()
                .split_once('@')
                .is_some_and(|(user, domain)| !user.is_empty() && !domain.is_empty()),
            _ => false,
        },
        Err(_) => false,
    }
}

#[cfg(test)]
mod link_tests {
    #[test]
    fn links_have_a_host_or_an_address() {
        for good in [
            "https://ttxvn.vn/tac-gia/1",
            "http://vietnamplus.vn",
            "mailto:toasoan@ttxvn.vn",
        ] {
            assert!(super::is_link(good), "{good}");
        }
        for bad in [
            "https://",
            "http://",
            "https:///duong-dan",
            "mailto:",
            "mailto:@",
            "ftp://ttxvn.vn",
            "javascript:alert(1)",
            "ttxvn.vn",
        ] {
            assert!(!super::is_link(bad), "{bad}");
        }
    }
}
