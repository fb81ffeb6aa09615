-- `newsvault search`: search_docs_some.sql for every article of the days $first..$last
-- (NULL: open), when the articles found are many of them: one scan of five narrow
-- columns instead of a join.
SELECT doc, coalesce(length, terms) AS length,
       coalesce(CAST(day - DATE '1970-01-01' AS INTEGER), $no_day) AS day,
       hash(site) AS site_key,
       CASE WHEN source IS NULL THEN 0::UBIGINT ELSE hash(source) END AS source_key,
       ($site IS NULL OR site = $site) AS in_site
FROM term_docs
WHERE ($first IS NULL OR day >= $first) AND ($last IS NULL OR day <= $last)
