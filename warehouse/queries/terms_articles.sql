-- The articles to index by id ($ids): what the indexer reads of each.
SELECT article_id, site, CAST(timezone('Asia/Shanghai', published_at) AS DATE) AS day,
       title, body, content_hash
FROM articles WHERE article_id IN (SELECT unnest($ids::VARCHAR[]));
