//! Loads the demo content (`seed/demo.json`) in one transaction. Entries refer to each other by
//! slug; relations are resolved as they are inserted, so the file lists parents before children.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;
use std::collections::HashMap;

use super::articles::{self, NewArticleRow, Relation};
use super::events::{self, NewEventRow, OrganizerRow, ParticipantRow};
use super::organizations::{self, NewOrganizationRow};
use super::people::{self, AliasRow, NewPersonRow, PositionRow};
use super::schema;
use super::{tags, DbConnection};
use crate::domain::body::{self, Block};
use crate::domain::slug::{candidates, slugify};
use crate::domain::text::{fold, nfc, search_key};

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
    #[serde(default)]
    articles: Vec<SeedArticle>,
}

#[derive(Debug, Deserialize)]
struct SeedOrganization {
    slug: String,
    name: String,
    name_en: Option<String>,
    short_name: Option<String>,
    kind: String,
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
    aliases: Vec<SeedAlias>,
    #[serde(default)]
    positions: Vec<SeedPosition>,
}

#[derive(Debug, Deserialize)]
struct SeedAlias {
    name: String,
    language: String,
    kind: String,
}

#[derive(Debug, Deserialize)]
struct SeedPosition {
    title: String,
    title_en: Option<String>,
    organization: Option<String>,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
struct SeedEvent {
    slug: String,
    name: String,
    name_en: Option<String>,
    short_name: Option<String>,
    edition: Option<i32>,
    theme: Option<String>,
    description: Option<String>,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    date_precision: Option<String>,
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
    status: String,
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

fn insert_all(
    conn: &mut DbConnection,
    file: &SeedFile,
    now: NaiveDateTime,
) -> Result<SeedOutcome, SeedError> {
    let mut orgs = HashMap::new();
    for org in &file.organizations {
        let parent_id = org
            .parent
            .as_deref()
            .map(|p| lookup(&orgs, "organization", p))
            .transpose()?;
        let name = nfc(&org.name);
        let row = NewOrganizationRow {
            slug: org.slug.clone(),
            search_key: search_key(
                [
                    Some(name.as_str()),
                    org.name_en.as_deref(),
                    org.short_name.as_deref(),
                ]
                .into_iter()
                .flatten(),
            ),
            sort_key: fold(&name),
            name,
            name_en: text(&org.name_en),
            short_name: text(&org.short_name),
            kind: org.kind.clone(),
            country: org.country.clone(),
            parent_id,
            description: text(&org.description),
            created_at: now,
            updated_at: now,
        };
        orgs.insert(org.slug.clone(), organizations::insert(conn, &row)?);
    }

    let mut persons = HashMap::new();
    for person in &file.people {
        let name = nfc(&person.name);
        let alias_names: Vec<String> = person.aliases.iter().map(|a| nfc(&a.name)).collect();
        let row = NewPersonRow {
            slug: person.slug.clone(),
            search_key: search_key(
                std::iter::once(name.as_str()).chain(alias_names.iter().map(String::as_str)),
            ),
            sort_key: fold(&name),
            name,
            honorific: text(&person.honorific),
            country: person.country.clone(),
            bio: text(&person.bio),
            created_at: now,
            updated_at: now,
        };
        let id = people::insert(conn, &row)?;
        for (position, (alias, name)) in person.aliases.iter().zip(alias_names).enumerate() {
            people::insert_alias(
                conn,
                &AliasRow {
                    person_id: id,
                    name,
                    language: alias.language.clone(),
                    kind: alias.kind.clone(),
                    position: position as i32,
                },
            )?;
        }
        for (position, held) in person.positions.iter().enumerate() {
            let organization_id = held
                .organization
                .as_deref()
                .map(|o| lookup(&orgs, "organization", o))
                .transpose()?;
            people::insert_position(
                conn,
                &PositionRow {
                    person_id: id,
                    organization_id,
                    title: nfc(&held.title),
                    title_en: text(&held.title_en),
                    starts_on: held.starts_on,
                    ends_on: held.ends_on,
                    position: position as i32,
                },
            )?;
        }
        persons.insert(person.slug.clone(), id);
    }

    let mut evts = HashMap::new();
    for event in &file.events {
        let parent_id = event
            .parent
            .as_deref()
            .map(|p| lookup(&evts, "event", p))
            .transpose()?;
        let name = nfc(&event.name);
        let row = NewEventRow {
            slug: event.slug.clone(),
            search_key: search_key(
                [
                    Some(name.as_str()),
                    event.name_en.as_deref(),
                    event.short_name.as_deref(),
                    event.theme.as_deref(),
                ]
                .into_iter()
                .flatten(),
            ),
            sort_key: fold(&name),
            name,
            name_en: text(&event.name_en),
            short_name: text(&event.short_name),
            edition: event.edition,
            theme: text(&event.theme),
            description: text(&event.description),
            starts_on: event.starts_on,
            ends_on: event.ends_on,
            date_precision: event.date_precision.clone().unwrap_or_else(|| "day".into()),
            city: text(&event.city),
            country: event.country.clone(),
            parent_id,
            created_at: now,
            updated_at: now,
        };
        let id = events::insert(conn, &row)?;
        for (position, org) in event.organizers.iter().enumerate() {
            events::insert_organizer(
                conn,
                &OrganizerRow {
                    event_id: id,
                    organization_id: lookup(&orgs, "organization", org)?,
                    position: position as i32,
                },
            )?;
        }
        for (position, participant) in event.participants.iter().enumerate() {
            events::insert_participant(
                conn,
                &ParticipantRow {
                    event_id: id,
                    person_id: lookup(&persons, "person", &participant.person)?,
                    role: text(&participant.role),
                    position: position as i32,
                },
            )?;
        }
        evts.insert(event.slug.clone(), id);
    }

    for article in &file.articles {
        let title = nfc(&article.title);
        let slug = match &article.slug {
            Some(slug) => slug.clone(),
            None => free_article_slug(conn, &slugify(&title, "article"))?,
        };
        let blocks: Vec<Block> = article.body.iter().map(normalize_block).collect();
        let lead = text(&article.lead);
        let body_text = body::to_text(&blocks);
        let row = NewArticleRow {
            slug,
            search_key: search_key(
                [
                    Some(title.as_str()),
                    lead.as_deref(),
                    Some(body_text.as_str()),
                ]
                .into_iter()
                .flatten(),
            ),
            sort_key: fold(&title),
            title,
            lead,
            body: serde_json::to_string(&blocks)?,
            source_id: article
                .source
                .as_deref()
                .map(|s| lookup(&orgs, "organization", s))
                .transpose()?,
            byline: text(&article.byline),
            language: article.language.clone(),
            status: article.status.clone(),
            published_at: article.published_at.map(|t| t.naive_utc()),
            notes: text(&article.note),
            created_at: now,
            updated_at: now,
        };
        let id = articles::insert(conn, &row)?;
        let mut tag_ids = Vec::new();
        for name in &article.tags {
            let name = nfc(name);
            tag_ids.extend(tags::ensure(conn, &slugify(&name, "tag"), &name, now)?);
        }
        articles::link(conn, Relation::Tags, id, &tag_ids)?;
        let ids =
            |map: &HashMap<String, i64>, what, slugs: &[String]| -> Result<Vec<i64>, SeedError> {
                slugs.iter().map(|s| lookup(map, what, s)).collect()
            };
        articles::link(
            conn,
            Relation::Events,
            id,
            &ids(&evts, "event", &article.events)?,
        )?;
        articles::link(
            conn,
            Relation::People,
            id,
            &ids(&persons, "person", &article.people)?,
        )?;
        articles::link(
            conn,
            Relation::Organizations,
            id,
            &ids(&orgs, "organization", &article.organizations)?,
        )?;
    }

    Ok(SeedOutcome::Loaded {
        articles: file.articles.len(),
        events: file.events.len(),
        people: file.people.len(),
        organizations: file.organizations.len(),
    })
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
        } => Block::Image {
            src: src.clone(),
            caption: caption.as_deref().map(nfc),
            credit: credit.as_deref().map(nfc),
            alt: alt.as_deref().map(nfc),
        },
        Block::Quote { text, attribution } => Block::Quote {
            text: nfc(text),
            attribution: attribution.as_deref().map(nfc),
        },
    }
}
