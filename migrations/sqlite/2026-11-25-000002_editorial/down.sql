ALTER TABLE tags DROP COLUMN deleted_at;
ALTER TABLE tags DROP COLUMN updated_at;
ALTER TABLE tags DROP COLUMN version;
DROP TABLE IF EXISTS article_revisions;
DROP TABLE IF EXISTS slug_history;
DROP TABLE IF EXISTS api_tokens;
