-- Recount the daily counts of one month ($month) from the article rows: the months a
-- bulk index marked, and those holding the crawl's deltas. One row per term, site and
-- day, sorted by term_id, so that a trend's `term_id IN (...)` reads a few row groups.
DELETE FROM term_days WHERE day >= $month AND day < $month + INTERVAL 1 MONTH;

INSERT INTO term_days
SELECT r.term_id, d.site, r.day, count(*), sum(r.count), count(*) FILTER (WHERE r.in_title),
       TRUE
FROM term_rows AS r JOIN term_docs AS d USING (doc)
WHERE r.day >= $month AND r.day < $month + INTERVAL 1 MONTH
GROUP BY ALL
ORDER BY r.term_id, d.site, r.day;

DELETE FROM term_recount WHERE month = $month;
