-- The next window of article ids with index rows (after $after, in id order): the
-- captures of these ids are then chosen by backfill_next, so no query holds them all.
-- Left out early: ids stored already (unless $refresh; articles stored from feed text
-- only are never "stored") and, with $refused, ids the sites did not refuse.
SELECT DISTINCT i.article_id
FROM backfill_index AS i
WHERE i.article_id IS NOT NULL AND i.article_id > $after
  AND list_contains($sites, i.site) AND list_contains($archives, i.archive)
  AND ($refresh OR i.article_id NOT IN (SELECT article_id FROM articles
                                        WHERE coalesce(status, 'ok') <> 'feed'))
  AND (NOT $refused OR i.article_id IN (
        SELECT article_id FROM articles WHERE status = 'feed'
        UNION
        SELECT article_id FROM frontier
        WHERE state <> 'done'
          AND regexp_matches(lower(coalesce(last_error, '')),
                             'blocked|anti-bot|risk-control|challenge|captcha|refused|http-403|http 403')))
ORDER BY i.article_id
LIMIT $chunk;
