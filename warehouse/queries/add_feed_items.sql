-- Feed items with their full text, once per article.
INSERT INTO feed_items (article_id, site, list_name, url, title, published_at, content,
                        capture_id, seen_at)
SELECT DISTINCT ON (article_id) article_id, site, list_name, url, title, listed_at, content,
       capture_id, $now
FROM staged_feed
WHERE article_id NOT IN (SELECT article_id FROM feed_items);
