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
