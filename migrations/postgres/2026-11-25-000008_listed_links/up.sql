-- Each link from an article carries the article's publish time and whether it is listed
-- (published and not deleted), so that "the latest public articles about X" is a range of one
-- index on the link table (a page is about 21 index entries and a total one range count,
-- whatever the size of the database) instead of a walk of every listed article checking
-- membership. Triggers keep the copies right, whoever writes (the service, `newsroom seed`,
-- an import, a script): a link takes them from its article when inserted, and a change to an
-- article's status, publish time or deletion rewrites its links. See docs/decisions/0010.

CREATE FUNCTION article_link_listing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.published_at, (a.status = 'published' AND a.deleted_at IS NULL)
        INTO NEW.published_at, NEW.listed FROM articles a WHERE a.id = NEW.article_id;
    RETURN NEW;
END $$;

ALTER TABLE article_tags ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_tags ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE article_tags l SET published_at = a.published_at, listed = (a.status = 'published' AND a.deleted_at IS NULL)
    FROM articles a WHERE a.id = l.article_id;
CREATE INDEX article_tags_listed_idx ON article_tags(tag_id, published_at, article_id) WHERE listed;
CREATE TRIGGER article_tags_listing BEFORE INSERT ON article_tags FOR EACH ROW EXECUTE FUNCTION article_link_listing();

ALTER TABLE article_events ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_events ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE article_events l SET published_at = a.published_at, listed = (a.status = 'published' AND a.deleted_at IS NULL)
    FROM articles a WHERE a.id = l.article_id;
CREATE INDEX article_events_listed_idx ON article_events(event_id, published_at, article_id) WHERE listed;
CREATE TRIGGER article_events_listing BEFORE INSERT ON article_events FOR EACH ROW EXECUTE FUNCTION article_link_listing();

ALTER TABLE article_people ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_people ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE article_people l SET published_at = a.published_at, listed = (a.status = 'published' AND a.deleted_at IS NULL)
    FROM articles a WHERE a.id = l.article_id;
CREATE INDEX article_people_listed_idx ON article_people(person_id, published_at, article_id) WHERE listed;
CREATE TRIGGER article_people_listing BEFORE INSERT ON article_people FOR EACH ROW EXECUTE FUNCTION article_link_listing();

ALTER TABLE article_organizations ADD COLUMN published_at TIMESTAMP;
ALTER TABLE article_organizations ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE article_organizations l SET published_at = a.published_at, listed = (a.status = 'published' AND a.deleted_at IS NULL)
    FROM articles a WHERE a.id = l.article_id;
CREATE INDEX article_organizations_listed_idx ON article_organizations(organization_id, published_at, article_id) WHERE listed;
CREATE TRIGGER article_organizations_listing BEFORE INSERT ON article_organizations FOR EACH ROW EXECUTE FUNCTION article_link_listing();

CREATE FUNCTION article_listing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET published_at = NEW.published_at,
        listed = (NEW.status = 'published' AND NEW.deleted_at IS NULL) WHERE article_id = NEW.id;
    UPDATE article_events SET published_at = NEW.published_at,
        listed = (NEW.status = 'published' AND NEW.deleted_at IS NULL) WHERE article_id = NEW.id;
    UPDATE article_people SET published_at = NEW.published_at,
        listed = (NEW.status = 'published' AND NEW.deleted_at IS NULL) WHERE article_id = NEW.id;
    UPDATE article_organizations SET published_at = NEW.published_at,
        listed = (NEW.status = 'published' AND NEW.deleted_at IS NULL) WHERE article_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_listing AFTER UPDATE OF status, published_at, deleted_at ON articles
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.published_at IS DISTINCT FROM NEW.published_at
        OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION article_listing_changed();
