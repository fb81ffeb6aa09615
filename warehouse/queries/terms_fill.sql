-- Fill what migration 0012 added to the articles indexed before it: the length (terms
-- with repeats, summed from their term_rows) and the 来源 (from articles). Run by
-- `newsvault terms` after indexing; a no-op once every row has its length.
UPDATE term_docs AS d
SET length = f.length, source = f.source
FROM (
    SELECT n.doc, coalesce(l.length, 0) AS length, a.source
    FROM (SELECT doc, article_id FROM term_docs WHERE length IS NULL) AS n
    LEFT JOIN (SELECT doc, sum(count)::INTEGER AS length
               FROM term_rows
               WHERE doc IN (SELECT doc FROM term_docs WHERE length IS NULL)
               GROUP BY doc) AS l USING (doc)
    LEFT JOIN articles AS a USING (article_id)
) AS f
WHERE d.doc = f.doc;
