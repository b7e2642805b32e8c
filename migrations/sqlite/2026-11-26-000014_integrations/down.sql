DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP INDEX change_log_public_idx;
ALTER TABLE change_log_head DROP COLUMN published_through;
ALTER TABLE change_log DROP COLUMN event;
ALTER TABLE change_log DROP COLUMN public_action;
