-- Articles whose terms are missing or stale: never indexed, changed since they were
-- indexed, or indexed with another segmenter/dictionary ($version); every article with
-- $rebuild.  In article id order, only the ids from $first to $last (a work unit's)
-- when given.
SELECT a.article_id
FROM articles AS a LEFT JOIN term_docs_current AS d USING (article_id)
WHERE ($rebuild OR d.article_id IS NULL OR d.index_version <> $version
       OR d.content_hash IS DISTINCT FROM a.content_hash)
  AND ($first IS NULL OR a.article_id >= $first)
  AND ($last IS NULL OR a.article_id <= $last)
ORDER BY a.article_id;
