-- Ids named by archived lists (or refused) that the URL indexes did not list: to be
-- looked up one by one, once.
SELECT b.article_id, b.site, b.kind, b.url, b.published_at
FROM backfill_ids AS b
WHERE NOT b.looked_up AND list_contains($sites, b.site) AND b.article_id > $after
  AND b.article_id NOT IN (SELECT article_id FROM backfill_index WHERE article_id IS NOT NULL)
  AND ($refresh OR b.article_id NOT IN (SELECT article_id FROM articles
                                        WHERE coalesce(status, 'ok') <> 'feed'))
ORDER BY b.article_id
LIMIT $chunk;
