DROP TABLE relink_jobs; DROP TABLE article_mention_exclusions; DROP TABLE article_mentions;
