-- Articles to re-extract from their archived capture: those extracted by another
-- extractor version (or all), optionally one site or published since a time, and only
-- the ids from $first to $last (a work unit's) when given. A revisit capture is read
-- from the record it repeats.
SELECT a.article_id, a.site, a.kind, a.url, a.capture_id,
       coalesce(o.warc_file, c.warc_file) AS warc_file,
       coalesce(o.warc_offset, c.warc_offset) AS warc_offset,
       coalesce(o.body_sha256, c.body_sha256) AS body_sha256,
       c.url AS capture_url, c.purpose, c.content_type, c.fetched_at
FROM articles AS a
JOIN captures AS c ON c.capture_id = a.capture_id
LEFT JOIN captures AS o ON c.record_type = 'revisit' AND o.capture_id = c.refers_to
WHERE ($everything OR a.extractor_version IS DISTINCT FROM $version)
  AND ($site IS NULL OR a.site = $site)
  AND ($since IS NULL OR a.published_at >= $since)
  AND ($first IS NULL OR a.article_id >= $first)
  AND ($last IS NULL OR a.article_id <= $last)
ORDER BY a.article_id;
