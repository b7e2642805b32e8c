-- Shareable previews (issue 13): a signed, expiring link that shows one article as it is now,
-- draft or scheduled, without a token. The row lets a link be listed and revoked.
CREATE TABLE preview_links (
    id INTEGER PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles(id),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX preview_links_article_idx ON preview_links(article_id, id);
