-- Each link from an article carries the article's publish time and whether it is listed
-- (published and not deleted), so that "the latest public articles about X" is a range of one
-- index on the link table (a page is about 21 index entries and a total one range count,
-- whatever the size of the database) instead of a walk of every listed article checking
-- membership. Triggers keep the copies right, whoever writes (the service, `newsroom seed`,
-- an import, a script): a link takes them from its article when inserted, and a change to an
-- article's status, publish time or deletion rewrites its links. See docs/decisions/0010.

ALTER TABLE article_tags ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_tags ADD COLUMN listed BOOLEAN NOT NULL DEFAULT 0;
UPDATE article_tags SET
    published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_tags.article_id),
    listed = (SELECT a.status = 'published' AND a.deleted_at IS NULL FROM articles a WHERE a.id = article_tags.article_id);
CREATE INDEX article_tags_listed_idx ON article_tags(tag_id, published_at, article_id) WHERE listed;
CREATE TRIGGER article_tags_listing AFTER INSERT ON article_tags BEGIN
    UPDATE article_tags SET
        published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id),
        listed = (SELECT a.status = 'published' AND a.deleted_at IS NULL FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
END;

ALTER TABLE article_events ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_events ADD COLUMN listed BOOLEAN NOT NULL DEFAULT 0;
UPDATE article_events SET
    published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_events.article_id),
    listed = (SELECT a.status = 'published' AND a.deleted_at IS NULL FROM articles a WHERE a.id = article_events.article_id);
CREATE INDEX article_events_listed_idx ON article_events(event_id, published_at, article_id) WHERE listed;
CREATE TRIGGER article_events_listing AFTER INSERT ON article_events BEGIN
    UPDATE article_events SET
        published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id),
        listed = (SELECT a.status = 'published' AND a.deleted_at IS NULL FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND event_id = NEW.event_id;
END;

ALTER TABLE article_people ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_people ADD COLUMN listed BOOLEAN NOT NULL DEFAULT 0;
UPDATE article_people SET
    published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_people.article_id),
    listed = (SELECT a.status = 'published' AND a.deleted_at IS NULL FROM articles a WHERE a.id = article_people.article_id);
CREATE INDEX article_people_listed_idx ON article_people(person_id, published_at, article_id) WHERE listed;
CREATE TRIGGER article_people_listing AFTER INSERT ON article_people BEGIN
    UPDATE article_people SET
        published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id),
        listed = (SELECT a.status = 'published' AND a.deleted_at IS NULL FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND person_id = NEW.person_id;
END;

ALTER TABLE article_organizations ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_organizations ADD COLUMN listed BOOLEAN NOT NULL DEFAULT 0;
UPDATE article_organizations SET
    published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_organizations.article_id),
    listed = (SELECT a.status = 'published' AND a.deleted_at IS NULL FROM articles a WHERE a.id = article_organizations.article_id);
CREATE INDEX article_organizations_listed_idx ON article_organizations(organization_id, published_at, article_id) WHERE listed;
CREATE TRIGGER article_organizations_listing AFTER INSERT ON article_organizations BEGIN
    UPDATE article_organizations SET
        published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id),
        listed = (SELECT a.status = 'published' AND a.deleted_at IS NULL FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND organization_id = NEW.organization_id;
END;

CREATE TRIGGER articles_listing AFTER UPDATE OF status, published_at, deleted_at ON articles
WHEN OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at
    OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    UPDATE article_tags SET published_at = NEW.published_at,
        listed = (NEW.status = 'published' AND NEW.deleted_at IS NULL) WHERE article_id = NEW.id;
    UPDATE article_events SET published_at = NEW.published_at,
        listed = (NEW.status = 'published' AND NEW.deleted_at IS NULL) WHERE article_id = NEW.id;
    UPDATE article_people SET published_at = NEW.published_at,
        listed = (NEW.status = 'published' AND NEW.deleted_at IS NULL) WHERE article_id = NEW.id;
    UPDATE article_organizations SET published_at = NEW.published_at,
        listed = (NEW.status = 'published' AND NEW.deleted_at IS NULL) WHERE article_id = NEW.id;
END;
