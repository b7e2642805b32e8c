-- Visit counting. No IP or User-Agent is stored: only salted hashes inside dedupe keys, and the
-- salt rotates every portal-local day.
CREATE TABLE visit_salts (
    day DATE PRIMARY KEY,
    salt TEXT NOT NULL
);

-- Dedupe keys with their expiry: `view:<visitor>:<path>`, `day:<visitor>`, `seen:<visitor>`.
-- A key counts once while it lives; the unique key makes that exact across instances.
CREATE TABLE visit_keys (
    key TEXT PRIMARY KEY,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX visit_keys_expires_idx ON visit_keys(expires_at);

-- Rollups per portal-local day; article_id 0 is the whole site. Flushes add to them.
CREATE TABLE visit_daily (
    day DATE NOT NULL,
    article_id BIGINT NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    visitors BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, article_id)
);
CREATE INDEX visit_daily_article_idx ON visit_daily(article_id, day);
