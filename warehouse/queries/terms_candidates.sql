-- Indexed articles that are near-duplicates of an article of the batch (`batch_docs`):
-- published within $window days of it, sharing one of the nine 7-bit bands of its
-- SimHash (any two hashes within 8 bits do) and within $distance bits of it.
WITH batch AS (
    SELECT day, simhash, b, (simhash >> (7 * b)) & 127 AS v
    FROM batch_docs, range(9) AS r(b)
    WHERE simhash IS NOT NULL AND day IS NOT NULL
), stored AS (
    SELECT d.doc, d.day, d.simhash, d.cluster, b, (d.simhash >> (7 * b)) & 127 AS v
    FROM term_docs AS d, range(9) AS r(b)
    WHERE d.simhash IS NOT NULL
      AND d.day BETWEEN (SELECT min(day) FROM batch) - $window
                    AND (SELECT max(day) FROM batch) + $window
      AND d.article_id NOT IN (SELECT article_id FROM batch_docs)
)
SELECT DISTINCT s.doc, s.day, s.simhash, s.cluster
FROM stored AS s JOIN batch USING (b, v)
WHERE abs(s.day - batch.day) <= $window
  AND bit_count(xor(s.simhash, batch.simhash)) <= $distance;
