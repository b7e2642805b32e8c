DROP TABLE article_translations;
