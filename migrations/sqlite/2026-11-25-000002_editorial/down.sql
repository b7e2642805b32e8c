DROP TABLE IF EXISTS article_revisions;
DROP TABLE IF EXISTS slug_history;
DROP TABLE IF EXISTS api_tokens;
