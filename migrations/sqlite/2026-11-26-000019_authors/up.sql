-- Authors (issue 13): the newsroom's reporters, with a bio, an avatar from the media library and
-- links; articles name theirs in order. The free-text byline stays for agency copy ("TTXVN").
CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    bio TEXT,
    avatar_id BIGINT REFERENCES media(id),
    -- JSON: [{"label": ..., "url": ...}]
    links TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

CREATE TABLE article_authors (
    article_id BIGINT NOT NULL REFERENCES articles(id),
    author_id BIGINT NOT NULL REFERENCES authors(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author_idx ON article_authors(author_id, article_id);
