DROP TABLE article_media;
DROP TABLE media_purges;
DROP TABLE media;
