-- The months whose daily counts need a recount: marked by a bulk index, or holding
-- deltas written by the crawl since the last recount.
SELECT DISTINCT month FROM (
    SELECT month FROM term_recount
    UNION ALL
    SELECT DISTINCT CAST(date_trunc('month', day) AS DATE) FROM term_days WHERE NOT compacted
) ORDER BY month;
