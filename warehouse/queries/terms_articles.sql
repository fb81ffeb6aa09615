-- What the indexer reads of the articles to index (`batch_ids`: their ids).
SELECT a.article_id, a.site, CAST(timezone('Asia/Shanghai', a.published_at) AS DATE) AS day,
       a.title, a.body, a.content_hash
FROM articles AS a JOIN batch_ids USING (article_id);
