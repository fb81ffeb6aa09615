-- The last archived response per URL (as warehouse/queries/preload_revisits.sql).
SELECT url, payload_digest, warc_record_id, fetched_at, capture_id
FROM captures
WHERE record_type = 'response' AND error IS NULL
  AND (purpose IN ('list', 'robots') OR url IN (SELECT unnest($urls)))
QUALIFY row_number() OVER (PARTITION BY url ORDER BY capture_id DESC) = 1;
