-- The public list's rows, partial on `deleted_at IS NULL`: pages and counts of the latest
-- articles read only this index (a count over a million rows no longer visits the table).
CREATE INDEX articles_listed_idx ON articles(status, published_at, id) WHERE deleted_at IS NULL;
