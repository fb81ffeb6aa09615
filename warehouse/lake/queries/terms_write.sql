-- Write a segmented batch as entry $entry: `batch_vocab` (code, term, term_id: ids from
-- PostgreSQL), `batch_rows` (idx, code, count, in_title), `batch_docs` (idx, doc, ...,
-- length, source).
INSERT INTO term_vocab
SELECT b.term_id, b.term FROM batch_vocab AS b
WHERE b.term_id NOT IN (SELECT term_id FROM term_vocab);

INSERT INTO term_rows
SELECT d.doc, b.term_id, r.count, r.in_title, d.day, $entry
FROM batch_rows AS r
JOIN batch_docs AS d USING (idx)
JOIN batch_vocab AS b USING (code);

INSERT INTO term_docs (doc, article_id, site, day, content_hash, index_version, terms,
                       simhash, cluster, indexed_at, entry, node, length, source)
SELECT doc, article_id, site, day, content_hash, index_version, terms, simhash, cluster,
       indexed_at, $entry, $node, length, source
FROM batch_docs;

INSERT INTO term_days
SELECT b.term_id, d.site, d.day, count(*), sum(r.count), count(*) FILTER (WHERE r.in_title),
       FALSE
FROM batch_rows AS r
JOIN batch_docs AS d USING (idx)
JOIN batch_vocab AS b USING (code)
WHERE d.day IS NOT NULL
GROUP BY ALL;
