-- The current state of each staged article (NULL columns: not stored yet).
SELECT s.article_id, a.content_hash
FROM (SELECT DISTINCT article_id FROM staged_articles) AS s
LEFT JOIN articles AS a USING (article_id);
