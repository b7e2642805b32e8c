DROP INDEX articles_deleted_idx;
