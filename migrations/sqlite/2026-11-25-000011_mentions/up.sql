-- Mention linking (decision 0014). What an article's text names, found by the service: derived
-- data, rewritten whenever the article or a name changes, never versioned.
CREATE TABLE article_mentions (
    article_id BIGINT NOT NULL REFERENCES articles(id),
    kind SMALLINT NOT NULL, -- 1 event, 2 person, 3 organization (as the search index)
    item_id BIGINT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (article_id, kind, item_id)
);
CREATE INDEX article_mentions_item_idx ON article_mentions(kind, item_id, article_id);

-- What an editor said an article does not mention (content: versioned with the article).
CREATE TABLE article_mention_exclusions (
    article_id BIGINT NOT NULL REFERENCES articles(id),
    kind SMALLINT NOT NULL,
    item_id BIGINT NOT NULL,
    PRIMARY KEY (article_id, kind, item_id)
);

-- Names changed since the articles were last scanned: each row asks for a relink, taken by a
-- background task after the write commits, and kept until the relink is done (so it resumes
-- after a restart).
CREATE TABLE relink_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
