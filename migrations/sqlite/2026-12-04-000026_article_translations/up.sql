-- Translations of an article (issue 25): the articles of one group tell the same story, one per
-- language. `group_id` is the id of the article the group started from (kept when that article
-- is deleted: the others stay together); every member has a row, that one included. The
-- unique index makes a second article in one language of a group fail, also when two are
-- created at once.
CREATE TABLE article_translations (
    article_id BIGINT NOT NULL PRIMARY KEY REFERENCES articles(id),
    group_id BIGINT NOT NULL,
    language TEXT NOT NULL
);
CREATE UNIQUE INDEX article_translations_language_idx ON article_translations (group_id, language);
