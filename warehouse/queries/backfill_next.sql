-- The next article ids to read from the archives (ids after $after, in id order), each
-- with its untried captures, best first: the first capture at or after publication
-- (the time a list showed, else the stored article's), else the latest before it;
-- without a publication time the earliest.  Left out: ids stored already (unless
-- $refresh; articles stored from feed text only are never "stored"), captures read
-- before (stored, or refused) and captures that failed $max_attempts times.
-- $refused: only what the sites refused (backfill_refused_ids).
WITH tried AS (
    SELECT via, bool_or(error IS NULL OR error LIKE 'refused-%') AS final,
           count(*) FILTER (WHERE error IS NOT NULL AND error NOT LIKE 'refused-%') AS failures
    FROM captures WHERE via IS NOT NULL AND purpose = 'backfill'
    GROUP BY via
), listed AS (
    SELECT article_id, min(listed) AS published FROM (
        SELECT article_id, listed_at AS listed FROM frontier WHERE listed_at IS NOT NULL
        UNION ALL
        SELECT article_id, published_at FROM backfill_ids WHERE published_at IS NOT NULL
    ) GROUP BY article_id
), refused AS (
    SELECT article_id FROM articles WHERE status = 'feed'
    UNION
    SELECT article_id FROM frontier
    WHERE state <> 'done'
      AND regexp_matches(lower(coalesce(last_error, '')),
                         'blocked|anti-bot|risk-control|challenge|captcha|refused|http-403')
), candidates AS (
    SELECT i.article_id, i.site, i.kind, i.url, i.archive, i.captured_at, i.via, i.filename,
           i."offset", i.length, coalesce(l.published, a.published_at) AS published
    FROM backfill_index AS i
    LEFT JOIN listed AS l USING (article_id)
    LEFT JOIN articles AS a USING (article_id)
    LEFT JOIN tried AS t USING (via)
    WHERE i.article_id IS NOT NULL AND i.article_id > $after
      AND list_contains($sites, i.site) AND list_contains($archives, i.archive)
      AND ($refresh OR a.article_id IS NULL OR a.status = 'feed')
      AND ($refresh OR NOT coalesce(t.final, false))
      AND coalesce(t.failures, 0) < $max_attempts
      AND (NOT $refused OR i.article_id IN (SELECT article_id FROM refused))
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
ORDER BY article_id
LIMIT $chunk;
