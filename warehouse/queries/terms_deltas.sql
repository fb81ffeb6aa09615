-- The batch's own additions to the daily counts (the crawl's small batches; a bulk
-- index marks months for a recount instead, see terms_mark.sql).
INSERT INTO term_days
SELECT v.term_id, d.site, d.day, count(*), sum(r.count), count(*) FILTER (WHERE r.in_title),
       FALSE
FROM batch_rows AS r
JOIN batch_docs AS d USING (idx)
JOIN batch_vocab AS b USING (code)
JOIN term_ids AS v USING (term)
WHERE d.day IS NOT NULL
GROUP BY ALL;
