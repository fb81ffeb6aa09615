-- Give the batch's new terms the next integers of the vocabulary (no sequences in
-- DuckLake: the one writer under the run lock counts on from the largest id).
INSERT INTO term_ids
SELECT (SELECT coalesce(max(term_id), 0) FROM term_ids) + row_number() OVER (ORDER BY term),
       term
FROM (SELECT DISTINCT term FROM batch_terms) AS b
WHERE NOT EXISTS (SELECT 1 FROM term_ids AS v WHERE v.term = b.term);
