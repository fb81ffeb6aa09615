-- Stored content hashes of the staged articles (NULL: new).
SELECT s.article_id, a.content_hash
FROM staged_articles s LEFT JOIN articles a USING (article_id);
