-- Take back what re-indexed articles' current entries (`batch_old`: doc, entry, site)
-- counted: negative term_days deltas.  Their rows stay; the new entry replaces them in
-- the views.
INSERT INTO term_days
SELECT r.term_id, o.site, r.day, -count(*), -sum(r.count), -count(*) FILTER (WHERE r.in_title),
       FALSE
FROM term_rows AS r JOIN batch_old AS o USING (doc, entry)
WHERE r.day IS NOT NULL
GROUP BY ALL;
