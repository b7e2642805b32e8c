-- Every content change, in commit order and without gaps: a write takes the next number from
-- change_log_head inside its own transaction, so the row lock (PostgreSQL) or the write lock
-- (SQLite) hands out numbers in commit order, and a rolled-back write gives its number back.
-- Readers page by `seq`; caches invalidate from it; the change feed will serve it.
CREATE TABLE change_log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO change_log_head (id, seq) VALUES (1, 0);

CREATE TABLE change_log (
    seq BIGINT PRIMARY KEY,
    resource TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    slug TEXT NOT NULL,
    action TEXT NOT NULL,
    version INTEGER NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX change_log_item_idx ON change_log(resource, item_id);
