-- Number the articles whose terms are missing or stale, oldest first: never indexed,
-- changed since they were indexed, or indexed with another segmenter/dictionary
-- ($version). The indexer then reads them in batches of consecutive numbers.
CREATE OR REPLACE TEMP TABLE index_todo AS
SELECT row_number() OVER (ORDER BY a.published_at NULLS LAST, a.article_id) AS n,
       a.article_id
FROM articles AS a LEFT JOIN term_docs AS d USING (article_id)
WHERE d.article_id IS NULL OR d.index_version <> $version
   OR d.content_hash IS DISTINCT FROM a.content_hash;
