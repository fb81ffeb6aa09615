-- Append a batch's extractions (the DuckDB file's merge_articles, insert-only), after
-- stage_current:
-- 1. the state replaced by changed content goes to article_versions;
-- 2. a new row in article_states for new ids, changed content, and unchanged content
--    read from another capture or by another extractor version; first_seen_at and
--    updated_at carry over as the file's UPDATE keeps them.
INSERT INTO article_versions (article_id, replaced_at, reason, replaced_by, title, body, author,
                              source, published_at, tags, summary, extractor,
                              extractor_version, content_hash, capture_id, fetched_at,
                              node, batch_id)
SELECT a.article_id, $now, $reason, s.capture_id, a.title, a.body, a.author, a.source,
       a.published_at, a.tags, a.summary, a.extractor, a.extractor_version, a.content_hash,
       a.capture_id, a.fetched_at, $node, $batch_id
FROM staged_current AS a
JOIN (SELECT DISTINCT ON (article_id) * FROM staged_articles) AS s USING (article_id)
WHERE a.content_hash IS DISTINCT FROM s.content_hash;

INSERT INTO article_states
SELECT s.* REPLACE (
           coalesce(a.first_seen_at, s.first_seen_at) AS first_seen_at,
           CASE WHEN a.article_id IS NULL THEN s.updated_at
                WHEN a.content_hash IS DISTINCT FROM s.content_hash THEN $now
                ELSE a.updated_at END AS updated_at),
       $node, $batch_id, $now
FROM (SELECT DISTINCT ON (article_id) * FROM staged_articles) AS s
LEFT JOIN staged_current AS a USING (article_id)
WHERE a.article_id IS NULL
   OR a.content_hash IS DISTINCT FROM s.content_hash
   OR a.capture_id IS DISTINCT FROM s.capture_id
   OR a.extractor_version IS DISTINCT FROM s.extractor_version;
