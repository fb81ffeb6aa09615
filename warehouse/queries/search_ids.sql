-- `newsvault search`: the article id, site and 来源 of some docs ($docs): a page's, one
-- for each facet value shown (the facets count hashes of site and 来源,
-- search_docs_some.sql), or those whose text a phrase is checked in. term_docs is in
-- doc order (but for re-indexed articles), so the scan reads a few vectors of it.
SELECT doc, article_id, site, source FROM term_docs WHERE doc IN ($docs);
