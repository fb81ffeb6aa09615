-- How current the term index is: articles; indexed with the current version ($version)
-- and content; indexed but stale; not indexed; months whose daily counts await a
-- recount (a bulk index was interrupted).
SELECT count(*) AS articles,
       count(*) FILTER (WHERE d.index_version = $version
                        AND d.content_hash IS NOT DISTINCT FROM a.content_hash) AS current,
       count(d.article_id) FILTER (WHERE d.index_version <> $version
                        OR d.content_hash IS DISTINCT FROM a.content_hash) AS stale,
       count(*) FILTER (WHERE d.article_id IS NULL) AS missing,
       (SELECT count(DISTINCT month) FROM term_recount) AS recount
FROM articles AS a LEFT JOIN term_docs AS d USING (article_id);
