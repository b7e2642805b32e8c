-- Stored public representations (decision 0020): an item's public JSON kept when it is first
-- rendered, so a cold read is one lookup instead of a dozen queries. Derived data: a change to
-- anything a representation shows deletes it in the change's own transaction (through
-- `rendition_keys`), and the next read or the background fill renders it again.
CREATE TABLE renditions (
    resource TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    -- `item` (the item's own URL) or `summary` (a list's entry).
    form TEXT NOT NULL,
    -- A language tag, or '' for the item's own language: room for one per edition.
    language TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    -- Where `"view_count":N,` goes in `body` (a byte offset), added at read time; NULL: nowhere.
    view_count_at INTEGER,
    -- The item keys it shows, space-separated (`Surrogate-Key`).
    shown TEXT NOT NULL,
    -- A scheduled publication it leaves out until then: it is not used from that moment.
    valid_until TIMESTAMP,
    rendered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (resource, item_id, form, language)
);

-- What each representation depends on: every item key it read, shown or not.
CREATE TABLE rendition_keys (
    key TEXT NOT NULL,
    resource TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    PRIMARY KEY (key, resource, item_id)
);
CREATE INDEX rendition_keys_item_idx ON rendition_keys(resource, item_id);
