-- How current the term index is (the file's terms_status.sql over the current entries);
-- nothing awaits a recount: team mode always writes deltas.
SELECT count(*) AS articles,
       count(*) FILTER (WHERE d.index_version = $version
                        AND d.content_hash IS NOT DISTINCT FROM a.content_hash) AS current,
       count(d.article_id) FILTER (WHERE d.index_version <> $version
                        OR d.content_hash IS DISTINCT FROM a.content_hash) AS stale,
       count(*) FILTER (WHERE d.article_id IS NULL) AS missing,
       0 AS recount
FROM articles AS a LEFT JOIN term_docs_current AS d USING (article_id);
