-- What the sites refused: articles stored from feed text only, and listed items whose
-- page was a block or challenge page (or a 403), not stored since.
SELECT a.article_id, a.site, a.kind, a.url, a.title, a.published_at
FROM articles AS a
WHERE a.status = 'feed' AND list_contains($sites, a.site)
UNION ALL
SELECT f.article_id, f.site, f.kind, f.url, f.title, f.listed_at
FROM frontier AS f
WHERE f.state <> 'done' AND list_contains($sites, f.site)
  AND regexp_matches(lower(coalesce(f.last_error, '')),
                     'blocked|anti-bot|risk-control|challenge|captcha|refused|http-403|http 403')
  AND f.article_id NOT IN (SELECT article_id FROM articles);
