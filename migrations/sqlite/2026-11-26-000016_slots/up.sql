-- Curated slots (issue 13): named, ordered placements of articles (home-top, home-featured),
-- each with an optional window. A slot is created by its first PUT; never set, it reads as an
-- empty list at version 0.
CREATE TABLE slots (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE slot_items (
    slot_id BIGINT NOT NULL REFERENCES slots(id),
    position INTEGER NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles(id),
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    PRIMARY KEY (slot_id, position)
);
CREATE INDEX slot_items_article_idx ON slot_items(article_id);
