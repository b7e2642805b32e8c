//! Loads the demo content (`seed/demo.json`) in one transaction. Entries refer to each other by
//! slug; relations are resolved as they are inserted, so the file lists parents before children.

use crate::domain::languages::{stored, Names, Titles};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;
use std::collections::HashMap;

use super::articles::{self, ArticleChanges, ArticleRow, Relation};
use super::events::{self, EventChanges, EventRow, ParticipantRow};
use super::organizations::{OrganizationChanges, OrganizationRow};
use super::people::{self, AliasRow, PersonChanges, PersonRow, PositionRow};
use super::schema;
use super::tags::{self, TagChanges, TagRow};
use super::{DbConnection, Record};
use crate::domain::body::Block;
use crate::domain::derive;
use crate::domain::kinds::{
    AliasKind, ArticleStatus, ChangeAction, DatePrecision, OrganizationKind,
};
use crate::domain::slug::{candidates, slugify};
use crate::domain::text::nfc;

/// The demo content shipped with the binary.
pub const DEMO: &str = include_str!("../../seed/demo.json");

#[derive(Debug, Deserialize)]
pub struct SeedFile {
    #[serde(default)]
    organizations: Vec<SeedOrganization>,
    #[serde(default)]
    people: Vec<SeedPerson>,
    #[serde(default)]
    events: Vec<SeedEvent>,
    /// Tags with names in other languages (articles bring the rest by name).
    #[serde(default)]
    tags: Vec<SeedTag>,
    #[serde(default)]
    articles: Vec<SeedArticle>,
}

#[derive(Debug, Deserialize)]
struct SeedTag {
    name: String,
    #[serde(default)]
    names: Names,
}

#[derive(Debug, Deserialize)]
struct SeedOrganization {
    slug: String,
    name: String,
    #[serde(default)]
    names: Names,
    short_name: Option<String>,
    kind: OrganizationKind,
    country: Option<String>,
    parent: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SeedPerson {
    slug: String,
    name: String,
    honorific: Option<String>,
    country: Option<String>,
    bio: Option<String>,
    #[serde(default)]
    names: Names,
    #[serde(default)]
    aliases: Vec<SeedAlias>,
    #[serde(default)]
    positions: Vec<SeedPosition>,
}

#[derive(Debug, Deserialize)]
struct SeedAlias {
    name: String,
    language: String,
    kind: AliasKind,
}

#[derive(Debug, Deserialize)]
struct SeedPosition {
    title: String,
    #[serde(default)]
    titles: Titles,
    organization: Option<String>,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
struct SeedEvent {
    slug: String,
    name: String,
    #[serde(default)]
    names: Names,
    short_name: Option<String>,
    edition: Option<i32>,
    theme: Option<String>,
    description: Option<String>,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    date_precision: Option<DatePrecision>,
    city: Option<String>,
    country: Option<String>,
    parent: Option<String>,
    #[serde(default)]
    organizers: Vec<String>,
    #[serde(default)]
    participants: Vec<SeedParticipant>,
}

#[derive(Debug, Deserialize)]
struct SeedParticipant {
    person: String,
    role: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SeedArticle {
    slug: Option<String>,
    title: String,
    lead: Option<String>,
    body: Vec<Block>,
    source: Option<String>,
    byline: Option<String>,
    language: String,
    status: ArticleStatus,
    published_at: Option<DateTime<chrono::FixedOffset>>,
    #[serde(rename = "_note")]
    note: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    people: Vec<String>,
    #[serde(default)]
    organizations: Vec<String>,
    /// The slug of an earlier article of the file this one translates (issue 25).
    translation_of: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the seed file is not valid: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("the seed file refers to unknown {0} `{1}`")]
    UnknownReference(&'static str, String),
    #[error("database error while seeding: {0}")]
    Database(#[from] diesel::result::Error),
}

#[derive(Debug, PartialEq)]
pub enum SeedOutcome {
    Loaded {
        articles: usize,
        events: usize,
        people: usize,
        organizations: usize,
    },
    AlreadySeeded,
}

/// Whether the database holds any content yet.
pub fn is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
    let count: i64 = schema::organizations::table.count().get_result(conn)?;
    Ok(count == 0)
}

/// Loads the seed file into an empty database, all or nothing; a database with content is left
/// alone.
pub fn load(
    conn: &mut DbConnection,
    json: &str,
    now: NaiveDateTime,
) -> Result<SeedOutcome, SeedError> {
    let file: SeedFile = serde_json::from_str(json)?;
    conn.transaction(|conn| {
        if !is_empty(conn)? {
            return Ok(SeedOutcome::AlreadySeeded);
        }
        insert_all(conn, &file, now)
    })
}

fn lookup(map: &HashMap<String, i64>, what: &'static str, slug: &str) -> Result<i64, SeedError> {
    map.get(slug)
        .copied()
        .ok_or_else(|| SeedError::UnknownReference(what, slug.to_owned()))
}

fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(nfc)
}

/// Inserts the whole file. Derived columns (search and sort keys, generated slugs) come from
/// `domain::derive`, as for API writes.
fn insert_all(
    conn: &mut DbConnection,
    file: &SeedFile,
    now: NaiveDateTime,
) -> Result<SeedOutcome, SeedError> {
    let orgs = insert_organizations(conn, &file.organizations, now)?;
    let persons = insert_people(conn, &file.people, &orgs, now)?;
    let evts = insert_events(conn, &file.events, &orgs, &persons, now)?;
    insert_tags(conn, &file.tags, now)?;
    insert_articles(
        conn,
        &file.articles,
        &Slugs {
            orgs,
            persons,
            evts,
        },
        now,
    )?;
    super::search::reindex_all(conn)?;
    let matcher = super::mentions::matcher(conn)?;
    let ids: Vec<i64> = super::schema::articles::table
        .select(super::schema::articles::id)
        .load(conn)?;
    for id in ids {
        super::mentions::relink(conn, &matcher, id)?;
    }
    Ok(SeedOutcome::Loaded {
        articles: file.articles.len(),
        events: file.events.len(),
        people: file.people.len(),
        organizations: file.organizations.len(),
    })
}

fn insert_tags(
    conn: &mut DbConnection,
    seeded: &[SeedTag],
    now: NaiveDateTime,
) -> Result<(), SeedError> {
    for tag in seeded {
        let name = nfc(&tag.name);
        let slug = slugify(&name, "tag");
        let changes = TagChanges {
            slug: slug.clone(),
            name,
            names: stored(&tag.names),
            updated_at: now,
        };
        let id = TagRow::insert(conn, &changes)?;
        logged::<TagRow>(conn, id, &slug, now)?;
    }
    Ok(())
}

/// The ids the seed gave each slug so far, by resource.
type Ids = HashMap<String, i64>;

/// Every id the articles refer to.
struct Slugs {
    orgs: Ids,
    persons: Ids,
    evts: Ids,
}

fn insert_organizations(
    conn: &mut DbConnection,
    organizations: &[SeedOrganization],
    now: NaiveDateTime,
) -> Result<Ids, SeedError> {
    let mut orgs = HashMap::new();
    for org in organizations {
        let name = nfc(&org.name);
        let short_name = text(&org.short_name);
        let keys = derive::organization_keys(&name, &org.names, short_name.as_deref());
        let changes = OrganizationChanges {
            slug: org.slug.clone(),
            search_key: keys.search_key,
            sort_key: keys.sort_key,
            name,
            names: stored(&org.names),
            short_name,
            kind: org.kind,
            country: org.country.clone(),
            parent_id: refer(&orgs, "organization", &org.parent)?,
            description: text(&org.description),
            updated_at: now,
        };
        let id = OrganizationRow::insert(conn, &changes)?;
        logged::<OrganizationRow>(conn, id, &org.slug, now)?;
        orgs.insert(org.slug.clone(), id);
    }
    Ok(orgs)
}

fn insert_people(
    conn: &mut DbConnection,
    people: &[SeedPerson],
    orgs: &Ids,
    now: NaiveDateTime,
) -> Result<Ids, SeedError> {
    let mut persons = HashMap::new();
    for person in people {
        let name = nfc(&person.name);
        let aliases: Vec<AliasRow> = person
            .aliases
            .iter()
            .enumerate()
            .map(|(position, alias)| AliasRow {
                person_id: 0,
                name: nfc(&alias.name),
                language: alias.language.clone(),
                kind: alias.kind,
                position: position as i32,
            })
            .collect();
        let keys = derive::person_keys(
            &name,
            &person.names,
            aliases.iter().map(|a| a.name.as_str()),
        );
        let changes = PersonChanges {
            slug: person.slug.clone(),
            search_key: keys.search_key,
            sort_key: keys.sort_key,
            name,
            honorific: text(&person.honorific),
            country: person.country.clone(),
            bio: text(&person.bio),
            names: stored(&person.names),
            updated_at: now,
        };
        let id = PersonRow::insert(conn, &changes)?;
        logged::<PersonRow>(conn, id, &person.slug, now)?;
        let mut held = Vec::new();
        for (position, p) in person.positions.iter().enumerate() {
            held.push(PositionRow {
                person_id: id,
                organization_id: refer(orgs, "organization", &p.organization)?,
                title: nfc(&p.title),
                titles: stored(&p.titles),
                starts_on: p.starts_on,
                ends_on: p.ends_on,
                position: position as i32,
            });
        }
        people::replace_details(conn, id, &aliases, &held)?;
        persons.insert(person.slug.clone(), id);
    }
    Ok(persons)
}

fn insert_events(
    conn: &mut DbConnection,
    events: &[SeedEvent],
    orgs: &Ids,
    persons: &Ids,
    now: NaiveDateTime,
) -> Result<Ids, SeedError> {
    let mut evts = HashMap::new();
    for event in events {
        let name = nfc(&event.name);
        let (short_name, theme) = (text(&event.short_name), text(&event.theme));
        let keys = derive::event_keys(&name, &event.names, short_name.as_deref(), theme.as_deref());
        let changes = EventChanges {
            slug: event.slug.clone(),
            search_key: keys.search_key,
            sort_key: keys.sort_key,
            name,
            names: stored(&event.names),
            short_name,
            edition: event.edition,
            theme,
            description: text(&event.description),
            starts_on: event.starts_on,
            ends_on: event.ends_on,
            date_precision: event.date_precision.unwrap_or(DatePrecision::Day),
            city: text(&event.city),
            country: event.country.clone(),
            parent_id: refer(&evts, "event", &event.parent)?,
            updated_at: now,
        };
        let id = EventRow::insert(conn, &changes)?;
        logged::<EventRow>(conn, id, &event.slug, now)?;
        let organizers = ids(orgs, "organization", &event.organizers)?;
        let mut participants = Vec::new();
        for (position, participant) in event.participants.iter().enumerate() {
            participants.push(ParticipantRow {
                event_id: id,
                person_id: lookup(persons, "person", &participant.person)?,
                role: text(&participant.role),
                position: position as i32,
            });
        }
        events::replace_details(conn, id, &organizers, &participants)?;
        evts.insert(event.slug.clone(), id);
    }
    Ok(evts)
}

fn insert_articles(
    conn: &mut DbConnection,
    articles: &[SeedArticle],
    slugs: &Slugs,
    now: NaiveDateTime,
) -> Result<(), SeedError> {
    let mut seeded: HashMap<String, (i64, String)> = HashMap::new();
    for article in articles {
        let title = nfc(&article.title);
        let slug = match &article.slug {
            Some(slug) => slug.clone(),
            None => free_article_slug(conn, &slugify(&title, "article"))?,
        };
        let blocks: Vec<Block> = article.body.iter().map(normalize_block).collect();
        let lead = text(&article.lead);
        let keys = derive::article_keys(&title, lead.as_deref(), &blocks);
        let changes = ArticleChanges {
            slug,
            search_key: keys.search_key,
            sort_key: keys.sort_key,
            title,
            lead,
            body: serde_json::to_string(&blocks)?,
            source_id: refer(&slugs.orgs, "organization", &article.source)?,
            byline: text(&article.byline),
            language: article.language.clone(),
            status: article.status,
            published_at: article.published_at.map(|t| t.naive_utc()),
            updated_at: now,
            section_id: None,
        };
        let slug = changes.slug.clone();
        let id = ArticleRow::insert(conn, &changes)?;
        logged::<ArticleRow>(conn, id, &slug, now)?;
        articles::set_notes(conn, id, text(&article.note).as_deref())?;
        let mut tag_ids = Vec::new();
        for name in &article.tags {
            let name = nfc(name);
            tag_ids.extend(tags::ensure(conn, &slugify(&name, "tag"), &name, now)?);
        }
        articles::link(conn, Relation::Tags, id, &tag_ids)?;
        articles::link(
            conn,
            Relation::Events,
            id,
            &ids(&slugs.evts, "event", &article.events)?,
        )?;
        articles::link(
            conn,
            Relation::People,
            id,
            &ids(&slugs.persons, "person", &article.people)?,
        )?;
        let orgs_of = ids(&slugs.orgs, "organization", &article.organizations)?;
        articles::link(conn, Relation::Organizations, id, &orgs_of)?;
        if let Some(original) = &article.translation_of {
            let (source, language) = seeded
                .get(original)
                .ok_or_else(|| SeedError::UnknownReference("article", original.clone()))?;
            let group = match articles::translations::group_of(conn, *source)? {
                Some(group) => group,
                None => {
                    articles::translations::start(conn, *source, language)?;
                    *source
                }
            };
            articles::translations::set(conn, id, &article.language, Some(group))?;
        }
        seeded.insert(slug, (id, article.language.clone()));
    }
    Ok(())
}

/// Logs a seeded item as created (a server running beside `newsroom seed` learns of it).
fn logged<R: Record>(
    conn: &mut DbConnection,
    id: i64,
    slug: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let public = R::find(conn, &super::Key::Id(id))?
        .is_some_and(|row| super::Viewer::public(now).sees(&row));
    super::changes::record(
        conn,
        super::changes::Change {
            resource: R::COLLECTION,
            item_id: id,
            slug,
            action: ChangeAction::Created,
            version: 1,
            at: now,
            public_before: false,
            public_after: public,
        },
    )?;
    Ok(())
}

/// The id of an optional reference by slug.
fn refer(
    map: &HashMap<String, i64>,
    what: &'static str,
    slug: &Option<String>,
) -> Result<Option<i64>, SeedError> {
    slug.as_deref().map(|s| lookup(map, what, s)).transpose()
}

/// The ids of references by slug, in order.
fn ids(
    map: &HashMap<String, i64>,
    what: &'static str,
    slugs: &[String],
) -> Result<Vec<i64>, SeedError> {
    slugs.iter().map(|s| lookup(map, what, s)).collect()
}

/// The generated slug, or the first free `-2`, `-3`, ... variant of it.
fn free_article_slug(conn: &mut DbConnection, base: &str) -> QueryResult<String> {
    for candidate in candidates(base) {
        if !articles::slug_taken(conn, &candidate)? {
            return Ok(candidate);
        }
    }
    Ok(base.to_owned())
}

fn normalize_block(block: &Block) -> Block {
    match block {
        Block::Paragraph { text } => Block::Paragraph { text: nfc(text) },
        Block::Heading { text, level } => Block::Heading {
            text: nfc(text),
            level: *level,
        },
        Block::Image {
            src,
            caption,
            credit,
            alt,
            ..
        } => Block::image(
            src.clone(),
            caption.as_deref().map(nfc),
            credit.as_deref().map(nfc),
            alt.as_deref().map(nfc),
        ),
        Block::Quote { text, attribution } => Block::Quote {
            text: nfc(text),
            attribution: attribution.as_deref().map(nfc),
        },
        Block::List { ordered, items } => Block::List {
            ordered: *ordered,
            items: items.iter().map(|i| nfc(i)).collect(),
        },
        Block::Table {
            caption,
            header,
            rows,
        } => Block::Table {
            caption: caption.as_deref().map(nfc),
            header: header.as_ref().map(|h| h.iter().map(|c| nfc(c)).collect()),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| nfc(c)).collect())
                .collect(),
        },
        Block::Embed { url, caption } => Block::Embed {
            url: url.clone(),
            caption: caption.as_deref().map(nfc),
        },
    }
}
