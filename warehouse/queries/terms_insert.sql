-- The batch's term rows, with their vocabulary ids and their article's site and day.
INSERT INTO terms
SELECT b.article_id, b.term, b.count, b.in_title, v.term_id, d.site, d.day
FROM batch_terms AS b
JOIN term_ids AS v USING (term)
JOIN batch_docs AS d USING (article_id);
