-- `newsvault serve`, home page: the newest articles of each site (no bodies).
SELECT article_id, site, kind, title, source, published_at, status
FROM (
    SELECT article_id, site, kind, title, source, published_at, status,
           row_number() OVER (PARTITION BY site
                              ORDER BY published_at DESC NULLS LAST, article_id) AS n
    FROM articles
)
WHERE n <= $per_site
ORDER BY site, n;
