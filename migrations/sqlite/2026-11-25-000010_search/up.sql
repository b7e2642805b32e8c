-- Search (decision 0013): one row per searchable item, its words tokenized and folded in Rust.
-- The columns FTS5 indexes hold folded words (what matches); the unindexed ones the exact words
-- (what ranks). rowid = kind × 2^40 + item id (kind 0 article, 1 event, 2 person, 3
-- organization): a write replaces its item's row by key, and each kind is one rowid range.
CREATE VIRTUAL TABLE search_index USING fts5(
    title, lead, body,
    title_exact UNINDEXED, lead_exact UNINDEXED, body_exact UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- One-time steps that fill derived data for rows written before the code that keeps it
-- (tracked like migrations: done once, then start-up only reads this table).
CREATE TABLE maintenance_steps (
    name TEXT PRIMARY KEY,
    done_at TIMESTAMP NOT NULL
);
