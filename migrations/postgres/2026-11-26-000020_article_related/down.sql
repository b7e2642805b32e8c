DROP TABLE article_related;
