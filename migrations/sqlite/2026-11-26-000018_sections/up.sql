-- Sections (issue 13): the portal's menu, a tree. An article has one primary section
-- (articles.section_id) and may have more (article_sections).
CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    parent_id BIGINT REFERENCES sections(id),
    position INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX sections_parent_idx ON sections(parent_id, position);

ALTER TABLE articles ADD COLUMN section_id BIGINT REFERENCES sections(id);
CREATE INDEX articles_section_idx ON articles(section_id);

CREATE TABLE article_sections (
    article_id BIGINT NOT NULL REFERENCES articles(id),
    section_id BIGINT NOT NULL REFERENCES sections(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, section_id)
);
CREATE INDEX article_sections_section_idx ON article_sections(section_id, article_id);
