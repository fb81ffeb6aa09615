-- Number the articles whose terms are missing or stale, in storage order (about the
-- order they were stored): never indexed, changed since they were indexed, or indexed
-- with another segmenter/dictionary ($version). The indexer then reads them in batches
-- of consecutive numbers, by row id.
CREATE OR REPLACE TEMP TABLE index_todo AS
SELECT row_number() OVER (ORDER BY a.rowid) AS n, a.rowid AS row
FROM articles AS a LEFT JOIN term_docs AS d USING (article_id)
WHERE d.article_id IS NULL OR d.index_version <> $version
   OR d.content_hash IS DISTINCT FROM a.content_hash;
