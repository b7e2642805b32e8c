DROP INDEX preview_links_token_idx;
ALTER TABLE preview_links DROP COLUMN token_id;
