-- Near-duplicates of the batch's articles (`batch_docs`): pairs published within $window
-- days of each other whose SimHashes differ in at most $distance bits, found through
-- the nine 7-bit bands (two hashes within 8 bits share one). `other` is an indexed
-- article (with its cluster) or, with cluster NULL, another article of the batch.
WITH batch AS (
    SELECT doc, day, simhash, b, (simhash >> (7 * b)) & 127 AS v
    FROM batch_docs, range(9) AS r(b)
    WHERE simhash IS NOT NULL AND day IS NOT NULL
), stored AS (
    SELECT d.doc, d.day, d.simhash, d.cluster, b, (d.simhash >> (7 * b)) & 127 AS v
    FROM term_docs_current AS d, range(9) AS r(b)
    WHERE d.simhash IS NOT NULL
      AND d.day BETWEEN (SELECT min(day) FROM batch) - $window
                    AND (SELECT max(day) FROM batch) + $window
      AND d.article_id NOT IN (SELECT article_id FROM batch_docs)
)
SELECT DISTINCT n.doc, o.doc AS other, o.day, o.cluster
FROM batch AS n JOIN stored AS o USING (b, v)
WHERE abs(o.day - n.day) <= $window AND bit_count(xor(o.simhash, n.simhash)) <= $distance
UNION
SELECT DISTINCT n.doc, o.doc AS other, o.day, NULL AS cluster
FROM batch AS n JOIN batch AS o USING (b, v)
WHERE n.doc <> o.doc AND abs(o.day - n.day) <= $window
  AND bit_count(xor(o.simhash, n.simhash)) <= $distance;
