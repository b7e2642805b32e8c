DROP TABLE search_terms;
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5(
    title, lead, body,
    title_exact UNINDEXED, lead_exact UNINDEXED, body_exact UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);
DELETE FROM maintenance_steps WHERE name LIKE 'search-index-%';
