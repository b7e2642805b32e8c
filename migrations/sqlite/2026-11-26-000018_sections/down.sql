DROP TABLE article_sections;
DROP INDEX articles_section_idx;
ALTER TABLE articles DROP COLUMN section_id;
DROP TABLE sections;
