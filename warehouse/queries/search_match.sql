-- `newsvault search`: the articles having every wanted term and no excluded group, scored
-- (BM25 with a title bonus, see pipeline/store/search.py), into the temp table
-- search_found. One scan of term_rows for all the query's terms ($ids); each article's
-- terms as a bit mask: it must hold $need, and $allowed tests it holds no excluded
-- group (`mask & 4 <> 4 AND ...`). `wanted` rows are
-- (term_id, bit, idf, required); $first/$last bound the Beijing day, $site the site.
CREATE OR REPLACE TEMP TABLE search_found AS
WITH wanted(term_id, bit, idf, required) AS (VALUES $wanted),
hits AS MATERIALIZED (
    SELECT doc, term_id, count, in_title
    FROM term_rows
    WHERE term_id IN ($ids)
      AND ($first IS NULL OR day >= $first) AND ($last IS NULL OR day <= $last)
),
masks AS (
    SELECT * FROM (
        SELECT h.doc, bit_or(w.bit) AS mask
        FROM hits AS h JOIN wanted AS w USING (term_id)
        GROUP BY h.doc
    )
    WHERE mask & $need = $need AND $allowed
)
SELECT d.doc, d.article_id, d.site, d.day, d.source, m.mask,
       sum(w.idf * (h.count * ($k1 + 1)
                    / (h.count + $k1 * (1 - $b + $b * coalesce(d.length, d.terms) / $avglen))
                    + $title * h.in_title::INT)) AS score
FROM masks AS m
JOIN hits AS h USING (doc)
JOIN wanted AS w USING (term_id)
JOIN term_docs AS d USING (doc)
WHERE w.required AND ($site IS NULL OR d.site = $site)
GROUP BY d.doc, d.article_id, d.site, d.day, d.source, m.mask;
