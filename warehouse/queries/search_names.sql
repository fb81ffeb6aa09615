-- `newsvault search`: the site and 来源 of some docs ($docs): one of each facet value
-- shown (the facets count hashes of site and 来源, search_docs_all.sql). Apart from
-- search_ids.sql, as an article id costs more to read than both (FSST strings).
SELECT doc, site, source FROM term_docs WHERE doc IN ($docs);
