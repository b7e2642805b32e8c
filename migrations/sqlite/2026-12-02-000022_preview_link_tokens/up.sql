-- Hardening, third round: a preview link remembers the token that made it, so that revoking
-- the token revokes its links. Links made before this have none and live until they expire.
ALTER TABLE preview_links ADD COLUMN token_id BIGINT REFERENCES api_tokens(id);
CREATE INDEX preview_links_token_idx ON preview_links(token_id) WHERE token_id IS NOT NULL;
