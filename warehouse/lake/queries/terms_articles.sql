-- What the indexer reads of these articles ($ids), in the order they were first stored.
SELECT article_id, site, CAST(timezone('Asia/Shanghai', published_at) AS DATE) AS day,
       title, body, content_hash, source
FROM articles
WHERE article_id IN (SELECT unnest($ids::VARCHAR[]))
ORDER BY first_seen_at, article_id;
