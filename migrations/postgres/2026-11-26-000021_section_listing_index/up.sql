-- The newest public articles of a section (related articles' section signal).
CREATE INDEX articles_section_published_idx ON articles(section_id, published_at) WHERE deleted_at IS NULL AND status = 'published';
