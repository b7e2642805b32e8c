-- All-time page views kept on the article (the visit flush adds to it), so that reading an
-- article and sorting by `view_count` sum nothing per request.
ALTER TABLE articles ADD COLUMN view_count BIGINT NOT NULL DEFAULT 0;
UPDATE articles SET view_count = COALESCE(
    (SELECT SUM(visit_daily.views) FROM visit_daily WHERE visit_daily.article_id = articles.id), 0);
CREATE INDEX articles_view_count_idx ON articles(view_count, id);
