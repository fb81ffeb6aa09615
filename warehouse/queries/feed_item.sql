-- The text a feed gave for an article (the first sighting), for when its page is refused.
SELECT url, title, published_at, content, capture_id, list_name
FROM feed_items
WHERE article_id = $article_id
ORDER BY seen_at
LIMIT 1;
