-- `newsvault search`: what ranking and facets need of the articles found (the docs of
-- the registered array `search_wanted`), as numbers for numpy: BM25's length, the day
-- (days since 1970; $no_day when unknown), hashes of the site and the 来源 (0: none; the
-- facets look the names of a few up by doc, search_names.sql), and whether it is on
-- the site asked for ($site, NULL: any). Used when few are found; else search_docs_all.
SELECT doc, coalesce(length, terms) AS length,
       coalesce(CAST(day - DATE '1970-01-01' AS INTEGER), $no_day) AS day,
       hash(site) AS site_key,
       CASE WHEN source IS NULL THEN 0::UBIGINT ELSE hash(source) END AS source_key,
       ($site IS NULL OR site = $site) AS in_site
FROM term_docs
WHERE doc IN (SELECT doc FROM search_wanted)
ORDER BY doc
