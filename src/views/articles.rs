//! Articles on the wire: the public and editorial representations, and revisions.

use crate::domain::resources;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use utoipa::ToSchema;

use super::events::{Event, RelatedEvent};
use super::organizations::{Organization, RelatedOrganization};
use super::people::{Person, RelatedPerson};
use super::related::{grouped, related};
use super::tags::TagRef;
use super::{Ctx, IncludeTree};
use crate::db::articles::{self as db, ArticleRow, Relation, RevisionRow};
use crate::db::DbConnection;
use crate::domain::body::{self, Block};
use crate::domain::kinds::ArticleStatus;
use crate::error::ApiError;

/// An article. Lists leave out `body` unless `fields` asks for it; `formats=html,text` adds
/// `body_html` and `body_text`. Fields other than `id` can be left out with `fields`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Article {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(
        required = false,
        example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"
    )]
    pub slug: String,
    #[schema(
        required = false,
        example = "Đại tướng Tô Lâm dẫn đầu đoàn đại biểu Việt Nam tham dự SICW 2022 và Hội nghị AMCC7"
    )]
    pub title: String,
    #[schema(
        required = false,
        example = "Đoàn đại biểu Việt Nam do Đại tướng Tô Lâm, Ủy viên Bộ Chính trị, Bộ trưởng Bộ Công an, dẫn đầu đã tham dự các hoạt động chính trong khuôn khổ SICW 2022."
    )]
    pub lead: Option<String>,
    /// The body as typed blocks (in lists only when `fields` names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub body: Option<Vec<Block>>,
    /// The body as HTML, every text escaped (with `formats=html`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        required = false,
        example = "<p>Phát biểu tại phiên họp toàn thể Hội nghị AMCC7, Bộ trưởng Tô Lâm ...</p>\n"
    )]
    pub body_html: Option<String>,
    /// The body as plain text, one block a paragraph (with `formats=text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        required = false,
        example = "Phát biểu tại phiên họp toàn thể Hội nghị AMCC7, Bộ trưởng Tô Lâm ..."
    )]
    pub body_text: Option<String>,
    /// The first image block, for teasers.
    #[schema(required = false)]
    pub cover: Option<Block>,
    /// The news agency the article comes from (`include=source` embeds it whole).
    #[schema(required = false)]
    pub source: Option<RelatedOrganization>,
    #[schema(required = false, example = "Phóng viên TTXVN tại Singapore")]
    pub byline: Option<String>,
    /// BCP 47 language tag.
    #[schema(required = false, example = "vi")]
    pub language: String,
    #[schema(required = false)]
    pub status: ArticleStatus,
    /// Publish time, with the portal's offset.
    #[schema(required = false, example = "2022-10-21T08:24:00+07:00")]
    pub published_at: Option<DateTime<FixedOffset>>,
    #[schema(required = false)]
    pub tags: Vec<TagRef>,
    /// Articles the editor pinned as related, in order (the public sees those that are out).
    #[schema(required = false)]
    pub related: Vec<RelatedArticle>,
    /// The article this one translates (id, slug or reference in writes; `null` leaves the
    /// group). The group's first article translates none.
    #[schema(required = false)]
    pub translation_of: Option<RelatedArticle>,
    /// The other editions of the story the caller may see (read-only).
    #[schema(required = false)]
    pub translations: Vec<super::translations::Translation>,
    /// The authors, in order (the free-text `byline` stays for agency copy).
    #[schema(required = false)]
    pub authors: Vec<crate::views::authors::AuthorRef>,
    /// The primary section (`?section=` finds the article through it and its ancestors).
    #[schema(required = false)]
    pub section: Option<crate::views::sections::SectionRef>,
    /// Further sections the article also appears in.
    #[schema(required = false)]
    pub sections: Vec<crate::views::sections::SectionRef>,
    /// The events the article is about.
    #[schema(required = false)]
    pub events: Vec<RelatedEvent>,
    /// The people the article is about.
    #[schema(required = false)]
    pub people: Vec<RelatedPerson>,
    /// The organizations the article is about.
    #[schema(required = false)]
    pub organizations: Vec<RelatedOrganization>,
    /// The people, organizations and events the title, lead and body name, found by the
    /// service (read-only, derived: changing it bumps no `version`; ignored in writes).
    #[schema(required = false)]
    pub mentions: Vec<Mention>,
    /// Mentions the editor silenced: never linked however the text names them.
    #[schema(required = false)]
    pub mention_exclusions: Vec<MentionRef>,
    /// Page views since the article went out (public representation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, example = 1520)]
    pub view_count: Option<i64>,
    #[schema(required = false, example = 1)]
    pub version: i32,
    #[schema(required = false)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(required = false)]
    pub updated_at: DateTime<FixedOffset>,
}

/// Something an article's text names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Mention {
    /// `person`, `organization` or `event`.
    #[serde(rename = "type")]
    #[schema(example = "person")]
    pub kind: &'static str,
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "to-lam")]
    pub slug: String,
    #[schema(example = "Tô Lâm")]
    pub name: String,
    /// How many times the text names it.
    #[schema(example = 3)]
    pub count: i32,
}

/// A person, organization or event, as `mention_exclusions` lists them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MentionRef {
    #[serde(rename = "type")]
    #[schema(example = "organization")]
    pub kind: &'static str,
    #[schema(example = 4)]
    pub id: i64,
    #[schema(example = "asean")]
    pub slug: String,
    #[schema(example = "Hiệp hội các quốc gia Đông Nam Á")]
    pub name: String,
}

fn kind_name(kind: i16) -> &'static str {
    match kind {
        1 => "event",
        2 => "person",
        _ => "organization",
    }
}

/// Which renderings of the body to add.
#[derive(Debug, Clone, Copy, Default)]
pub struct Formats {
    pub html: bool,
    pub text: bool,
}

impl Formats {
    /// The fields these renderings add, kept whatever `fields` says.
    pub fn keep(&self) -> &'static [&'static str] {
        match (self.html, self.text) {
            (true, true) => &["body_html", "body_text"],
            (true, false) => &["body_html"],
            (false, true) => &["body_text"],
            (false, false) => &[],
        }
    }
}

/// Who a representation is for, which decides what it may name (decision 0002).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Audience {
    /// Anonymous readers: view counts, and only articles that are out among the references.
    #[default]
    Public,
    /// Token holders and the write flow: every article that is not deleted, no view counts.
    Editorial,
    /// A preview link: the one unpublished article it was made for, naming only what the
    /// public may see.
    Preview,
}

impl Audience {
    /// Who reads the articles this representation names.
    pub fn references(self, now: chrono::NaiveDateTime) -> crate::db::Viewer {
        match self {
            Audience::Editorial => crate::db::Viewer::editor(now),
            Audience::Public | Audience::Preview => crate::db::Viewer::public(now),
        }
    }

    /// The audience of a reader: token holders preview, the rest are the public.
    pub fn of(viewer: crate::db::Viewer) -> Audience {
        if viewer.previews {
            Audience::Editorial
        } else {
            Audience::Public
        }
    }
}

/// How to represent a set of articles.
#[derive(Debug, Clone, Default)]
pub struct ArticleOptions {
    pub include: IncludeTree,
    pub formats: Formats,
    /// Whole articles carry their body; list summaries only when `fields` names it.
    pub with_body: bool,
    /// Who it is for: the public representation carries view counts and names only what is
    /// out.
    pub audience: Audience,
}

impl ArticleOptions {
    /// The editorial representation of a whole article (writes, revisions).
    pub fn editorial() -> Self {
        ArticleOptions {
            with_body: true,
            audience: Audience::Editorial,
            ..ArticleOptions::default()
        }
    }

    /// The public representation of a whole article: the one stored (decision 0020).
    pub fn with_body() -> Self {
        ArticleOptions {
            with_body: true,
            ..ArticleOptions::default()
        }
    }
}

/// What an article carries beside its own columns.
#[derive(Default)]
pub struct ArticleParts {
    pub source: Option<RelatedOrganization>,
    pub tags: Vec<TagRef>,
    pub events: Vec<RelatedEvent>,
    pub people: Vec<RelatedPerson>,
    pub organizations: Vec<RelatedOrganization>,
    pub mentions: Vec<Mention>,
    pub mention_exclusions: Vec<MentionRef>,
    pub view_count: Option<i64>,
    pub section: Option<crate::views::sections::SectionRef>,
    pub sections: Vec<crate::views::sections::SectionRef>,
    pub authors: Vec<crate::views::authors::AuthorRef>,
    pub related: Vec<RelatedArticle>,
    pub translation_of: Option<RelatedArticle>,
    pub translations: Vec<super::translations::Translation>,
    /// The media items its body names, by id.
    pub media: HashMap<i64, crate::db::media::MediaRow>,
}

/// An article as another names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelatedArticle {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(
        example = "dai-tuong-to-lam-dan-dau-doan-dai-bieu-viet-nam-tham-du-sicw-2022-va-hoi-nghi-amcc7"
    )]
    pub slug: String,
    #[schema(
        example = "Đại tướng Tô Lâm dẫn đầu đoàn đại biểu Việt Nam tham dự SICW 2022 và Hội nghị AMCC7"
    )]
    pub title: String,
}

/// The wire form of one row, its relations already loaded.
pub fn build(
    row: ArticleRow,
    parts: ArticleParts,
    options: &ArticleOptions,
    ctx: Ctx,
) -> Result<Article, ApiError> {
    super::keys::mark(&resources::ARTICLE, row.id);
    let mut blocks: Vec<Block> = serde_json::from_str(&row.body)
        .map_err(|e| ApiError::Internal(format!("article {} has a bad body: {e}", row.id)))?;
    // Readers get the item's alt text where the block has none; editors get the block as
    // written, so that a GET-edit-PUT does not freeze the item's alt into the article.
    show_media(
        &mut blocks,
        &parts.media,
        options.audience != Audience::Editorial,
    );
    Ok(Article {
        body_html: options.formats.html.then(|| body::to_html(&blocks)),
        body_text: options.formats.text.then(|| body::to_text(&blocks)),
        cover: body::cover(&blocks).cloned(),
        body: options.with_body.then_some(blocks),
        source: parts.source,
        tags: parts.tags,
        authors: parts.authors,
        related: parts.related,
        translation_of: parts.translation_of,
        translations: parts.translations,
        section: parts.section,
        sections: parts.sections,
        events: parts.events,
        people: parts.people,
        organizations: parts.organizations,
        mentions: parts.mentions,
        mention_exclusions: parts.mention_exclusions,
        view_count: parts.view_count,
        status: row.status,
        published_at: row.published_at.map(|t| ctx.tz.render(t)),
        id: row.id,
        slug: row.slug,
        title: row.title,
        lead: row.lead,
        byline: row.byline,
        language: row.language,
        version: row.version,
        created_at: ctx.tz.render(row.created_at),
        updated_at: ctx.tz.render(row.updated_at),
    })
}

/// Articles with tags, events, people, organizations, sources and view counts: one query per
/// relation, however many articles (no N+1).
pub fn load(
    conn: &mut DbConnection,
    rows: Vec<ArticleRow>,
    options: &ArticleOptions,
    ctx: Ctx,
) -> Result<Vec<Article>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let include = &options.include;
    let tag_links = db::links(conn, Relation::Tags, &ids)?;
    let tag_ids: Vec<i64> = tag_links.iter().map(|(_, tag)| *tag).collect();
    let tag_refs: HashMap<i64, TagRef> = crate::db::tags::by_ids(conn, &tag_ids)?
        .into_iter()
        .map(|t| {
            super::keys::mark(&resources::TAG, t.id);
            (t.id, crate::views::tags::reference(t, ctx))
        })
        .collect();
    let mut tags = grouped(tag_links, &tag_refs);
    let mut events = linked::<Event>(conn, Relation::Events, &ids, include.get("events"), ctx)?;
    let mut people = linked::<Person>(conn, Relation::People, &ids, include.get("people"), ctx)?;
    let mut orgs = linked::<Organization>(
        conn,
        Relation::Organizations,
        &ids,
        include.get("organizations"),
        ctx,
    )?;
    let source_ids: Vec<i64> = rows.iter().filter_map(|r| r.source_id).collect();
    let sources = related::<Organization>(conn, &source_ids, include.get("source"), ctx)?;
    let (mut mentions, mut exclusions) = mentions_of(conn, &ids, ctx)?;
    let mut media = crate::db::media::of_articles(conn, &ids)?;
    // Their files and alt texts are shown inside the body.
    for id in media.values().flat_map(|items| items.keys()) {
        super::keys::consult(&resources::MEDIA, *id);
    }
    let mut written_by = crate::db::authors::of_articles(conn, &ids)?;
    let author_ids: Vec<i64> = written_by.values().flatten().copied().collect();
    let author_refs: HashMap<i64, crate::views::authors::AuthorRef> =
        crate::db::authors::by_ids(conn, &author_ids)?
            .iter()
            .map(|a| {
                super::keys::mark(&resources::AUTHOR, a.id);
                (a.id, a.into())
            })
            .collect();
    let mut further = crate::db::sections::of_articles(conn, &ids)?;
    let mut pinned = db::pinned(conn, &ids)?;
    let pinned_ids: Vec<i64> = pinned.values().flatten().copied().collect();
    let readers = options.audience.references(ctx.now);
    let pinned_refs: HashMap<i64, RelatedArticle> = db::by_ids(conn, &pinned_ids)?
        .into_iter()
        .filter(|r| {
            let seen = readers.sees(r);
            if seen {
                super::keys::mark(&resources::ARTICLE, r.id);
            } else {
                super::keys::consult(&resources::ARTICLE, r.id);
                // Scheduled for later: the related list changes at that moment.
                if let Some(at) = r.published_at.filter(|at| *at > ctx.now) {
                    super::keys::left_out_until(at);
                }
            }
            seen
        })
        .map(|r| {
            (
                r.id,
                RelatedArticle {
                    id: r.id,
                    slug: r.slug,
                    title: r.title,
                },
            )
        })
        .collect();
    let mut editions = super::translations::editions(
        conn,
        &ids,
        readers,
        options.audience == Audience::Editorial,
        ctx.now,
    )?;
    let section_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.section_id)
        .chain(further.values().flatten().copied())
        .collect();
    let section_refs: HashMap<i64, crate::views::sections::SectionRef> =
        crate::db::sections::by_ids(conn, &section_ids)?
            .iter()
            .map(|s| {
                super::keys::mark(&resources::SECTION, s.id);
                (s.id, crate::views::sections::SectionRef::of(s, ctx))
            })
            .collect();

    rows.into_iter()
        .map(|row| {
            let id = row.id;
            let parts = ArticleParts {
                source: row.source_id.and_then(|s| sources.get(&s).cloned()),
                tags: tags.remove(&id).unwrap_or_default(),
                events: events.remove(&id).unwrap_or_default(),
                people: people.remove(&id).unwrap_or_default(),
                organizations: orgs.remove(&id).unwrap_or_default(),
                mentions: mentions.remove(&id).unwrap_or_default(),
                mention_exclusions: exclusions.remove(&id).unwrap_or_default(),
                view_count: (options.audience == Audience::Public).then_some(row.view_count),
                media: media.remove(&id).unwrap_or_default(),
                related: pinned
                    .remove(&id)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|a| pinned_refs.get(a).cloned())
                    .collect(),
                translation_of: editions.translation_of.remove(&id).map(|r| RelatedArticle {
                    id: r.id,
                    slug: r.slug,
                    title: r.title,
                }),
                translations: editions.translations.remove(&id).unwrap_or_default(),
                authors: written_by
                    .remove(&id)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|a| author_refs.get(a).cloned())
                    .collect(),
                section: row.section_id.and_then(|s| section_refs.get(&s).cloned()),
                sections: further
                    .remove(&id)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|s| section_refs.get(s).cloned())
                    .collect(),
            };
            build(row, parts, options, ctx)
        })
        .collect()
}

/// Fills each image block that names a media item from the item: its files, size and
/// placeholder, and (`with_alt`) its alt text when the block has none of its own. An item
/// purged from the store leaves the block its texts only.
fn show_media(
    blocks: &mut [Block],
    media: &HashMap<i64, crate::db::media::MediaRow>,
    with_alt: bool,
) {
    for block in blocks {
        let Block::Image {
            src,
            alt,
            media: Some(id),
            width,
            height,
            srcset,
            sources,
            placeholder,
            ..
        } = block
        else {
            continue;
        };
        let Some(row) = media.get(id).filter(|row| row.purged_at.is_none()) else {
            continue;
        };
        if with_alt && alt.is_none() {
            alt.clone_from(&row.alt);
        }
        let shown = crate::media::rendition(row);
        *src = Some(shown.src);
        *width = Some(shown.width);
        *height = Some(shown.height);
        *srcset = shown.srcset;
        *sources = (!shown.sources.is_empty()).then(|| {
            shown
                .sources
                .into_iter()
                .map(|(content_type, srcset)| body::ImageSource {
                    content_type: content_type.to_owned(),
                    srcset,
                })
                .collect()
        });
        *placeholder = Some(body::ImagePlaceholder {
            color: shown.color,
            blurhash: shown.blurhash,
        });
    }
}

type MentionsOf = (HashMap<i64, Vec<Mention>>, HashMap<i64, Vec<MentionRef>>);

/// The mentions and exclusions of several articles: three queries however many.
fn mentions_of(conn: &mut DbConnection, ids: &[i64], ctx: Ctx) -> Result<MentionsOf, ApiError> {
    let found = crate::db::mentions::of_articles(conn, ids)?;
    let excluded = crate::db::mentions::exclusions_of(conn, ids)?;
    let targets: Vec<(i16, i64)> = found
        .values()
        .flat_map(|m| m.iter().map(|(t, _)| *t))
        .chain(excluded.values().flatten().copied())
        .collect();
    let labels = crate::db::mentions::labels(conn, &targets, ctx.lang)?;
    for (kind, id) in &targets {
        if let Some(resource) = resources::by_kind(kind_name(*kind)) {
            super::keys::consult(resource, *id);
        }
    }
    let label = |target: &(i16, i64)| labels.get(target).cloned().unwrap_or_default();
    let mentions = found
        .into_iter()
        .map(|(article, list)| {
            let list = list
                .iter()
                .map(|(target, count)| {
                    let (slug, name) = label(target);
                    Mention {
                        kind: kind_name(target.0),
                        id: target.1,
                        slug,
                        name,
                        count: *count,
                    }
                })
                .collect();
            (article, list)
        })
        .collect();
    let exclusions = excluded
        .into_iter()
        .map(|(article, list)| {
            let list = list
                .iter()
                .map(|target| {
                    let (slug, name) = label(target);
                    MentionRef {
                        kind: kind_name(target.0),
                        id: target.1,
                        slug,
                        name,
                    }
                })
                .collect();
            (article, list)
        })
        .collect();
    Ok((mentions, exclusions))
}

/// The items of one link table for several articles, in link order.
fn linked<E: super::related::Embedded>(
    conn: &mut DbConnection,
    relation: Relation,
    article_ids: &[i64],
    include: Option<&IncludeTree>,
    ctx: Ctx,
) -> Result<HashMap<i64, Vec<E::Related>>, ApiError>
where
    E::Related: Clone,
{
    let links = db::links(conn, relation, article_ids)?;
    let target_ids: Vec<i64> = links.iter().map(|(_, target)| *target).collect();
    let targets = related::<E>(conn, &target_ids, include, ctx)?;
    Ok(grouped(links, &targets))
}

/// One stored revision of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    #[schema(example = 2)]
    pub version: i32,
    /// The name of the token that made the change.
    #[schema(example = "Ban biên tập trang chủ")]
    pub token_name: String,
    pub created_at: DateTime<FixedOffset>,
    /// The article as it stood after the change (editorial representation).
    #[schema(value_type = Object)]
    pub article: Value,
}

/// The wire form of a stored revision; a snapshot that is not JSON is an error.
pub fn revision(row: RevisionRow, ctx: Ctx) -> Result<Revision, ApiError> {
    Ok(Revision {
        version: row.version,
        token_name: row.token_name,
        created_at: ctx.tz.render(row.created_at),
        article: serde_json::from_str(&row.snapshot).map_err(|e| {
            ApiError::Internal(format!("revision {} has a bad snapshot: {e}", row.id))
        })?,
    })
}
