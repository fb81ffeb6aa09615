-- Take back what re-indexed articles (`batch_old`: doc, site, day as indexed) counted:
-- with $deltas, negative rows in term_days (else their months are marked for a
-- recount); then their term_rows and term_docs rows. $lo..$hi bound their days so the
-- deletes skip the row groups of other days (NULL: some had no day).
INSERT INTO term_days
SELECT r.term_id, o.site, r.day, -count(*), -sum(r.count), -count(*) FILTER (WHERE r.in_title),
       FALSE
FROM term_rows AS r JOIN batch_old AS o USING (doc)
WHERE $deltas AND r.day IS NOT NULL AND ($lo IS NULL OR r.day BETWEEN $lo AND $hi)
GROUP BY ALL;

INSERT INTO term_recount
SELECT DISTINCT CAST(date_trunc('month', day) AS DATE) FROM batch_old
WHERE NOT $deltas AND day IS NOT NULL;

DELETE FROM term_rows
WHERE doc IN (SELECT doc FROM batch_old) AND ($lo IS NULL OR day BETWEEN $lo AND $hi);

DELETE FROM term_docs
WHERE doc IN (SELECT doc FROM batch_old) AND ($lo IS NULL OR day BETWEEN $lo AND $hi);
