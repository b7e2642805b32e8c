-- Search pairs (decision 0013): the index gains a column of adjacent word pairs (`_an_ninh`), so
-- that a phrase of common syllables reads the short list of its pairs. `_` joins a pair and is
-- never inside a word. FTS5 tables cannot gain a column: the table is made again, empty, and
-- the one-time step `search-index-3` (db::search::backfill) fills it.
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5(
    title, lead, body,
    title_exact UNINDEXED, lead_exact UNINDEXED, body_exact UNINDEXED,
    pairs,
    tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);

-- Every folded word the index has held, so that a one-word prefix (`mạng` typed as `mang`)
-- becomes the few words it begins, matched as words: FTS5 would gather every list of a
-- prefix whole before the LIMIT applies. Words are never removed; a stale one matches nothing.
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
