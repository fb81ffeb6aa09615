-- Work waiting for a site: new items before re-fetches, oldest first, so a backlog
-- drains in order.
SELECT article_id, url, kind, list_name, title, attempts, coalesce(refetches, 0) AS refetches
FROM frontier
WHERE site = $site AND state = 'pending'
ORDER BY coalesce(refetches, 0), discovered_at, listed_at NULLS LAST, article_id
LIMIT $limit;
