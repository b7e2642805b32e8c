-- Search (decision 0013): one row per searchable item, its words tokenized and folded in Rust
-- and only split on spaces here (the `simple` configuration, no stemming, no stop words). The
-- GIN index finds candidates; ranking reads the exact words back.
CREATE TABLE search_index (
    kind SMALLINT NOT NULL, -- 0 article, 1 event, 2 person, 3 organization
    item_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    lead TEXT NOT NULL,
    body TEXT NOT NULL,
    title_exact TEXT NOT NULL,
    lead_exact TEXT NOT NULL,
    body_exact TEXT NOT NULL,
    words tsvector NOT NULL GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', lead), 'B')
        || setweight(to_tsvector('simple', body), 'D')
    ) STORED,
    PRIMARY KEY (kind, item_id)
);
CREATE INDEX search_index_words_idx ON search_index USING GIN (words);

-- One-time steps that fill derived data for rows written before the code that keeps it
-- (tracked like migrations: done once, then start-up only reads this table).
CREATE TABLE maintenance_steps (
    name TEXT PRIMARY KEY,
    done_at TIMESTAMP NOT NULL
);
