DROP INDEX articles_view_count_idx;
ALTER TABLE articles DROP COLUMN view_count;
