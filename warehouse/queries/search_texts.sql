-- `newsvault search`: what a result shows of the articles at some row ids. $rows is
-- `rowid BETWEEN x AND x OR ...`, one per result: each lets the scan skip the row groups
-- (and vectors) without that row, where `rowid IN (...)` would read the texts of all the
-- row groups between the first and the last.
SELECT article_id, title, url, published_at, source, body
FROM articles
WHERE $rows;
