-- `newsvault search`: the article id and site of some docs ($docs): a page's, or those
-- whose text a phrase is checked in. term_docs is in doc order (but for re-indexed
-- articles), so the scan reads a few vectors of it.
SELECT doc, article_id, site FROM term_docs WHERE doc IN ($docs);
