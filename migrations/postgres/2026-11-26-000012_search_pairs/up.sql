-- Search pairs (decision 0013): adjacent word pairs (`_an_ninh`) as a tsvector written by Rust,
-- so that a phrase of common syllables reads the short list of its pairs. The one-time step
-- `search-index-3` (db::search::backfill) fills it for existing rows.
ALTER TABLE search_index ADD COLUMN pairs tsvector NOT NULL DEFAULT ''::tsvector;
CREATE INDEX search_index_pairs_idx ON search_index USING GIN (pairs);
-- Emptied: the fill adds every missing row (rows present are a write's, always current).
TRUNCATE search_index;

-- Every folded word the index has held, so that a one-word prefix (`mạng` typed as `mang`)
-- becomes the few words it begins. Words are never removed; a stale one matches nothing.
CREATE TABLE search_terms (term TEXT COLLATE "C" PRIMARY KEY); -- byte order: a prefix is one range
