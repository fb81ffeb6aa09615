-- `newsvault search`: the found articles per site, per month (Beijing) and per 来源 (the
-- $facet_limit largest).
SELECT 'site' AS facet, site AS value, count(*) AS n FROM search_found GROUP BY site
UNION ALL
SELECT 'month', strftime(day, '%Y-%m'), count(*) FROM search_found
WHERE day IS NOT NULL GROUP BY 2
UNION ALL
SELECT 'source', source, n FROM (
    SELECT source, count(*) AS n FROM search_found WHERE source IS NOT NULL
    GROUP BY source ORDER BY n DESC, source LIMIT $facet_limit
);
