-- Editorial writes: API tokens (only a hash of the secret is kept), slug history for 301s, and
-- article revisions.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);

-- Old slugs keep answering 301 and stay taken.
CREATE TABLE slug_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource TEXT NOT NULL,
    slug TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (resource, slug)
);

CREATE TABLE article_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT NOT NULL REFERENCES articles(id),
    version INTEGER NOT NULL,
    token_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    snapshot TEXT NOT NULL,
    UNIQUE (article_id, version)
);

-- Tags become editable: a version for If-Match, and soft deletion.
ALTER TABLE tags ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tags ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE tags ADD COLUMN deleted_at TIMESTAMP;
UPDATE tags SET updated_at = created_at;
