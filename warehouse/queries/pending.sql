-- Work waiting for a site: oldest first, so a backlog drains in order.
SELECT article_id, url, kind, list_name, title, attempts
FROM frontier
WHERE site = $site AND state = 'pending'
ORDER BY discovered_at, listed_at NULLS LAST, article_id
LIMIT $limit;
