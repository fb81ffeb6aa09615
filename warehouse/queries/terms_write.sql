-- Write a segmented batch: `batch_vocab` (code, term), `batch_rows` (idx, code, count,
-- in_title) and `batch_docs` (idx, doc, article_id, site, day, ...) are the indexer's
-- arrays. New terms get the next ids (no sequences in DuckLake: the one writer counts on
-- from the largest); then the article rows and the docs.
INSERT INTO term_ids
SELECT (SELECT coalesce(max(term_id), 0) FROM term_ids) + row_number() OVER (ORDER BY code),
       term
FROM batch_vocab AS b
WHERE NOT EXISTS (SELECT 1 FROM term_ids AS v WHERE v.term = b.term);

INSERT INTO term_rows
SELECT d.doc, v.term_id, r.count, r.in_title, d.day
FROM batch_rows AS r
JOIN batch_docs AS d USING (idx)
JOIN batch_vocab AS b USING (code)
JOIN term_ids AS v USING (term);

INSERT INTO term_docs (doc, article_id, site, day, content_hash, index_version, terms,
                       simhash, cluster, indexed_at, length, source)
SELECT doc, article_id, site, day, content_hash, index_version, terms, simhash, cluster,
       indexed_at, length, source
FROM batch_docs;
