-- `newsvault serve`, article page: the earlier states of an article, oldest first.
SELECT replaced_at, reason, replaced_by, title, body, author, source, published_at,
       extractor, extractor_version, content_hash, capture_id, fetched_at
FROM article_versions
WHERE article_id = $article_id
ORDER BY replaced_at, capture_id;
