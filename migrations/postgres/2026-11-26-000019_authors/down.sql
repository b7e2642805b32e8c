DROP TABLE article_authors;
DROP TABLE authors;
