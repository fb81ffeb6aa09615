-- `newsvault search`: the site and 来源 of a few docs ($docs), one for each facet value
-- shown (the facets count hashes of them, search_docs_some.sql).
SELECT doc, site, source FROM term_docs WHERE doc IN ($docs);
