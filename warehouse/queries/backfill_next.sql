-- The captures to read for a window of article ids ($ids, from backfill_next_ids),
-- best first per id: the first capture at or after publication (the time a list
-- showed, else the stored article's), else the latest before it; without a publication
-- time the earliest.  Left out: captures read before (stored, or refused; unless
-- $refresh) and captures that failed $max_attempts times.  Ids with none left are not
-- returned.
WITH window_rows AS (
    SELECT * FROM backfill_index
    WHERE article_id IN (SELECT unnest($ids)) AND list_contains($archives, archive)
), tried AS (
    SELECT via, bool_or(error IS NULL OR error LIKE 'refused-%') AS final,
           count(*) FILTER (WHERE error IS NOT NULL AND error NOT LIKE 'refused-%') AS failures
    FROM captures
    WHERE purpose = 'backfill' AND via IN (SELECT via FROM window_rows)
    GROUP BY via
), listed AS (
    SELECT article_id, min(listed) AS published FROM (
        SELECT article_id, listed_at AS listed FROM frontier
        WHERE listed_at IS NOT NULL AND article_id IN (SELECT unnest($ids))
        UNION ALL
        SELECT article_id, published_at FROM backfill_ids
        WHERE published_at IS NOT NULL AND article_id IN (SELECT unnest($ids))
    ) GROUP BY article_id
), candidates AS (
    SELECT w.article_id, w.site, w.kind, w.url, w.archive, w.captured_at, w.via,
           w.filename, w."offset", w.length, coalesce(l.published, a.published_at) AS published
    FROM window_rows AS w
    LEFT JOIN listed AS l USING (article_id)
    LEFT JOIN articles AS a USING (article_id)
    LEFT JOIN tried AS t USING (via)
    WHERE ($refresh OR NOT coalesce(t.final, false))
      AND coalesce(t.failures, 0) < $max_attempts
)
SELECT article_id, any_value(site) AS site, any_value(kind) AS kind,
       list(struct_pack(archive := archive, url := url, captured_at := captured_at,
                        via := via, filename := filename, "offset" := "offset",
                        length := length)
            ORDER BY captured_at < coalesce(published, captured_at),
                     CASE WHEN captured_at >= coalesce(published, captured_at)
                          THEN epoch(captured_at) ELSE -epoch(captured_at) END,
                     archive DESC, via)[1:$candidates] AS captures
FROM candidates
GROUP BY article_id
ORDER BY article_id;
