-- The stored content hash of each staged article (NULL: new); after stage_current.
SELECT s.article_id, a.content_hash
FROM (SELECT DISTINCT article_id FROM staged_articles) AS s
LEFT JOIN staged_current AS a USING (article_id);
