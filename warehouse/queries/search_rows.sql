-- `newsvault search`: the row ids of the found articles (only the article_id columns
-- are read), so that their texts are then read by row id.
CREATE OR REPLACE TEMP TABLE search_found AS
SELECT f.*, a.row
FROM search_found AS f
JOIN (SELECT doc, article_id FROM term_docs) AS d USING (doc)
JOIN (SELECT article_id, rowid AS row FROM articles) AS a USING (article_id);
