-- Recount the daily counts of one month ($month) from the article rows: the months a
-- bulk index marked, and those holding the crawl's deltas. One row per term, site and
-- day, sorted by term_id, so that a trend's `term_id IN (...)` reads a few row groups.
-- The month's article rows are rewritten sorted by term_id too (issue 17): a search
-- then reads a few row groups of term_rows per month instead of all of them.
DELETE FROM term_days WHERE day >= $month AND day < $month + INTERVAL 1 MONTH;

INSERT INTO term_days
SELECT r.term_id, d.site, r.day, count(*), sum(r.count), count(*) FILTER (WHERE r.in_title),
       TRUE
FROM term_rows AS r JOIN term_docs AS d USING (doc)
WHERE r.day >= $month AND r.day < $month + INTERVAL 1 MONTH
GROUP BY ALL
ORDER BY r.term_id, d.site, r.day;

CREATE OR REPLACE TEMP TABLE recount_rows AS
SELECT * FROM term_rows WHERE day >= $month AND day < $month + INTERVAL 1 MONTH;

DELETE FROM term_rows WHERE day >= $month AND day < $month + INTERVAL 1 MONTH;

INSERT INTO term_rows SELECT * FROM recount_rows ORDER BY term_id, doc;

DROP TABLE recount_rows;

DELETE FROM term_recount WHERE month = $month;
