-- The row ids of the articles of these ids ($ids); reads only the article_id column.
SELECT rowid FROM articles WHERE article_id IN (SELECT unnest($ids::VARCHAR[])) ORDER BY rowid;
