-- Related articles an editor pins (issue 13): shown first by /related, in this order.
CREATE TABLE article_related (
    article_id BIGINT NOT NULL REFERENCES articles(id),
    related_id BIGINT NOT NULL REFERENCES articles(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, related_id)
);
