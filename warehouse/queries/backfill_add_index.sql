-- Index rows of one CDX page (given as parallel lists), each capture once (by `via`).
INSERT INTO backfill_index
SELECT DISTINCT ON (s.via) s.*
FROM (SELECT unnest($archive) AS archive, unnest($site) AS site,
             unnest($article_id) AS article_id, unnest($kind) AS kind, unnest($url) AS url,
             unnest($captured_at) AS captured_at, unnest($via) AS via,
             unnest($filename) AS filename, unnest($offset) AS "offset",
             unnest($length) AS length, unnest($digest) AS digest,
             $run_id::BIGINT AS found_run) AS s
WHERE s.via NOT IN (SELECT via FROM backfill_index);
