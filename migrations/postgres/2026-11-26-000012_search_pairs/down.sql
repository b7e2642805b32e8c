DROP TABLE search_terms;
DROP INDEX search_index_pairs_idx;
ALTER TABLE search_index DROP COLUMN pairs;
DELETE FROM maintenance_steps WHERE name LIKE 'search-index-%';
