-- Content model. Timestamps are UTC, written by the application (not by DEFAULT) so that
-- SQLite and PostgreSQL render them identically. `sort_key` is the folded name or title, compared
-- bytewise on both backends so that sorting by name gives one order everywhere.
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT,
    short_name TEXT,
    kind TEXT NOT NULL,
    country TEXT,
    parent_id BIGINT REFERENCES organizations(id),
    description TEXT,
    search_key TEXT NOT NULL DEFAULT '',
    sort_key TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX organizations_parent_idx ON organizations(parent_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    honorific TEXT,
    country TEXT,
    bio TEXT,
    search_key TEXT NOT NULL DEFAULT '',
    sort_key TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

CREATE TABLE person_aliases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    kind TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX person_aliases_person_idx ON person_aliases(person_id);

CREATE TABLE positions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    organization_id BIGINT REFERENCES organizations(id),
    title TEXT NOT NULL,
    title_en TEXT,
    starts_on DATE,
    ends_on DATE,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX positions_person_idx ON positions(person_id);
CREATE INDEX positions_organization_idx ON positions(organization_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT,
    short_name TEXT,
    edition INTEGER,
    theme TEXT,
    description TEXT,
    starts_on DATE,
    ends_on DATE,
    date_precision TEXT NOT NULL DEFAULT 'day',
    city TEXT,
    country TEXT,
    parent_id BIGINT REFERENCES events(id),
    search_key TEXT NOT NULL DEFAULT '',
    sort_key TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX events_parent_idx ON events(parent_id);
CREATE INDEX events_starts_on_idx ON events(starts_on);

CREATE TABLE event_organizers (
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, organization_id)
);

CREATE TABLE event_participants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    role TEXT,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX event_participants_event_idx ON event_participants(event_id);
CREATE INDEX event_participants_person_idx ON event_participants(person_id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    lead TEXT,
    body TEXT NOT NULL DEFAULT '[]',
    source_id BIGINT REFERENCES organizations(id),
    byline TEXT,
    language TEXT NOT NULL DEFAULT 'vi',
    status TEXT NOT NULL DEFAULT 'draft',
    published_at TIMESTAMP,
    notes TEXT,
    search_key TEXT NOT NULL DEFAULT '',
    sort_key TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX articles_visible_idx ON articles(status, published_at);
CREATE INDEX articles_updated_idx ON articles(updated_at);
CREATE INDEX articles_source_idx ON articles(source_id);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags(id),
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag_idx ON article_tags(tag_id);

CREATE TABLE article_events (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL REFERENCES events(id),
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, event_id)
);
CREATE INDEX article_events_event_idx ON article_events(event_id);

CREATE TABLE article_people (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, person_id)
);
CREATE INDEX article_people_person_idx ON article_people(person_id);

CREATE TABLE article_organizations (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, organization_id)
);
CREATE INDEX article_organizations_organization_idx ON article_organizations(organization_id);
