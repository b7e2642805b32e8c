-- Keys the service signs with (cursors), shared by every instance on this database: the first
-- instance to start makes one, the others read it, so a cursor from one is good on all.
CREATE TABLE service_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
