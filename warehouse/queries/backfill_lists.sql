-- Archived list pages to read: one capture per list URL and day (across archives, the
-- Wayback one first), in `via` order after $after, unless read already (a commit with
-- no error, or a refusal) or failed $max_attempts times.
WITH tried AS (
    SELECT via, bool_or(error IS NULL OR error LIKE 'refused-%') AS final,
           count(*) FILTER (WHERE error IS NOT NULL AND error NOT LIKE 'refused-%') AS failures
    FROM captures WHERE via IS NOT NULL AND purpose = 'backfill-list'
    GROUP BY via
), daily AS (
    SELECT * FROM backfill_index
    WHERE kind = 'list' AND list_contains($sites, site) AND list_contains($archives, archive)
    QUALIFY row_number() OVER (
        PARTITION BY regexp_replace(url, '^https?://(www\.)?', ''), captured_at::DATE
        ORDER BY archive DESC, via) = 1
)
SELECT d.site, d.url, d.archive, d.captured_at, d.via, d.filename, d."offset", d.length
FROM daily AS d LEFT JOIN tried AS t USING (via)
WHERE d.via > $after AND NOT coalesce(t.final, false) AND coalesce(t.failures, 0) < $max_attempts
ORDER BY d.via
LIMIT $chunk;
