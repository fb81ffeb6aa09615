-- `newsvault search`: the article ids of a page's docs ($docs). term_docs is in doc
-- order (but for re-indexed articles), so the scan reads a few vectors of it.
SELECT doc, article_id FROM term_docs WHERE doc IN ($docs);
