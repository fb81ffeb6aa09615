-- How many article ids a backfill run has to read (for the progress bar): ids with an
-- index row not read yet, not stored (unless $refresh).
SELECT count(DISTINCT i.article_id)
FROM backfill_index AS i
WHERE i.article_id IS NOT NULL
  AND list_contains($sites, i.site) AND list_contains($archives, i.archive)
  AND ($refresh OR i.article_id NOT IN (SELECT article_id FROM articles
                                        WHERE coalesce(status, 'ok') <> 'feed'))
  AND ($refresh OR i.via NOT IN (SELECT via FROM captures
                                 WHERE purpose = 'backfill' AND via IS NOT NULL
                                   AND (error IS NULL OR error LIKE 'refused-%')))
  AND (NOT $refused OR i.article_id IN (
        SELECT article_id FROM articles WHERE status = 'feed'
        UNION
        SELECT article_id FROM frontier
        WHERE state <> 'done'
          AND regexp_matches(lower(coalesce(last_error, '')),
                             'blocked|anti-bot|risk-control|challenge|captcha|refused|http-403|http 403')));
