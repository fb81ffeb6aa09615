-- `newsvault search`: what a result shows of the article at row id $row. One query per
-- result: `rowid BETWEEN x AND x` reads one row group's texts, where a list of scattered
-- row ids would read the texts of all the row groups between them.
SELECT article_id, title, url, published_at, source, body
FROM articles
WHERE rowid BETWEEN $row AND $row;
