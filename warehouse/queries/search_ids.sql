-- `newsvault search`: the article ids of a page's docs. $docs is `doc BETWEEN x AND x OR
-- ...`: term_docs is in doc order (but for re-indexed articles), so each reads a vector.
SELECT doc, article_id FROM term_docs WHERE $docs;
