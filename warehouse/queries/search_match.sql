-- `newsvault search`: the articles having every wanted term and no excluded group, scored
-- (BM25 with a title bonus, see pipeline/store/search.py), into the temp table
-- search_found. The article rows of all the query's terms ($postings: a union of
-- search_postings.sql, one per term, wanted or excluded); each article's
-- terms as a bit mask: it must hold $need, and $allowed tests it holds no excluded
-- group (`mask & 4 <> 4 AND ...`). `wanted` rows are (term_id, bit, required); each
-- term's idf comes from its rows read ($docs articles searched, in those days); $site
-- is the site wanted (NULL: any). The article ids
-- (a long string column) are read for one page only (search_ids.sql).
CREATE OR REPLACE TEMP TABLE search_found AS
WITH wanted(term_id, bit, required) AS (VALUES $wanted),
hits AS MATERIALIZED ($postings),
weights AS (
    SELECT w.*, ln(1 + ($docs - n + 0.5) / (n + 0.5)) AS idf
    FROM wanted AS w
    JOIN (SELECT term_id, count(*) AS n FROM hits GROUP BY term_id) USING (term_id)
),
masks AS (
    SELECT * FROM (
        SELECT h.doc, bit_or(w.bit) AS mask
        FROM hits AS h JOIN wanted AS w USING (term_id)
        GROUP BY h.doc
    )
    WHERE mask & $need = $need AND $allowed
)
SELECT d.doc, d.site, d.day, d.source, m.mask,
       sum(w.idf * (h.count * ($k1 + 1)
                    / (h.count + $k1 * (1 - $b + $b * coalesce(d.length, d.terms) / $avglen))
                    + $title * h.in_title::INT)) AS score
FROM masks AS m
JOIN hits AS h USING (doc)
JOIN weights AS w USING (term_id)
JOIN term_docs AS d USING (doc)
WHERE w.required AND ($site IS NULL OR d.site = $site)
GROUP BY d.doc, d.site, d.day, d.source, m.mask;
