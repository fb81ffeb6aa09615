-- Coverage per site and period: every id seen on a list, in an archive or a backfill
-- (frontier and articles), by its publish time in Beijing time (the article's, else the
-- one its list showed); what became of it. $by: day | week | month.
WITH ids AS (
    SELECT article_id, site FROM frontier
    UNION
    SELECT article_id, site FROM articles
),
items AS (
    SELECT i.site,
           coalesce(a.published_at, f.listed_at) AS published,
           a.article_id IS NOT NULL AS stored,
           coalesce(a.status = 'feed', false) AS feed_only,
           f.state,
           coalesce(f.last_error = 'blocked' OR regexp_matches(f.last_error,
               '(?i)blocked|refused|challenge|anti-bot|risk-control|captcha|http-403|HTTP 403'),
               false) AS blocked
    FROM ids i
    LEFT JOIN (SELECT DISTINCT ON (article_id) * FROM articles) a USING (article_id)
    LEFT JOIN (SELECT DISTINCT ON (article_id) * FROM frontier) f USING (article_id)
)
SELECT site,
       CAST(date_trunc($by, timezone('Asia/Shanghai', published)) AS DATE) AS period,
       count(*) AS seen,
       count(*) FILTER (WHERE stored) AS stored,
       count(*) FILTER (WHERE feed_only) AS feed_only,
       count(*) FILTER (WHERE NOT stored AND blocked) AS blocked,
       count(*) FILTER (WHERE NOT stored AND NOT blocked AND state = 'failed') AS failed,
       count(*) FILTER (WHERE NOT stored AND state = 'skipped') AS skipped,
       count(*) FILTER (WHERE NOT stored AND state = 'pending' AND NOT blocked) AS pending,
       count(*) FILTER (WHERE NOT stored) AS missing
FROM items
WHERE ($site IS NULL OR site = $site)
  AND ($since IS NULL OR published >= $since)
  AND ($until IS NULL OR published < $until)
GROUP BY ALL
ORDER BY site, period NULLS LAST;
