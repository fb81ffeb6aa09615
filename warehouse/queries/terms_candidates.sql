-- Indexed articles that may be near-duplicates of the batch (`batch_docs`): published
-- within $window days of a batch article and sharing one of the four 16-bit bands of
-- its SimHash. pipeline.fingerprint then checks the distance.
WITH batch AS (
    SELECT day, b, (simhash >> (16 * b)) & 65535 AS v
    FROM batch_docs, range(4) AS r(b)
    WHERE simhash IS NOT NULL AND day IS NOT NULL
), stored AS (
    SELECT d.doc, d.day, d.simhash, d.cluster, b, (d.simhash >> (16 * b)) & 65535 AS v
    FROM term_docs AS d, range(4) AS r(b)
    WHERE d.simhash IS NOT NULL
      AND d.day BETWEEN (SELECT min(day) FROM batch) - $window
                    AND (SELECT max(day) FROM batch) + $window
      AND d.article_id NOT IN (SELECT article_id FROM batch_docs)
)
SELECT DISTINCT s.doc, s.day, s.simhash, s.cluster
FROM stored AS s JOIN batch USING (b, v)
WHERE abs(s.day - batch.day) <= $window;
