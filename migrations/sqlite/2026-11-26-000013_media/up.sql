-- The media library (decision 0015): one row per uploaded file (by the SHA-256 of its bytes),
-- its variants made once by a worker that holds `claimed_until` while it makes them.
CREATE TABLE media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    -- The stem of every file name: keyed by the service, so names are unguessable.
    name TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    has_alpha BOOLEAN NOT NULL,
    alt TEXT,
    caption TEXT,
    credit TEXT,
    search_key TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL,
    blurhash TEXT NOT NULL,
    variants_done_at TIMESTAMP,
    claimed_until TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    purged_at TIMESTAMP
);
-- The same bytes are one item, unless a purge took the first away.
CREATE UNIQUE INDEX media_sha256_idx ON media (sha256) WHERE purged_at IS NULL;
CREATE INDEX media_created_idx ON media (created_at, id);
CREATE INDEX media_pending_idx ON media (id) WHERE variants_done_at IS NULL AND purged_at IS NULL;

-- Who purged what and when (a legal takedown leaves this record, not the files).
CREATE TABLE media_purges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    media_id BIGINT NOT NULL REFERENCES media (id),
    sha256 TEXT NOT NULL,
    token_id BIGINT NOT NULL,
    token_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    purged_at TIMESTAMP NOT NULL
);

-- Which articles' bodies name which media items (kept by every article write).
CREATE TABLE article_media (
    article_id BIGINT NOT NULL REFERENCES articles (id),
    media_id BIGINT NOT NULL REFERENCES media (id),
    PRIMARY KEY (article_id, media_id)
);
CREATE INDEX article_media_media_idx ON article_media (media_id);
