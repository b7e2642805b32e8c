DROP INDEX articles_listed_idx;
