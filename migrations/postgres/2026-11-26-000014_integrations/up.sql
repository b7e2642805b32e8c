-- The change feed and webhooks (issue 12, decision 0016).
--
-- `public_action` is the change as the public saw it: `created` when the item became visible
-- (an article published, or its scheduled moment came), `updated` while it stays visible,
-- `deleted` when it stopped being visible (deleted, unpublished); NULL when it was invisible
-- before and after (a draft's edits). `event` is the webhook event the change fires, if any.
ALTER TABLE change_log ADD COLUMN public_action TEXT;
ALTER TABLE change_log ADD COLUMN event TEXT;
-- Changes logged before this migration: everything but articles was public; an article counts as
-- public when it is out now (a draft's old slugs never reach the public feed).
UPDATE change_log SET public_action = action WHERE resource <> 'articles';
UPDATE change_log SET public_action = action
 WHERE resource = 'articles'
   AND item_id IN (SELECT id FROM articles
                    WHERE status IN ('published', 'archived') AND published_at <= (now() AT TIME ZONE 'UTC'));
CREATE INDEX change_log_public_idx ON change_log(seq) WHERE public_action IS NOT NULL;

-- Scheduled publications whose moment is at or before this time are in the log.
ALTER TABLE change_log_head ADD COLUMN published_through TIMESTAMP;
UPDATE change_log_head SET published_through = (now() AT TIME ZONE 'UTC');

CREATE TABLE webhooks (
    id BIGSERIAL PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The subscribed events, each between commas: `,article.published,media.created,`.
    events TEXT NOT NULL,
    -- base64 of the signing key; shown once, as `whsec_<secret>`.
    secret TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP,
    disabled_reason TEXT,
    deleted_at TIMESTAMP
);

-- The outbox: one row per (webhook, change) written in the change's own transaction.
CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks(id),
    seq BIGINT NOT NULL REFERENCES change_log(seq),
    event TEXT NOT NULL,
    -- pending, delivered, failed
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    -- When it is due; a worker that takes it moves this past its lease, so a delivery whose
    -- worker died is due again when the lease ends.
    next_attempt_at TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    last_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_of_idx ON webhook_deliveries(webhook_id, id);

CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id),
    at TIMESTAMP NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_of_idx ON webhook_attempts(delivery_id, id);
