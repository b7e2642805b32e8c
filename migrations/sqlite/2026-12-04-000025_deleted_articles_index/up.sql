-- Search counts the public articles matching a common phrase as every match less the hidden
-- ones that match (db::search::count_public_articles), when fewer are hidden than match. Hidden
-- includes deleted articles, whose index row a script writing behind the API's back may have
-- left: this index lists them, and only them. SQLite only: PostgreSQL counts by lookups.
CREATE INDEX articles_deleted_idx ON articles(id) WHERE deleted_at IS NOT NULL;
